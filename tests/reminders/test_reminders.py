"""Reminders are due on the right days and reach each person exactly once."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from councils import services as council_services
from councils.models import Meeting
from reminders import scan, services
from reminders.models import Delivery, DeliveryStatus, Notice
from tests.council_fixtures import people

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(council, body, secretary):
    person = people(1)[0]
    person.email = "member@example.jp"
    person.save()
    secretary.email = "secretary@example.jp"
    secretary.save()
    return council_services.membership_add(council=council, person=person, organisation=body,
                                           start=dt.date(2025, 4, 1), by=secretary)


def test_term_expiry_exactly_30_days_before_a_term_ending_on_3_31(member):
    assert member.end == dt.date(2027, 3, 31)
    assert scan.council_terms(dt.date(2027, 3, 2)) == []  # 29 days before: nothing
    planned = scan.council_terms(dt.date(2027, 3, 1))  # exactly 30 days before
    assert {(p.email, p.step) for p in planned} == {("member@example.jp", "30日前"), ("secretary@example.jp", "30日前")}
    assert {p.step for p in scan.council_terms(dt.date(2026, 12, 1))} == {"120日前"}


def test_a_reappointed_member_gets_the_reminders_of_the_new_term(member, secretary):
    council_services.memberships_reappoint(memberships=[member], by=secretary)
    assert scan.council_terms(dt.date(2027, 3, 1)) == []
    assert {p.step for p in scan.council_terms(dt.date(2030, 3, 1))} == {"30日前"}


def test_scanning_twice_and_sending_twice_delivers_once(member):
    today = dt.date(2027, 3, 1)
    assert services.scan(today) == 2
    assert services.scan(today) == 0
    assert services.send_due() == 2
    assert services.send_due() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.jp", "secretary@example.jp"]
    assert Notice.objects.filter(user__email="secretary@example.jp").count() == 1


def test_a_meeting_just_after_midnight_in_tokyo(council, member, secretary):
    meeting = Meeting.objects.create(council=council, title="深夜0時半の会議", date=dt.date(2026, 12, 2),
                                     start_time=dt.time(0, 30), end_time=dt.time(1, 30), place="会議室")
    council_services.meeting_invite_members(meeting=meeting, by=secretary)
    assert [p.step for p in scan.meetings(dt.date(2026, 12, 1))] == ["1日前"]
    assert [p.step for p in scan.meetings(dt.date(2026, 11, 25))] == ["7日前"]
    assert scan.meetings(dt.date(2026, 12, 2)) == []
    invitation = meeting.invitations.get()
    invitation.response = "declined"
    invitation.save()
    assert scan.meetings(dt.date(2026, 12, 1)) == []  # declined: no reminder


def test_a_failed_send_is_kept_and_retried(member, settings):
    services.scan(dt.date(2027, 3, 1))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    assert services.send_due() == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.RETRY}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Delivery.objects.update(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert services.send_due() == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_dry_run_lists_without_sending(member):
    import time_machine

    with time_machine.travel(dt.datetime(2027, 3, 1, 3, tzinfo=dt.UTC), tick=False):
        out = io.StringIO()
        call_command("send_reminders", "--dry-run", stdout=out)
    assert "member@example.jp" in out.getvalue() and "送る予定：2件" in out.getvalue()
    assert not Delivery.objects.exists() and mail.outbox == []


def test_a_withdrawn_consent_stops_monitoring_reminders():
    from consultations import services as cases
    from consultations.models import Agency, AgencyKind, Timing
    from municipality.models import Organisation
    from tests.factories import UserFactory

    worker = UserFactory(username="w", roles=["相談支援員"], email="w@example.jp")
    agency = Agency.objects.create(organisation=Organisation.objects.create(name="包括"), kind=AgencyKind.OTHER)
    case = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["other"], person_name="x",
                           presenting_problems="x", by=worker)
    consent = cases.consent_record(case=case, agencies=[agency], given_on=dt.date(2026, 5, 1), method="oral", by=worker)
    plan = cases.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1), by=worker)
    cases.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                          attendees=[worker], by=worker)
    assert [p.email for p in scan.monitoring(dt.date(2026, 9, 1))] == ["w@example.jp"]
    cases.consent_withdraw(consent=consent, on=dt.date(2026, 8, 1), by=worker)
    assert scan.monitoring(dt.date(2026, 9, 1)) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_deliver_each_reminder_once(member, smtp_sink):
    from concurrent.futures import ThreadPoolExecutor

    def worker(_):
        try:
            services.scan(dt.date(2027, 3, 1))
            return services.send_due()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        sent = sum(pool.map(worker, range(4)))
    assert sent == 2
    assert sorted(m["To"] for m in smtp_sink.messages) == ["member@example.jp", "secretary@example.jp"]
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_certificates_contracts_training_and_vacancies(accepted, contractor_a, city_user):
    from coordinators import services as lifecycle
    from coordinators.models import TrainingCourse

    contractor_a.email, city_user.email = "org@example.jp", "city@example.jp"
    contractor_a.save()
    city_user.save()
    certificate = lifecycle.certificate_issue(appointment=accepted, issued_by=city_user,
                                              issued_on=dt.date(2026, 4, 1))
    thirty_before = certificate.valid_until - dt.timedelta(days=30)
    kinds = {(p.reason, p.email) for p in scan.certificates_and_contracts(thirty_before)}
    assert kinds == {("certificate_expiry", "org@example.jp"), ("certificate_expiry", "city@example.jp"),
                     ("contract_expiry", "org@example.jp"), ("contract_expiry", "city@example.jp")}
    TrainingCourse.objects.create(name="養成研修", provider="prefecture", is_required=True)
    assert [p.email for p in scan.training(dt.date(2027, 4, 5))] == ["org@example.jp"]
    lifecycle.dismissal_notice_file(organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
                                    dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
                                    filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
    first_week = scan.vacancies(dt.date(2026, 11, 9))
    assert [p.email for p in first_week] == ["city@example.jp"]
    # Weekly while it lasts: the same week adds nothing, the next week adds one more.
    services.enqueue(first_week)
    assert services.enqueue(scan.vacancies(dt.date(2026, 11, 13))) == 0
    assert services.enqueue(scan.vacancies(dt.date(2026, 11, 16))) == 1


def test_the_weekly_digest_goes_to_city_staff_on_mondays(accepted, contractor_a, city_user, client):
    from coordinators import services as lifecycle

    city_user.email = "city@example.jp"
    city_user.save()
    lifecycle.dismissal_notice_file(organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
                                    dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
                                    filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
    assert scan.weekly_digest(dt.date(2026, 11, 17)) == []  # a Tuesday
    [digest] = scan.weekly_digest(dt.date(2026, 11, 16))  # a Monday
    assert digest.email == "city@example.jp" and "後任未選任" in digest.body
    services.enqueue([digest])
    client.force_login(city_user)
    assert "対応が必要なもの" in client.get("/admin/reminders/notice/").content.decode()
    assert "対応が必要なもの" in client.get("/portal/notices/").content.decode()


def test_a_notice_is_its_owners_only(client, city_user):
    from tests.factories import UserFactory

    notice = Notice.objects.create(user=city_user, reason="vacancy", object_key="x", step="1", title="自分宛て",
                                   body="本文")
    other = UserFactory(username="other-user", roles=["市職員"])
    client.force_login(other)
    assert "自分宛て" not in client.get("/portal/notices/").content.decode()
    assert client.post(f"/portal/notices/{notice.pk}/read/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
    client.force_login(city_user)
    client.post(f"/portal/notices/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at is not None
