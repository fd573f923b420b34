"""Per-meeting settings (issue 17 must-have 7): reminders off or on other days, the RSVP contact
printed in the notice PDF, and a warning (not a refusal) for a date in the past."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from councils.models import Meeting
from tests.factories import AgendaItemFactory, MeetingFactory, OrganisationFactory, UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def notice_text(client, meeting) -> str:
    response = client.get(reverse("councils:meeting_pdf", args=[meeting.pk, "notice"]))
    assert response.status_code == 200
    return pdf_text(response.content)


def test_the_notice_prints_the_secretariats_organisation_as_the_contact_by_default(client, council, secretary):
    secretary.organisation = OrganisationFactory(name="汐見市高齢福祉介護課", phone="0467-00-1234",
                                                 email="kaigo@city.example.jp")
    secretary.save()
    meeting = MeetingFactory(council=council, date=dt.date(2026, 12, 10))
    AgendaItemFactory(meeting=meeting)
    client.force_login(secretary)
    text = notice_text(client, meeting)
    assert "連絡先" in text and "汐見市高齢福祉介護課" in text and "0467-00-1234" in text
    assert "kaigo@city.example.jp" in text
    assert "事務局まで電話で" not in text  # no longer a phone call without a number


def test_the_notice_prints_the_meetings_own_contact(client, council, secretary):
    meeting = MeetingFactory(council=council, date=dt.date(2026, 12, 10), contact_name="地域包括ケア推進係 山田",
                             contact_phone="0467-82-1111", contact_email="")
    client.force_login(secretary)
    text = notice_text(client, meeting)
    assert "地域包括ケア推進係山田" in text and "0467-82-1111" in text
    # The letters for invitees without e-mail print it too.
    letters = client.get(reverse("councils:meeting_pdf", args=[meeting.pk, "letters"]))
    assert letters.status_code == 200


def test_without_any_contact_the_city_department_is_printed(client, council, secretary):
    from municipality.models import Municipality

    municipality = Municipality.objects.current()
    municipality.certificate_department = "汐見市福祉部高齢福祉介護課"
    municipality.save()
    meeting = MeetingFactory(council=council, date=dt.date(2026, 12, 10))
    client.force_login(secretary)
    assert "汐見市福祉部高齢福祉介護課" in notice_text(client, meeting)


def meeting_data(**changes):
    return {**once(), "title": "第1回 協議体", "date": "2026-12-10", "start_time": "10:00", "end_time": "11:30",
            "place": "汐見中央公民館", "is_public": "on", "agenda_1": "見守り", "topic_1": "5", **changes}


def test_a_past_date_needs_a_confirmation_and_then_saves_with_a_warning(client, council, secretary):
    client.force_login(secretary)
    url = reverse("councils:meeting_create", args=[council.pk])
    response = client.post(url, meeting_data(date="2026-11-20"))
    assert response.status_code == 200
    assert "開催日が過去の日付です" in response.content.decode()
    assert not Meeting.objects.exists()
    response = client.post(url, meeting_data(date="2026-11-20", past_date_confirmed="on"), follow=True)
    assert Meeting.objects.get().date == dt.date(2026, 11, 20)
    assert "過去の日付です" in response.content.decode()  # the warning on the meeting's page
    # Today and later need no confirmation.
    client.post(url, meeting_data(date="2026-11-23"))
    assert Meeting.objects.count() == 2


def test_the_admin_saves_a_past_date_with_a_warning(client, council, secretary):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    meeting = MeetingFactory(council=council, date=dt.date(2026, 12, 10))
    client.force_login(superuser)
    url = reverse("admin:councils_meeting_change", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"date": "2026-11-01", "start_time": "14:00", "end_time": "16:00", "council": council.pk})
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{inline.formset.prefix}-{name}"] = management[name].value()
        for i, inline_form in enumerate(inline.formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value not in (None, False):
                    data[f"{inline.formset.prefix}-{i}-{name}"] = value
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(url, data, follow=True)
    meeting.refresh_from_db()
    assert meeting.date == dt.date(2026, 11, 1)
    assert "過去の日付です。このまま保存しました" in response.content.decode()


def test_the_meeting_form_keeps_its_reminder_settings(client, council, secretary):
    client.force_login(secretary)
    url = reverse("councils:meeting_create", args=[council.pk])
    client.post(url, meeting_data(reminders_off="on", reminder_days="3", contact_phone="0467-00-0000"))
    meeting = Meeting.objects.get()
    assert (meeting.reminders_off, meeting.reminder_days, meeting.contact_phone) == (True, "3", "0467-00-0000")
    response = client.post(url, meeting_data(reminder_days="0,200"))
    assert "1から90までの数" in response.content.decode()
    assert Meeting.objects.count() == 1
