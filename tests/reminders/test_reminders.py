"""Reminders are due on the right days, reach each person once, and stop when their reason goes."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import reminders as activity_reminders
from consultations import reminders as case_reminders
from coordinators import reminders as coordinator_reminders
from councils import reminders as council_reminders
from councils import services as council_services
from councils.models import Meeting, Response
from reminders import scan, services
from reminders.models import Delivery, DeliveryStatus, Notice, Reason
from tests.council_fixtures import Sink, people
from tests.factories import MeetingFactory, TrainingCourseFactory

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def at(day: dt.date, hour: int = 9, minute: int = 0):
    """Freeze the clock at a time of day in Tokyo."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO), tick=False)


def steps(planned, email=None):
    return sorted({p.step for p in planned if email is None or p.email == email})


# --- Council terms ---------------------------------------------------------------------------

def test_term_reminders_at_the_boundaries_of_a_term_ending_on_3_31(member):
    assert member.end == dt.date(2027, 3, 31)

    def terms(day):
        return council_reminders.council_terms(scan.Scan(day))

    assert terms(dt.date(2026, 11, 30)) == []  # 121 days before: not yet
    assert steps(terms(dt.date(2026, 12, 1))) == ["120日前 2027-03-31"]  # exactly 120 days before
    assert steps(terms(dt.date(2027, 1, 30))) == ["60日前 2027-03-31"]  # exactly 60 days
    assert steps(terms(dt.date(2027, 2, 28))) == ["60日前 2027-03-31"]  # 31 days: still the 60-day step
    planned = terms(dt.date(2027, 3, 1))  # exactly 30 days before
    assert {(p.email, p.step) for p in planned} == {("member@example.jp", "30日前 2027-03-31"),
                                                    ("secretary@example.jp", "30日前 2027-03-31")}
    member_mail = next(p for p in planned if p.email == "member@example.jp")
    assert "令和9年3月31日" in member_mail.subject
    assert "令和9年3月1日現在、あと30日" in member_mail.body
    assert terms(dt.date(2027, 3, 31)) == []  # the day itself: too late to remind


def test_scanning_every_day_sends_each_step_once(member):
    day = dt.date(2026, 11, 1)
    while day <= dt.date(2027, 4, 5):
        services.scan(day)
        day += dt.timedelta(days=1)
    member_mail = Delivery.objects.filter(recipient="member@example.jp").order_by("pk")
    assert list(member_mail.values_list("step", flat=True)) == [
        "120日前 2027-03-31", "60日前 2027-03-31", "30日前 2027-03-31"]
    assert Notice.objects.filter(user__email="secretary@example.jp").count() == 3


def test_a_day_without_a_scan_is_made_up_by_the_next(member):
    # No scan ran on 3/1 (broker down all day); the scan of 3/3 sends the 30-day reminder.
    services.scan(dt.date(2027, 2, 1))
    assert services.scan(dt.date(2027, 3, 3)) == 2
    assert set(Delivery.objects.values_list("step", flat=True)) == {"60日前 2027-03-31", "30日前 2027-03-31"}


def test_a_reappointed_member_gets_the_reminders_of_the_new_term(member, secretary):
    council_services.memberships_reappoint(memberships=[member], by=secretary)
    assert council_reminders.council_terms(scan.Scan(dt.date(2027, 3, 1))) == []
    planned = council_reminders.council_terms(scan.Scan(dt.date(2030, 3, 1)))
    assert steps(planned) == ["30日前 2030-03-31"]
    member.refresh_from_db()
    assert {p.object_key for p in planned} == {f"councils.membership:{member.reappointed_as.pk}",
                                               f"councils.council:{member.council_id}"}


def test_a_member_who_left_early_is_not_reminded_of_the_term_end(member, secretary):
    council_services.membership_leave(membership=member, leaves_on=dt.date(2027, 3, 20), reason="辞任", by=secretary)
    assert council_reminders.council_terms(scan.Scan(dt.date(2027, 3, 1))) == []


def test_a_term_renewed_after_its_reminder_was_queued_is_not_mailed(member, secretary):
    services.scan(dt.date(2027, 3, 1))
    council_services.memberships_reappoint(memberships=[member], by=secretary)
    with at(dt.date(2027, 3, 1), 10):
        assert services.send_due() == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.CANCELLED}
    assert mail.outbox == []


def test_day_counts_are_settings(member, settings):
    settings.REMINDER_TERM_DAYS = [90, 14]
    assert council_reminders.council_terms(scan.Scan(dt.date(2026, 12, 1))) == []
    assert steps(council_reminders.council_terms(scan.Scan(dt.date(2027, 1, 1)))) == ["90日前 2027-03-31"]
    assert steps(council_reminders.council_terms(scan.Scan(dt.date(2027, 3, 17)))) == ["14日前 2027-03-31"]


# --- Meetings ---------------------------------------------------------------------------------

@pytest.fixture
def late_meeting(council, member, secretary):
    """A meeting at 00:30 on 2026-12-02, Tokyo time."""
    meeting = MeetingFactory(council=council, date=dt.date(2026, 12, 2), start_time=dt.time(0, 30),
                             end_time=dt.time(1, 30))
    council_services.meeting_invite_members(meeting=meeting, by=secretary)
    return meeting


def test_a_meeting_just_after_midnight_counts_days_in_tokyo(late_meeting):
    # 11/30 23:50 in Tokyo (14:50 UTC): the meeting is 2 days away, the 7-day step.
    with at(dt.date(2026, 11, 30), 23, 50):
        services.scan()
    # The invitee's reminders (the secretariat has its own, on the same days).
    meeting_mail = Delivery.objects.filter(reason=Reason.MEETING, recipient="member@example.jp")
    assert list(meeting_mail.values_list("step", flat=True)) == ["7日前 2026-12-02"]
    assert Delivery.objects.filter(reason=Reason.MEETING, recipient="secretary@example.jp").count() == 1
    # 12/1 00:10 in Tokyo is still 11/30 in UTC (15:10): in Tokyo it is the day before.
    with at(dt.date(2026, 12, 1), 0, 10):
        assert dt.datetime.now(dt.UTC).date() == dt.date(2026, 11, 30)
        services.scan()
    assert sorted(meeting_mail.values_list("step", flat=True)) == ["1日前 2026-12-02", "7日前 2026-12-02"]
    # On the day of the meeting nothing more is sent.
    with at(dt.date(2026, 12, 2), 0, 5):
        services.scan()
    assert meeting_mail.count() == 2


def test_a_declined_invitation_is_not_reminded_and_a_queued_reminder_is_cancelled(late_meeting):
    services.scan(dt.date(2026, 11, 25))
    invitation = late_meeting.invitations.get()
    with at(dt.date(2026, 11, 25), 9, 30):
        council_services.rsvp(token=invitation.token, attending=False)
    invitation.refresh_from_db()
    assert invitation.response == Response.DECLINED
    # Only the secretariat's own reminder of its meeting is left.
    assert {p.email for p in council_reminders.meetings(scan.Scan(dt.date(2026, 12, 1)))} == {"secretary@example.jp"}
    with at(dt.date(2026, 11, 25), 10):
        assert services.send_due() == 1  # the secretariat's
    assert Delivery.objects.get(recipient="member@example.jp").status == DeliveryStatus.CANCELLED


def test_a_moved_meeting_is_reminded_for_its_new_date(late_meeting):
    services.scan(dt.date(2026, 11, 25))
    Meeting.objects.filter(pk=late_meeting.pk).update(date=dt.date(2026, 12, 9))
    with at(dt.date(2026, 11, 25), 10):
        assert services.send_due() == 0  # the reminder for 12/2 is void
    services.scan(dt.date(2026, 12, 2))
    with at(dt.date(2026, 12, 2), 10):
        services.send_due()
    [reminder] = [m for m in mail.outbox if "開催日が近づいています" in m.subject and m.to == ["member@example.jp"]]
    assert "令和8年12月9日" in reminder.subject
    assert dict(Delivery.objects.filter(reason=Reason.MEETING, recipient="member@example.jp")
                .values_list("step", "status")) == {
        "7日前 2026-12-02": DeliveryStatus.CANCELLED, "7日前 2026-12-09": DeliveryStatus.SENT}


# --- Sending ----------------------------------------------------------------------------------

def test_scanning_twice_and_sending_twice_delivers_once(member):
    today = dt.date(2027, 3, 1)
    assert services.scan(today) == 2
    assert services.scan(today) == 0
    with at(today, 10):
        assert services.send_due() == 2
        assert services.send_due() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.jp", "secretary@example.jp"]
    assert Notice.objects.filter(user__email="secretary@example.jp").count() == 1


def test_a_reminder_mail_has_text_and_html_with_the_city_and_an_absolute_link(member, settings):
    from tests.conftest import name_city

    name_city("汐見市")
    settings.SITE_URL = "https://shien.example.lg.jp"
    services.scan(dt.date(2027, 3, 1))
    with at(dt.date(2027, 3, 1), 10):
        services.send_due()
    message = next(m for m in mail.outbox if m.to == ["secretary@example.jp"])
    html = message.alternatives[0].content
    link = f"https://shien.example.lg.jp/portal/councils/{member.council_id}/"
    assert link in message.body and f'href="{link}"' in html
    assert "汐見市" in message.body and "汐見市" in html
    assert "任期が令和9年3月31日に満了します" in message.body and "・委員0様（汐見市老人クラブ連合会選出）" in message.body


class Answering(Sink):
    """An SMTP server that answers every recipient with one reply (e.g. greylisting's 450)."""

    def __init__(self, reply: str):
        self.reply = reply
        super().__init__()

    def handler(self):
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                return sink.reply

        return Handler()


@pytest.fixture
def smtp_at(settings):
    def point(port: int) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return point


def test_a_temporarily_refused_mail_is_retried_with_back_off(member, smtp_at, settings):
    services.scan(dt.date(2027, 3, 1))
    with Answering("450 4.2.0 greylisted, try again later") as server:
        smtp_at(server.port)
        with at(dt.date(2027, 3, 1), 10):
            assert services.send_due() == 0
    retried = Delivery.objects.filter(status=DeliveryStatus.RETRY)
    assert retried.count() == 2  # both tried, each refused for now
    assert {(d.attempts, d.next_attempt_at) for d in retried} == {(1, dt.datetime(2027, 3, 1, 10, 1, tzinfo=TOKYO))}
    assert "greylisted" in retried.first().last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(dt.date(2027, 3, 1), 10):
        assert services.send_due() == 0  # not due yet
    with at(dt.date(2027, 3, 1), 10, 2):
        assert services.send_due() == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert len(mail.outbox) == 2


def test_an_unreachable_mail_server_never_fails_mail_however_long_it_lasts(member, smtp_at):
    services.scan(dt.date(2027, 3, 1))
    smtp_at(9)  # nothing listens there
    for minute in range(0, 60 * 24 * 3, 7):  # three days of sweeps
        with at(dt.date(2027, 3, 1) + dt.timedelta(days=minute // 1440), minute // 60 % 24, minute % 60):
            services.send_due()
    assert not Delivery.objects.filter(status=DeliveryStatus.FAILED).exists()
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {0}
    tried = Delivery.objects.filter(status=DeliveryStatus.RETRY).first()
    assert tried is not None and "Connection refused" in tried.last_error


def test_after_the_last_attempt_a_mail_stays_as_failed_and_city_staff_can_send_it_again(member, smtp_at,
                                                                                      city_user, settings):
    services.scan(dt.date(2027, 3, 1))
    Delivery.objects.update(attempts=services.MAX_ATTEMPTS - 1, status=DeliveryStatus.RETRY,
                            next_attempt_at=dt.datetime(2027, 1, 1, tzinfo=TOKYO))
    with Answering("450 4.2.0 greylisted") as server:
        smtp_at(server.port)
        with at(dt.date(2027, 3, 1), 10):
            services.send_due()
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED)
    assert failed.count() == 2  # kept, with their error, for staff to see
    secretary_mail = failed.get(recipient="secretary@example.jp")
    secretary_mail.user.email = "new-secretary@example.jp"  # the address was wrong: staff correct it
    secretary_mail.user.save()
    assert services.deliveries_retry(deliveries=list(failed), by=city_user) == 2
    assert sorted(Delivery.objects.filter(status=DeliveryStatus.QUEUED).values_list("recipient", "attempts")) == [
        ("member@example.jp", 0), ("new-secretary@example.jp", 0)]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(dt.date(2027, 3, 1), 11):
        assert services.send_due() == 2


def test_only_a_failed_mail_is_sent_again(member, city_user):
    services.scan(dt.date(2027, 3, 1))
    assert services.deliveries_retry(deliveries=list(Delivery.objects.all()), by=city_user) == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}


def test_an_address_the_server_refuses_for_good_fails_at_once(member, smtp_at):
    services.scan(dt.date(2027, 3, 1))
    with Answering("550 5.1.1 no such user") as server:
        smtp_at(server.port)
        with at(dt.date(2027, 3, 1), 10):
            assert services.send_due() == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert "no such user" in Delivery.objects.first().last_error


def test_a_server_refusing_our_sender_stops_the_round_and_fails_nothing(member, smtp_at):
    class RefusingSender(Sink):
        def handler(self):
            class Handler:
                async def handle_MAIL(self, server, session, envelope, address, mail_options):
                    return "553 5.7.1 sender not allowed"
            return Handler()

    services.scan(dt.date(2027, 3, 1))
    with RefusingSender() as server:
        smtp_at(server.port)
        with at(dt.date(2027, 3, 1), 10):
            assert services.send_due() == 0
    statuses = sorted(Delivery.objects.values_list("status", "attempts"))
    assert statuses == [(DeliveryStatus.QUEUED, 0), (DeliveryStatus.RETRY, 0)]  # one tried, one left for later


def test_a_broken_mail_fails_alone_and_the_round_goes_on(member):
    services.scan(dt.date(2027, 3, 1))
    broken = Delivery.objects.get(recipient="member@example.jp")
    Delivery.objects.filter(pk=broken.pk).update(subject="改行入り\nの件名")  # a header may not hold a newline
    with at(dt.date(2027, 3, 1), 10):
        assert services.send_due() == 1
    broken.refresh_from_db()
    assert broken.status == DeliveryStatus.FAILED
    assert [m.to for m in mail.outbox] == [["secretary@example.jp"]]


def test_a_worker_whose_row_was_taken_over_cannot_overwrite_it(member):
    services.scan(dt.date(2027, 3, 1))
    delivery = Delivery.objects.get(recipient="member@example.jp")
    with at(dt.date(2027, 3, 1), 10):
        assert services._claim(delivery)  # worker A claims it, then hangs
    with at(dt.date(2027, 3, 1), 10, 20):
        assert services.send_due() == 2  # A counts as dead: the row is taken over and sent
    services._finish(delivery, status=DeliveryStatus.RETRY, last_error="A wakes up")  # A's late update
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.SENT, "")


def test_a_row_left_sending_by_a_dead_worker_is_sent_later(member):
    services.scan(dt.date(2027, 3, 1))
    with at(dt.date(2027, 3, 1), 10):
        Delivery.objects.update(status=DeliveryStatus.SENDING, claimed_at=dt.datetime(2027, 3, 1, 9, 50, tzinfo=TOKYO))
        assert services.send_due() == 0  # ten minutes: the worker may still be at it
    with at(dt.date(2027, 3, 1), 10, 10):
        assert services.send_due() == 2  # twenty minutes: it died; try again
    assert len(mail.outbox) == 2


# --- Consent and monitoring ----------------------------------------------------------------------

def test_monitoring_reminds_assigned_staff_while_consent_lasts(monitored_plan, case_worker):
    from consultations import services as cases

    assert case_reminders.monitoring(scan.Scan(dt.date(2026, 8, 31))) == []
    [planned] = case_reminders.monitoring(scan.Scan(dt.date(2026, 9, 1)))
    assert (planned.email, planned.user_id) == ("worker@example.jp", case_worker.pk)
    assert "架空" not in planned.subject + planned.body  # no personal data in mail: the case number only
    services.scan(dt.date(2026, 9, 1))
    consent = monitored_plan.case.consents.get()
    cases.consent_withdraw(consent=consent, on=dt.date(2026, 9, 1), by=case_worker)
    with at(dt.date(2026, 9, 1), 10):
        assert services.send_due() == 0  # queued before the withdrawal: cancelled, not sent
    assert Delivery.objects.get().status == DeliveryStatus.CANCELLED
    assert case_reminders.monitoring(scan.Scan(dt.date(2026, 9, 2))) == []


def test_an_expired_consent_stops_monitoring_reminders(monitored_plan):
    monitored_plan.case.consents.update(expires_on=dt.date(2026, 8, 31))
    assert case_reminders.monitoring(scan.Scan(dt.date(2026, 9, 1))) == []


# --- Coordinators, contracts, reports ------------------------------------------------------------

def test_certificates_contracts_training_and_vacancies(accepted, contractor_a, city_user):
    from coordinators import services as lifecycle

    contractor_a.email, city_user.email = "org@example.jp", "city@example.jp"
    contractor_a.save()
    city_user.save()
    certificate = lifecycle.certificate_issue(appointment=accepted, issued_by=city_user,
                                              issued_on=dt.date(2026, 4, 1))
    thirty_before = certificate.valid_until - dt.timedelta(days=30)
    found = scan.Scan(thirty_before)
    kinds = {(p.reason, p.email, p.step)
             for p in [*coordinator_reminders.certificates(found), *coordinator_reminders.contracts(found)]}
    assert kinds == {(reason, email, "30日前 2027-03-31") for reason in ("certificate_expiry", "contract_expiry")
                     for email in ("org@example.jp", "city@example.jp")}
    TrainingCourseFactory(is_required=True)
    assert [p.email for p in coordinator_reminders.training(scan.Scan(dt.date(2027, 4, 5)))] == ["org@example.jp"]
    lifecycle.dismissal_notice_file(organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
                                    dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
                                    filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
    # Contract A's second area was never staffed (未配置): reminded as well, to the organisation too.
    vacant = f"municipality.area:{accepted.areas.get().pk}"
    first_week = coordinator_reminders.vacancies(scan.Scan(dt.date(2026, 11, 9)))
    assert [p.email for p in first_week if p.object_key == vacant] == ["city@example.jp"]
    assert sorted(p.email for p in first_week if p.object_key != vacant) == ["city@example.jp", "org@example.jp"]
    # Weekly while it lasts: the same week adds nothing, the next week adds one more each.
    services.enqueue(first_week)
    assert services.enqueue(coordinator_reminders.vacancies(scan.Scan(dt.date(2026, 11, 13)))) == 0
    assert services.enqueue(coordinator_reminders.vacancies(scan.Scan(dt.date(2026, 11, 16)))) == 3


def test_an_unsubmitted_report_is_reminded_from_the_due_day(accepted, contractor_a):
    from coordinators.models import Coordinator
    from tests.factories import UserFactory

    user = UserFactory(username="coordinator_x", roles=["コーディネーター"], email="c@example.jp")
    Coordinator.objects.filter(pk=accepted.coordinator_id).update(user=user)
    # due on the 10th: still in time
    assert activity_reminders.monthly_reports(scan.Scan(dt.date(2026, 11, 10))) == []
    planned = activity_reminders.monthly_reports(scan.Scan(dt.date(2026, 11, 11)))
    assert {(p.user_id, p.step) for p in planned} == {(user.pk, "2026-10"), (contractor_a.pk, "2026-10")}
    assert "令和8年10月" in planned[0].subject


def test_the_weekly_digest_goes_to_city_staff_once_a_week(accepted, contractor_a, city_user, client):
    from coordinators import services as lifecycle

    city_user.email = "city@example.jp"
    city_user.save()
    lifecycle.dismissal_notice_file(organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
                                    dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
                                    filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
    found = scan.Scan(dt.date(2026, 11, 16))
    overdue = coordinator_reminders.vacancies(found)
    [digest] = found.weekly_digest(overdue, [])
    assert digest.email == "city@example.jp" and "後任未選任" in digest.body and "受理待ちの解任届 1件" in digest.body
    assert services.scan(dt.date(2026, 11, 16)) >= 1
    assert services.scan(dt.date(2026, 11, 18)) == 0  # the same week: no second digest
    services.scan(dt.date(2026, 11, 23))
    assert Delivery.objects.filter(reason=Reason.WEEKLY_DIGEST).count() == 2
    client.force_login(city_user)
    assert "対応が必要なもの" in client.get("/admin/reminders/notice/").content.decode()
    assert "対応が必要なもの" in client.get("/portal/notices/").content.decode()


def test_a_user_without_an_address_still_gets_the_notice(member, secretary):
    secretary.email = ""
    secretary.save()
    services.scan(dt.date(2027, 3, 1))
    assert list(Delivery.objects.values_list("recipient", flat=True)) == ["member@example.jp"]
    assert Notice.objects.filter(user=secretary).count() == 1
    assert services.scan(dt.date(2027, 3, 1)) == 0


# --- The command and the query count ---------------------------------------------------------------

def test_dry_run_lists_without_sending(member):
    with at(dt.date(2027, 3, 1)):
        out = io.StringIO()
        call_command("send_reminders", "--dry-run", stdout=out)
    assert "member@example.jp\t任期満了\t30日前 2027-03-31" in out.getvalue()
    assert "送る予定：2件" in out.getvalue()
    assert not Delivery.objects.exists() and not Notice.objects.exists() and mail.outbox == []


def test_send_reminders_scans_and_sends_now(member):
    with at(dt.date(2027, 3, 1)):
        out = io.StringIO()
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=io.StringIO())
    assert "新しいお知らせ 2件、メール送信 2件" in out.getvalue()
    assert len(mail.outbox) == 2


def _scan_queries(day: dt.date) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        services.scan(day)
    return [q["sql"] for q in queries]


def test_a_scan_makes_the_same_number_of_queries_whatever_the_number_of_rows(council, body, secretary,
                                                                            accepted, city_user, monitored_plan):
    def add_members_and_meetings(n, prefix):
        for i, person in enumerate(people(n, prefix=prefix)):
            person.email = f"{prefix}{i}@example.jp"
            person.save()
            council_services.membership_add(council=council, person=person, organisation=body,
                                            start=dt.date(2025, 4, 1), by=secretary)
            meeting = MeetingFactory(council=council, date=dt.date(2027, 3, 3 + i % 5))
            council_services.meeting_invite_members(meeting=meeting, by=secretary)

    add_members_and_meetings(1, "first")
    few = _scan_queries(dt.date(2027, 3, 1))
    reasons = set(Delivery.objects.values_list("reason", flat=True)) | set(Notice.objects.values_list("reason", flat=True))
    assert {"term_expiry", "meeting", "monitoring", "contract_expiry", "weekly_digest"} <= reasons
    add_members_and_meetings(15, "more")
    Delivery.objects.all().delete()
    Notice.objects.all().delete()
    many = _scan_queries(dt.date(2027, 3, 1))
    assert Delivery.objects.count() > 100
    # SQLite splits a long INSERT into batches (its limit on parameters); PostgreSQL takes one.
    reads = [sql for sql in many if not sql.startswith("INSERT")]
    assert len(reads) == len([sql for sql in few if not sql.startswith("INSERT")])
    if connection.vendor == "postgresql":
        assert len(many) == len(few)


# --- Decided in the database (issue 15) ----------------------------------------------------------

def _members(council, body, secretary, n, prefix):
    for i, person in enumerate(people(n, prefix=prefix)):
        person.email = f"{prefix}{i}@example.jp"
        person.save()
        council_services.membership_add(council=council, person=person, organisation=body,
                                        start=dt.date(2025, 4, 1), by=secretary)


def test_a_second_scan_adds_nothing_in_as_many_queries_with_10_or_100_due(council, body, secretary, settings):
    from councils.models import Council

    Council.objects.filter(pk=council.pk).update(cap=100)
    day = dt.date(2027, 3, 1)
    _members(council, body, secretary, 10, "ten")
    assert services.scan(day) == 11  # ten members and the secretariat's one
    with CaptureQueriesContext(connection) as ten:
        assert services.scan(day) == 0
    _members(council, body, secretary, 90, "hundred")
    assert services.scan(day) == 90  # the new members; the secretariat has its reminder of that step
    with CaptureQueriesContext(connection) as hundred:
        assert services.scan(day) == 0
    assert Delivery.objects.filter(reason=Reason.TERM_EXPIRY).count() == 101
    assert len(hundred) == len(ten)


def test_the_secretariats_list_is_the_engines_text(council, body, secretary):
    from reminders.scan import render

    _members(council, body, secretary, 3, "list")
    services.scan(dt.date(2027, 3, 1))
    notice = Notice.objects.get(user=secretary)
    members = [{"person": m.person.name, "organisation": m.organisation.name}
               for m in council.memberships.select_related("person", "organisation").order_by("pk")]
    assert notice.body == render("councils/reminders/term_expiry_secretariat_body.txt", council=council.name,
                                 end="令和9年3月31日", left="令和9年3月1日現在、あと30日", members=members)
    assert notice.title == render("councils/reminders/term_expiry_secretariat_subject.txt", council=council.name,
                                  count="3", end="令和9年3月31日")
    assert notice.url == f"/portal/councils/{council.pk}/" or notice.url.endswith(f"/{council.pk}/")


@pytest.mark.postgres
def test_a_key_already_in_the_outbox_is_not_planned_again(member, secretary):
    """Only the outbox's unique key decides: a mail already there (whatever its text or state) is not
    added again, and a reminder missing only its notice gets the notice."""
    step = "30日前 2027-03-31"
    Delivery.objects.create(recipient="member@example.jp", reason=Reason.TERM_EXPIRY,
                            object_key=f"councils.membership:{member.pk}", step=step, subject="前の件名", body="前",
                            status=DeliveryStatus.SENT)
    Delivery.objects.create(recipient="secretary@example.jp", user=secretary, reason=Reason.TERM_EXPIRY,
                            object_key=f"councils.council:{member.council_id}", step=step, subject="前", body="前")
    assert services.scan(dt.date(2027, 3, 1)) == 1  # the secretariat's notice only
    assert Delivery.objects.count() == 2
    assert Delivery.objects.get(recipient="member@example.jp").subject == "前の件名"
    assert Notice.objects.get(user=secretary).step == step
    assert services.scan(dt.date(2027, 3, 1)) == 0


def test_a_reminder_mailed_to_an_old_address_goes_to_the_new_one(member):
    services.scan(dt.date(2027, 3, 1))
    member.person.email = "new@example.jp"
    member.person.save()
    assert services.scan(dt.date(2027, 3, 1)) == 1
    assert Delivery.objects.filter(recipient="new@example.jp").count() == 1
