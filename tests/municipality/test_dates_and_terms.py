"""One date style and one term (issue 16, problem 7 and must-have 4).

The crawl (tests/test_crawl.py) reads every page of every persona in a city that says
地域支え合い推進員 and fails on a Western date, 「コーディネーター」 or a number written 第令和8-001号;
these tests pin what each place shows instead.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
import time_machine
from django.contrib.admin.utils import display_for_field, display_for_value
from django.test import Client
from django.urls import reverse

from activities.models import MonthlyReport, ReportStatus
from coordinators import services
from coordinators.models import Certificate
from municipality.models import CoordinatorTerm, Municipality
from municipality.terms import localise
from tests.factories import CoordinatorFactory, MeetingFactory, UserFactory
from tests.reading import WESTERN_DATE, visible_text, western_dates

pytestmark = pytest.mark.django_db

TOKYO_MORNING = dt.datetime(2026, 11, 16, 1, 5, 9, 123456, tzinfo=dt.UTC)  # 10:05:09 in Tokyo


def say_sasaeai() -> None:
    Municipality.objects.current()
    Municipality.objects.filter(pk=Municipality.SINGLETON_PK).update(coordinator_term=CoordinatorTerm.SASAEAI)


def pdf_text(content: bytes, tmp_path) -> str:
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


# --- The admin's display of dates ----------------------------------------------------------


def test_admin_shows_dates_datetimes_months_and_fiscal_years_in_wareki() -> None:
    def field(model, name):
        return model._meta.get_field(name)

    assert display_for_field(dt.date(2027, 3, 31), field(Certificate, "valid_until"), "-") == "令和9年3月31日"
    assert display_for_field(dt.date(2026, 10, 1), field(MonthlyReport, "month"), "-") == "令和8年10月"
    assert display_for_field(2026, field(Certificate, "fiscal_year"), "-") == "令和8年度"
    from reminders.models import Delivery

    assert display_for_field(TOKYO_MORNING, field(Delivery, "created_at"), "-") == "令和8年11月16日 10:05"
    # What a list column's method returns, too.
    assert display_for_value(dt.date(2019, 5, 1), "-") == "令和元年5月1日"
    assert display_for_value(TOKYO_MORNING, "-") == "令和8年11月16日 10:05"
    assert display_for_field(None, field(Certificate, "valid_until"), "-") == "-"


def test_the_audit_log_keeps_its_seconds() -> None:
    from auditlog.models import LogEntry

    assert display_for_field(TOKYO_MORNING, LogEntry._meta.get_field("timestamp"), "-") == "令和8年11月16日 10:05:09"


def test_the_admin_list_of_monthly_reports_shows_the_month_not_a_day(client: Client) -> None:
    MonthlyReport.objects.create(coordinator=CoordinatorFactory(), month=dt.date(2026, 10, 1),
                                 status=ReportStatus.SUBMITTED)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    text = " ".join(visible_text(client.get(reverse("admin:activities_monthlyreport_changelist")).content.decode()))
    assert "令和8年10月" in text
    assert "令和8年10月1日" not in text and "2026年10月1日" not in text


def test_the_certificate_list_filters_by_fiscal_year_in_wareki(client: Client, accepted, city_user) -> None:
    services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=dt.date(2026, 5, 7))
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:coordinators_certificate_changelist"))
    text = visible_text(page.content.decode())
    assert "令和8年度" in text and "2026" not in text
    assert "fiscal_year=2026" in page.content.decode()  # the query keeps the year


# --- Date boxes ------------------------------------------------------------------------------


def test_date_boxes_are_iso_with_a_japanese_picker_in_the_admin_and_the_portal(client: Client, accepted) -> None:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    admin_form = client.get(reverse("admin:coordinators_contract_add")).content.decode()
    boxes = re.findall(r"<input[^>]*type=\"date\"[^>]*>", admin_form)
    assert boxes and all('lang="ja"' in box for box in boxes)
    assert "vDateField" not in admin_form  # not the admin's text box with its calendar

    from municipality.forms import DateInput

    box = DateInput().render("day", dt.date(2026, 11, 30))
    assert 'type="date"' in box and 'lang="ja"' in box and 'value="2026-11-30"' in box


def test_the_admin_form_reads_the_iso_date_the_picker_sends(client: Client) -> None:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    form = client.get(reverse("admin:coordinators_contract_add")).context["adminform"].form
    assert form.fields["start"].clean("2026-04-01") == dt.date(2026, 4, 1)


# --- The term ----------------------------------------------------------------------------------


def test_localise_names_the_role_by_the_setting() -> None:
    assert localise("コーディネーター証", "地域支え合い推進員") == "地域支え合い推進員証"
    assert localise("区域の生活支援コーディネーターに依頼", "地域支え合い推進員") == "区域の地域支え合い推進員に依頼"
    assert localise("推進員（コーディネーター）", "地域支え合い推進員") == "地域支え合い推進員"
    assert localise("コーディネーター証", "生活支援コーディネーター") == "コーディネーター証"
    # Outside a request (migrations, commands) the text stays as written.
    assert localise("コーディネーター証") == "コーディネーター証"


def test_the_admin_names_the_role_by_the_setting(client: Client) -> None:
    say_sasaeai()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    index = " ".join(visible_text(client.get(reverse("admin:index")).content.decode()))
    assert "地域支え合い推進員証" in index and "コーディネーター" not in index
    listing = " ".join(visible_text(client.get(reverse("admin:coordinators_appointment_changelist")).content.decode()))
    assert "選択した選任に地域支え合い推進員証を交付する" in listing and "コーディネーター" not in listing


# --- Certificate numbers, PDFs ----------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 5, 7, 1, 0, tzinfo=dt.UTC), tick=False)
def test_a_certificate_number_reads_shohbangou_and_the_card_shows_wareki(client: Client, accepted, city_user,
                                                                          contractor_a, tmp_path) -> None:
    say_sasaeai()
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user)
    assert certificate.number == "令和8-001"
    assert str(certificate).startswith("証番号 令和8-001 ")
    client.force_login(contractor_a)
    listing = " ".join(visible_text(client.get(reverse("coordinators:list")).content.decode()))
    assert "証番号 令和8-001" in listing and "第令和" not in listing
    card = pdf_text(client.get(reverse("coordinators:certificate_pdf", args=[certificate.pk])).content, tmp_path)
    assert "証番号" in card and "令和8-001" in card and "第 令和" not in card
    assert "令和8年5月7日" in card and not WESTERN_DATE.search(card)
    assert "地域支え合い推進員証" in card


def test_a_meeting_notice_pdf_shows_wareki(client: Client, council, secretary, tmp_path) -> None:
    meeting = MeetingFactory(council=council, date=dt.date(2026, 12, 1))
    client.force_login(secretary)
    response = client.get(reverse("councils:meeting_pdf", args=[meeting.pk, "notice"]))
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content) if hasattr(response, "streaming_content")
                    else response.content, tmp_path)
    assert "令和8年12月1日" in re.sub(r"\s", "", text)
    assert not WESTERN_DATE.search(text)


# --- The reading of a page (the crawl's check) ------------------------------------------------


def test_the_check_reads_visible_text_only() -> None:
    page = ('<html><head><title>2026-11-30</title></head><body><input type="date" value="2026-11-30">'
            '<a href="/x/?month=2026-10-01">令和8年11月30日</a><textarea>2026/3/31</textarea>'
            '<p hidden>2026/3/31</p><p>2027/3/31 まで</p></body></html>')
    assert western_dates(page) == ["2027/3/31 in 「2027/3/31 まで」"]


def test_a_celery_task_writes_the_city_term_and_a_command_keeps_the_static_text() -> None:
    from config.celery import app
    from municipality.terms import term

    @app.task(name="tests.term_probe")
    def term_probe() -> str:
        return str(term("コーディネーター証"))

    say_sasaeai()
    assert term_probe.apply().get() == "地域支え合い推進員証"
    assert str(term("コーディネーター証")) == "コーディネーター証"  # after the task, as in a command
