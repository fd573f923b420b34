"""Meetings: invitations by mail with an .ics (at a real SMTP sink), RSVP by link, the feed,
attendance, the notice / letters / minutes PDFs, publication."""

import datetime as dt
import io
import re
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from councils import services
from councils.demo import minutes_to_state
from councils.models import Invitation, Meeting
from councils.services import invitations_send
from municipality.errors import DomainError
from reminders.services import send_due
from tests.council_fixtures import people
from tests.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def meeting(council, body, secretary):
    with_mail, without_mail = people(2)
    with_mail.email = "iin0@example.jp"
    with_mail.save()
    without_mail.address, without_mail.postal_code = "汐見市松林二丁目3番4号", "253-0000"
    without_mail.save()
    for person in (with_mail, without_mail):
        services.membership_add(council=council, person=person, organisation=body, start=dt.date(2025, 4, 1),
                                by=secretary)
    meeting = MeetingFactory(council=council, title="令和8年度 第2回 第1層協議体", date=dt.date(2026, 12, 1),
                             start_time=dt.time(0, 30), end_time=dt.time(2, 0), place="汐見市役所 本庁舎4階 会議室1")
    AgendaItemFactory(meeting=meeting, order=1, title="買い物支援の取組について")
    AgendaItemFactory(meeting=meeting, order=2, title="第10期計画に向けた意見")
    services.meeting_invite_members(meeting=meeting, by=secretary)
    return meeting


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def test_invitations_reach_the_smtp_sink_with_a_calendar_file(meeting, smtp_sink):
    from tests.conftest import name_city

    name_city("汐見市")
    sent, without = invitations_send(meeting=meeting)
    assert (sent, without) == (1, 1)
    assert smtp_sink.messages == []  # queued in the outbox; the worker sends it
    assert send_due() == 1
    [message] = smtp_sink.messages
    assert message["To"] == "iin0@example.jp"
    from email.header import decode_header, make_header

    assert "令和8年度 第2回 第1層協議体の開催のお知らせ" in str(make_header(decode_header(message["Subject"])))
    # Read as a mail client reads it (the modern parser, not the compat32 one that wrote it): the
    # decoded subject starts with the city's name, not with a space from an empty first line.
    subject = message_from_bytes(message.as_bytes(), policy=policy.default)["Subject"]
    assert subject == subject.strip() and subject.startswith("【汐見市】")
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    assert "令和8年12月1日" in text and "/meetings/rsvp/" in text
    assert "\n汐見市第1層協議体 事務局" in text  # the council's name already says the city
    ics = Calendar.from_ical(parts["text/calendar"].get_payload(decode=True))
    [event] = [c for c in ics.walk() if c.name == "VEVENT"]
    start = event.decoded("dtstart")
    assert start == dt.datetime(2026, 12, 1, 0, 30, tzinfo=TOKYO)  # just after midnight in Tokyo
    assert start.utcoffset() == dt.timedelta(hours=9)
    assert event.decoded("dtend") == dt.datetime(2026, 12, 1, 2, 0, tzinfo=TOKYO)
    assert str(event["location"]) == "汐見市役所 本庁舎4階 会議室1"
    assert str(event["url"]).endswith(f"/meetings/{meeting.pk}/")
    # A second run sends nothing twice.
    assert invitations_send(meeting=meeting) == (0, 1)
    assert send_due() == 0
    assert len(smtp_sink.messages) == 1


def test_rsvp_by_link_without_login(client, meeting):
    invitation = meeting.invitations.first()
    url = reverse("meetings:rsvp", args=[invitation.token])
    assert "出席します" in client.get(url).content.decode()
    client.post(url, {"answer": "no"})
    invitation.refresh_from_db()
    assert invitation.response == "declined"
    assert client.get(reverse("meetings:rsvp", args=["not-a-token"])).status_code == 404


def test_the_feed_holds_every_meeting_in_tokyo_time(client, meeting, council):
    MeetingFactory(council=council, title="第3回", date=dt.date(2027, 2, 1), start_time=dt.time(14, 0))
    response = client.get(reverse("meetings:feed", args=[council.feed_token]))
    assert response["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]
    assert {str(e["summary"]) for e in events} == {"令和8年度 第2回 第1層協議体", "第3回"}
    assert {e.decoded("dtstart") for e in events} == {
        dt.datetime(2026, 12, 1, 0, 30, tzinfo=TOKYO), dt.datetime(2027, 2, 1, 14, 0, tzinfo=TOKYO)}
    assert client.get(reverse("meetings:feed", args=["guess"])).status_code == 404


def test_notice_and_letters_pdfs(client, meeting, secretary):
    client.force_login(secretary)
    url = reverse("admin:councils_meeting_changelist")
    notice = client.post(url, {"action": "notice_pdf", "_selected_action": [meeting.pk]})
    text = pdf_text(notice.content)
    for part in ["令和8年度第2回第1層協議体の開催について（通知）", "構成員各位", "令和8年12月1日", "0時30分から2時00分まで",
                 "汐見市役所本庁舎4階会議室1", "買い物支援の取組について", "第10期計画に向けた意見"]:
        assert part in text, part
    letters = client.post(url, {"action": "letters_pdf", "_selected_action": [meeting.pk]})
    reader = PdfReader(io.BytesIO(letters.content))
    assert len(reader.pages) == 1  # one invitee has no e-mail
    letter = pdf_text(letters.content)
    assert "委員1様" in letter and "汐見市松林二丁目3番4号" in letter and "〒253-0000" in letter


def test_attendance_minutes_and_publication(client, meeting, secretary):
    client.force_login(secretary)
    with pytest.raises(DomainError, match="開催前"):
        services.attendance_record(meeting=meeting, attended_person_ids=[], by=secretary)
    with time_machine.travel(dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(secretary)  # the session of the day before has expired
        present = meeting.invitations.first().person
        client.post(reverse("admin:councils_meeting_attendance", args=[meeting.pk]), {"attended": [present.pk]})
        assert set(Invitation.objects.filter(attended=True).values_list("person", flat=True)) == {present.pk}
        with pytest.raises(DomainError, match="議事録が入力されていません"):
            services.minutes_send_for_confirmation(meeting=meeting, confirm_by=dt.date(2026, 12, 9), by=secretary)
        meeting.minutes = "買い物支援について意見交換を行った。"
        meeting.decisions = "移動販売の停車場所の追加を働きかける。"
        meeting.save()
        public = reverse("meetings:public", args=[meeting.pk])
        assert "移動販売の停車場所" not in client.get(public).content.decode()
        minutes_to_state(meeting, "published", by=secretary)
        assert "移動販売の停車場所" in client.get(public).content.decode()
        minutes = client.post(reverse("admin:councils_meeting_changelist"),
                              {"action": "minutes_pdf", "_selected_action": [meeting.pk]})
        text = pdf_text(minutes.content)
        assert "議事録" in text and present.name in text and "移動販売の停車場所の追加を働きかける" in text


def test_a_closed_meeting_publishes_only_its_outline(client, meeting, secretary):
    meeting.is_public = False
    meeting.closed_reason = "個人に関する情報を扱うため"
    meeting.minutes = "Ａさんの事例について詳しく検討した。"
    meeting.save()
    with time_machine.travel(dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC), tick=False):
        services.attendance_record(meeting=meeting, attended_person_ids=[
            meeting.invitations.first().person_id], by=secretary)
        with pytest.raises(DomainError, match="議事要旨"):
            services.minutes_send_for_confirmation(meeting=meeting, confirm_by=dt.date(2026, 12, 9), by=secretary)
        meeting.outline = "個別事例を通じて見守り体制の課題を共有した。"
        meeting.save()
        minutes_to_state(meeting, "published", by=secretary)
    body = client.get(reverse("meetings:public", args=[meeting.pk])).content.decode()
    assert "見守り体制の課題" in body
    assert "Ａさんの事例" not in body
    assert "非公開（個人に関する情報を扱うため）" in body


def test_a_closed_meeting_needs_a_reason(council):
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        Meeting.objects.create(council=council, title="x", date=dt.date(2026, 12, 1), start_time=dt.time(10),
                               end_time=dt.time(11), place="x", is_public=False)


def test_another_councils_secretariat_sees_nothing(client, meeting, council):
    from tests.factories import UserFactory

    other = UserFactory(username="other-sec", roles=["協議体事務局"], is_staff=True)
    client.force_login(other)
    assert client.get(reverse("admin:councils_meeting_change", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("admin:councils_council_change", args=[council.pk])).status_code == 404
    assert meeting.title not in client.get(reverse("admin:councils_meeting_changelist")).content.decode()
    assert client.get(reverse("admin:councils_meeting_attendance", args=[meeting.pk])).status_code == 404


def test_an_invitation_that_could_not_be_sent_is_offered_again_once_the_address_is_corrected(
        client, meeting, secretary, settings):
    from reminders.models import Delivery, DeliveryStatus
    from tests.reminders.test_reminders import Answering

    url = reverse("councils:meeting", args=[meeting.pk])
    client.force_login(secretary)
    client.post(url, {"send": "1"})
    with Answering("550 5.1.1 no such user") as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        send_due()
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    page = client.get(url).content.decode()
    assert "メール送信できず" in page and "開催通知をメールで送る（未送信の 1人）" in page
    # The same wrong address is not mailed again from here: the secretariat is told to check it.
    response = client.post(url, {"send": "1"}, follow=True)
    assert "新たに送る開催通知はありませんでした" in response.content.decode()
    person = meeting.invitations.get(person__email="iin0@example.jp").person
    person.email = "iin0-new@example.jp"
    person.save()
    response = client.post(url, {"send": "1"}, follow=True)
    assert "1人あての開催通知メールを送信します" in response.content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due() == 1
    from django.core import mail

    assert mail.outbox[0].to == ["iin0-new@example.jp"]
    assert "内容が変わりました" not in mail.outbox[0].body  # the same notice, not a changed one
    assert "メール送信済み" in client.get(url).content.decode()


def test_no_invitation_is_mailed_for_a_meeting_already_held(client, meeting, secretary):
    from reminders.models import Delivery

    Meeting.objects.filter(pk=meeting.pk).update(date=dt.date(2026, 11, 20))  # today is 11/23
    with pytest.raises(DomainError, match="開催日（令和8年11月20日）を過ぎているため"):
        invitations_send(meeting=meeting)
    client.force_login(secretary)
    response = client.post(reverse("councils:meeting", args=[meeting.pk]), {"send": "1"}, follow=True)
    assert "過ぎているため、開催通知は送れません" in response.content.decode()
    response = client.post(reverse("admin:councils_meeting_changelist"),
                           {"action": "mail_invitations", "_selected_action": [meeting.pk]}, follow=True)
    assert response.status_code == 200 and "過ぎているため、開催通知は送れません" in response.content.decode()
    assert not Delivery.objects.exists() and not meeting.invitations.filter(mailed_at__isnull=False).exists()
    # The day itself still counts: a notice may go out on the morning of the meeting.
    Meeting.objects.filter(pk=meeting.pk).update(date=dt.date(2026, 11, 23))
    assert invitations_send(meeting=meeting) == (1, 1)


SITE = "https://shien.example.lg.jp"


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>）]+", text)


def test_invitation_links_come_from_the_site_address_not_the_request(client, meeting, secretary, settings):
    """The secretariat clicks from http://testserver; the mail and its .ics carry the configured address."""
    from django.core import mail

    settings.SITE_URL = SITE + "/"
    client.force_login(secretary)
    client.post(reverse("councils:meeting", args=[meeting.pk]), {"send": "1"})
    assert send_due() == 1
    [message] = mail.outbox
    html = message.alternatives[0][0]
    [ics] = [a for a in message.message().walk() if a.get_content_type() == "text/calendar"]
    event = next(c for c in Calendar.from_ical(ics.get_payload(decode=True)).walk() if c.name == "VEVENT")
    invitation = meeting.invitations.get(person__email="iin0@example.jp")
    assert f"{SITE}/meetings/rsvp/{invitation.token}/" in message.body
    assert str(event["url"]) == f"{SITE}/meetings/{meeting.pk}/"
    links = links_in(message.body) + links_in(html) + links_in(str(event["description"])) + [str(event["url"])]
    assert links and all(link.startswith(SITE + "/") for link in links), links
    # The feed a calendar app fetches, and the subscription address the portal shows.
    feed = client.get(reverse("meetings:feed", args=[meeting.council.feed_token])).content
    events = [c for c in Calendar.from_ical(feed).walk() if c.name == "VEVENT"]
    assert [str(e["url"]) for e in events] == [f"{SITE}/meetings/{meeting.pk}/"]
    page = client.get(reverse("councils:detail", args=[meeting.council.pk])).content.decode()
    assert f"{SITE}/meetings/calendar/{meeting.council.feed_token}.ics" in page


def test_another_calendar_parser_reads_the_invitation_and_the_feed(client, meeting, secretary, settings):
    """vobject, which the product does not use, reads the same start in Tokyo time, the title and the
    configured address as icalendar (which wrote them) does."""
    import vobject
    from django.core import mail

    settings.SITE_URL = SITE
    client.force_login(secretary)
    client.post(reverse("councils:meeting", args=[meeting.pk]), {"send": "1"})
    send_due()
    [ics] = [a for a in mail.outbox[0].message().walk() if a.get_content_type() == "text/calendar"]
    feed = client.get(reverse("meetings:feed", args=[meeting.council.feed_token])).content
    for raw in (ics.get_payload(decode=True), feed):
        calendar = vobject.readOne(raw.decode("utf-8"))
        [event] = calendar.vevent_list
        start = event.dtstart.value
        assert start.utcoffset() == dt.timedelta(hours=9)
        assert start.replace(tzinfo=None) == dt.datetime(2026, 12, 1, 0, 30)
        assert event.dtend.value.replace(tzinfo=None) == dt.datetime(2026, 12, 1, 2, 0)
        assert event.summary.value == "令和8年度 第2回 第1層協議体"
        assert event.location.value == "汐見市役所 本庁舎4階 会議室1"
        assert event.url.value == f"{SITE}/meetings/{meeting.pk}/"
        assert "・買い物支援の取組について" in event.description.value
