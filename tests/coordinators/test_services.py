"""Every transition of the coordinator lifecycle, and every refused one (nothing changes)."""

import datetime as dt

import pytest
from django.db import connection

from coordinators import documents, selectors, services
from coordinators.models import (
    Appointment,
    AppointmentNotice,
    Certificate,
    CertificateStatus,
    ContractStatus,
    Coordinator,
    NoticeStatus,
)
from coordinators.services import PersonData
from forms_pdf.models import IssuedDocument
from municipality.errors import DomainError
from tests.lifecycle import CONTRACT_END, CONTRACT_START, file_notice

pytestmark = pytest.mark.django_db


def counts():
    return (
        Coordinator.objects.count(), AppointmentNotice.objects.count(), Appointment.objects.count(),
        Certificate.objects.count(), IssuedDocument.objects.count(),
        list(Certificate.objects.values_list("pk", "status").order_by("pk")),
        list(Appointment.objects.values_list("pk", "end").order_by("pk")),
    )


def refused(message, call):
    before = counts()
    with pytest.raises(DomainError, match=message):
        call()
    assert counts() == before


# --- 選任届 ---------------------------------------------------------------------------

class TestAppointmentNotice:
    def test_filing_records_the_notice_and_its_form(self, contract_a, contractor_a):
        notice = file_notice(contract_a, contractor_a)
        assert notice.status == NoticeStatus.SUBMITTED
        assert notice.coordinator.employer == contract_a.organisation
        assert notice.document.kind == documents.APPOINTMENT_NOTICE.key
        assert notice.document.snapshot["person"]["name"] == "松本 さくら"
        assert notice.document.pdf.tobytes().startswith(b"%PDF") if hasattr(notice.document.pdf, "tobytes") \
            else bytes(notice.document.pdf).startswith(b"%PDF")

    def test_filing_alone_appoints_nobody(self, contract_a, contractor_a):
        notice = file_notice(contract_a, contractor_a)
        assert not Appointment.objects.filter(coordinator=notice.coordinator).exists()
        assert selectors.area_coverage(day=CONTRACT_START)[0].status == "未配置"

    @pytest.mark.parametrize("day", [CONTRACT_START - dt.timedelta(days=1), CONTRACT_END + dt.timedelta(days=1)])
    def test_appointment_outside_the_contract_period_is_refused(self, contract_a, contractor_a, day):
        refused("委託期間.*の外です", lambda: file_notice(contract_a, contractor_a, appointed_on=day))

    def test_contract_of_another_organisation_is_refused(self, contract_b, contractor_a, org_a):
        refused("届出者の団体の契約ではありません", lambda: services.appointment_notice_file(
            organisation=org_a, contract=contract_b, areas=list(contract_b.areas.all()),
            appointed_on=CONTRACT_START, reason="x", filed_by=contractor_a,
            person=PersonData("氏名", "しめい", dt.date(1980, 1, 1)),
        ))

    def test_area_outside_the_contract_is_refused(self, contract_a, contractor_a, areas):
        refused("委託契約の区域から", lambda: file_notice(contract_a, contractor_a, areas=[areas[2]]))

    def test_ended_contract_is_refused(self, contract_a, contractor_a):
        contract_a.status = ContractStatus.CANCELLED
        contract_a.save()
        refused("解除", lambda: file_notice(contract_a, contractor_a))

    def test_a_second_pending_notice_for_one_person_is_refused(self, contract_a, contractor_a):
        notice = file_notice(contract_a, contractor_a)
        refused("受理待ち", lambda: services.appointment_notice_file(
            organisation=contract_a.organisation, contract=contract_a, areas=list(contract_a.areas.all()),
            appointed_on=CONTRACT_START, reason="x", filed_by=contractor_a, coordinator=notice.coordinator,
        ))

    def test_accept_appoints_from_the_notice_date(self, contract_a, contractor_a, city_user):
        notice = file_notice(contract_a, contractor_a)
        appointment = services.appointment_notice_accept(notice=notice, accepted_by=city_user)
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.ACCEPTED
        assert notice.decided_by == city_user
        assert appointment.start == CONTRACT_START
        assert list(appointment.areas.all()) == list(notice.areas.all())

    def test_accepting_twice_is_refused(self, contract_a, contractor_a, city_user):
        notice = file_notice(contract_a, contractor_a)
        services.appointment_notice_accept(notice=notice, accepted_by=city_user)
        refused("受理」のため、受理できません", lambda: services.appointment_notice_accept(
            notice=notice, accepted_by=city_user))

    def test_return_needs_a_comment_and_blocks_acceptance(self, contract_a, contractor_a, city_user):
        notice = file_notice(contract_a, contractor_a)
        refused("差戻しの理由", lambda: services.appointment_notice_return(
            notice=notice, returned_by=city_user, comment=" "))
        services.appointment_notice_return(notice=notice, returned_by=city_user, comment="生年月日を確認してください。")
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.RETURNED
        refused("差戻し」のため、受理できません", lambda: services.appointment_notice_accept(
            notice=notice, accepted_by=city_user))

    def test_a_corrected_notice_names_the_one_it_replaces(self, contract_a, contractor_a, city_user):
        first = file_notice(contract_a, contractor_a)
        services.appointment_notice_return(notice=first, returned_by=city_user, comment="選任事由が空です。")
        second = services.appointment_notice_file(
            organisation=contract_a.organisation, contract=contract_a, areas=list(contract_a.areas.all()),
            appointed_on=CONTRACT_START, reason="前任者の退職に伴い選任したため。", filed_by=contractor_a,
            coordinator=first.coordinator, replaces=first,
        )
        first.refresh_from_db()
        assert first.status == NoticeStatus.WITHDRAWN
        assert second.replaces == first
        assert second.document.replaces == first.document
        assert IssuedDocument.objects.filter(pk=first.document_id).exists()

    def test_an_accepted_notice_cannot_be_corrected(self, accepted, contractor_a):
        notice = accepted.notice
        refused("この選任届は「受理」のため訂正できません", lambda: services.appointment_notice_file(
            organisation=notice.organisation, contract=notice.contract, areas=list(notice.areas.all()),
            appointed_on=CONTRACT_START, reason="x", filed_by=contractor_a,
            person=PersonData("別人", "べつじん", dt.date(1990, 1, 1)), replaces=notice,
        ))


# --- コーディネーター証 ------------------------------------------------------------------

class TestCertificate:
    def test_issue_numbers_sequentially_per_fiscal_year_and_follows_the_contract(self, accepted, city_user):
        certificate = services.certificate_issue(appointment=accepted, issued_by=city_user,
                                                 issued_on=dt.date(2026, 4, 1))
        assert certificate.number == "令和8-001"
        assert (certificate.valid_from, certificate.valid_until) == (CONTRACT_START, CONTRACT_END)
        assert certificate.document.snapshot["number"] == "令和8-001"
        assert certificate.document.snapshot["photo"].startswith("data:image/jpeg;base64,")

    def test_numbers_continue_and_restart_in_a_new_fiscal_year(self, contract_a, contractor_a, city_user):
        issued = []
        for name, day in [("一郎", dt.date(2026, 4, 1)), ("二郎", dt.date(2027, 3, 31)), ("三郎", dt.date(2027, 4, 1))]:
            if day > CONTRACT_END:
                contract_a.end = dt.date(2028, 3, 31)
                contract_a.save()
            notice = file_notice(contract_a, contractor_a, name=name)
            appointment = services.appointment_notice_accept(notice=notice, accepted_by=city_user)
            issued.append(services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=day).number)
        assert issued == ["令和8-001", "令和8-002", "令和9-001"]

    def test_no_certificate_without_a_photo(self, contract_a, contractor_a, city_user):
        notice = file_notice(contract_a, contractor_a, photo=False)
        appointment = services.appointment_notice_accept(notice=notice, accepted_by=city_user)
        refused("写真が登録されていない", lambda: services.certificate_issue(appointment=appointment,
                                                                         issued_by=city_user))

    def test_a_second_valid_certificate_for_one_person_and_role_is_refused(self, accepted, city_user):
        services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
        refused("有効な証（証番号 令和8-001）がすでにあります", lambda: services.certificate_issue(
            appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START))

    def test_validity_beyond_the_contract_is_refused(self, accepted, city_user):
        refused("委託期間の終了日.*を超えています", lambda: services.certificate_issue(
            appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START,
            valid_until=CONTRACT_END + dt.timedelta(days=1)))

    def test_validity_ending_before_it_starts_is_refused(self, accepted, city_user):
        refused("開始日.*より前です", lambda: services.certificate_issue(
            appointment=accepted, issued_by=city_user, issued_on=dt.date(2026, 6, 1),
            valid_until=dt.date(2026, 5, 31)))

    def test_reissue_gives_a_new_number_and_voids_the_old(self, accepted, city_user):
        old = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
        refused("再交付の理由", lambda: services.certificate_reissue(certificate=old, reason="", issued_by=city_user))
        new = services.certificate_reissue(certificate=old, reason="紛失のため", issued_by=city_user)
        old.refresh_from_db()
        assert old.status == CertificateStatus.REPLACED
        assert new.replaces == old
        assert new.number != old.number
        assert new.document.replaces == old.document
        assert new.valid_until == old.valid_until


# --- 解任届 ---------------------------------------------------------------------------

class TestDismissal:
    def test_dismissal_before_an_appointment_is_refused(self, contract_a, contractor_a):
        notice = file_notice(contract_a, contractor_a)  # filed, not yet accepted
        refused("選任（受理済み）されていない", lambda: services.dismissal_notice_file(
            organisation=contract_a.organisation, coordinator=notice.coordinator, dismissed_on=dt.date(2026, 5, 1),
            reason="退職", certificate_returned=True, filed_by=contractor_a, filed_on=dt.date(2026, 5, 2)))

    def test_dismissal_dated_before_the_appointment_is_refused(self, accepted, contractor_a):
        refused("選任年月日.*より前です", lambda: services.dismissal_notice_file(
            organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
            dismissed_on=CONTRACT_START - dt.timedelta(days=1), reason="退職", certificate_returned=True,
            filed_by=contractor_a, filed_on=dt.date(2026, 5, 2)))

    def test_dismissal_dated_after_the_notice_is_refused(self, accepted, contractor_a):
        refused("届出日より後です", lambda: services.dismissal_notice_file(
            organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
            dismissed_on=dt.date(2026, 6, 1), reason="退職", certificate_returned=True,
            filed_by=contractor_a, filed_on=dt.date(2026, 5, 2)))

    def test_dismissal_by_another_organisation_is_refused(self, accepted, contractor_b, org_b):
        refused("所属していません", lambda: services.dismissal_notice_file(
            organisation=org_b, coordinator=accepted.coordinator, dismissed_on=dt.date(2026, 5, 1),
            reason="退職", certificate_returned=True, filed_by=contractor_b, filed_on=dt.date(2026, 5, 2)))

    def test_dismissal_ends_the_appointment_and_voids_the_certificate(self, accepted, contractor_a, city_user):
        certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
        area = accepted.areas.get()
        notice = services.dismissal_notice_file(
            organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
            dismissed_on=dt.date(2026, 10, 31), reason="一身上の都合により退職したため。", certificate_returned=True,
            filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
        accepted.refresh_from_db()
        certificate.refresh_from_db()
        assert accepted.end == dt.date(2026, 10, 31)
        assert certificate.status == CertificateStatus.RETURNED
        assert certificate.invalidated_on == dt.date(2026, 10, 31)
        assert not Certificate.objects.valid_on(dt.date(2026, 11, 1)).exists()
        assert Certificate.objects.valid_on(dt.date(2026, 10, 31)).exists()
        assert notice.document.kind == documents.DISMISSAL_NOTICE.key
        coverage = {c.area: c for c in selectors.area_coverage(day=dt.date(2026, 11, 5))}
        assert coverage[area].status == "後任未選任"
        assert coverage[area].vacant_since == dt.date(2026, 10, 31)
        # History is kept: on a day before the dismissal the area was covered.
        before = {c.area: c for c in selectors.area_coverage(day=dt.date(2026, 10, 1))}
        assert before[area].status == "配置済"

    def test_an_unreturned_certificate_is_void_and_waits_for_the_city(self, accepted, contractor_a, city_user):
        certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
        services.dismissal_notice_file(
            organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
            dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=False,
            filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
        certificate.refresh_from_db()
        assert certificate.status == CertificateStatus.UNRETURNED
        assert list(selectors.waiting_for_city()["unreturned_certificates"]) == [certificate]
        services.certificate_mark_returned(certificate=certificate, received_by=city_user)
        certificate.refresh_from_db()
        assert certificate.status == CertificateStatus.RETURNED

    def test_a_successor_ends_the_wait(self, accepted, contractor_a, city_user):
        area = accepted.areas.get()
        services.dismissal_notice_file(
            organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
            dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
            filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
        successor = file_notice(accepted.contract, contractor_a, name="後任 太郎", areas=[area],
                                appointed_on=dt.date(2026, 11, 15), filed_on=dt.date(2026, 11, 10))
        # Filed but not accepted: still waiting.
        assert {c.area: c.status for c in selectors.area_coverage(day=dt.date(2026, 11, 20))}[area] == "後任未選任"
        services.appointment_notice_accept(notice=successor, accepted_by=city_user)
        assert {c.area: c.status for c in selectors.area_coverage(day=dt.date(2026, 11, 20))}[area] == "配置済"

    def test_dismissing_twice_is_refused(self, accepted, contractor_a):
        kwargs = dict(organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
                      dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
                      filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
        services.dismissal_notice_file(**kwargs)
        refused("選任（受理済み）されていない", lambda: services.dismissal_notice_file(**kwargs))

    def test_city_accepts_a_dismissal_once(self, accepted, contractor_a, city_user):
        notice = services.dismissal_notice_file(
            organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
            dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
            filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
        services.dismissal_notice_accept(notice=notice, accepted_by=city_user)
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.ACCEPTED
        refused("受理できません", lambda: services.dismissal_notice_accept(notice=notice, accepted_by=city_user))

    def test_a_dismissed_person_gets_no_certificate(self, accepted, contractor_a, city_user):
        services.dismissal_notice_file(
            organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
            dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
            filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
        refused("解任されているため", lambda: services.certificate_issue(appointment=accepted, issued_by=city_user))


# --- The database holds the rules even when code does not ---------------------------------

def test_database_refuses_two_valid_certificates(accepted, city_user):
    from django.db import IntegrityError, transaction

    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    other_document = IssuedDocument.objects.create(
        kind=documents.CERTIFICATE.key, title="x", snapshot={}, pdf=b"%PDF", sha256="0", size=4, filename="x.pdf",
        issued_at=certificate.document.issued_at,
    )
    with transaction.atomic(), pytest.raises(IntegrityError):
        Certificate.objects.create(
            coordinator=certificate.coordinator, appointment=accepted, layer=2, fiscal_year=2026, serial=99,
            number="令和8-099", issued_on=CONTRACT_START, valid_from=CONTRACT_START, valid_until=CONTRACT_END,
            issued_by=city_user, document=other_document,
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_issues_give_one_certificate_and_distinct_numbers(contract_a, contractor_a, city_user):
    """Two staff press 交付 at the same moment: one certificate per person, no number twice."""
    from concurrent.futures import ThreadPoolExecutor

    appointments = []
    for name in ["一郎", "二郎", "三郎", "四郎"]:
        notice = file_notice(contract_a, contractor_a, name=name)
        appointments.append(services.appointment_notice_accept(notice=notice, accepted_by=city_user))
    targets = appointments + appointments  # each appointment twice, in parallel

    def issue(appointment):
        try:
            return services.certificate_issue(appointment=appointment, issued_by=city_user,
                                              issued_on=CONTRACT_START).number
        except DomainError as error:
            return error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(issue, targets))
    numbers = [r for r in results if r.startswith("令和")]
    assert len(numbers) == 4
    assert sorted(numbers) == ["令和8-001", "令和8-002", "令和8-003", "令和8-004"]
    assert sum("すでにあります" in r for r in results) == 4
    assert Certificate.objects.filter(status=CertificateStatus.VALID).count() == 4
