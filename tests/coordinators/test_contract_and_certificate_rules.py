"""Appointments, contracts and certificates: overlaps, cancelled contracts, 第1層 city staff, reissues, corrections, locks."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from coordinators import services
from coordinators.models import (
    Appointment,
    Certificate,
    CertificateStatus,
    ContractStatus,
    Coordinator,
    Layer,
    NoticeStatus,
)
from coordinators.services import PersonData
from municipality.errors import DomainError
from tests.lifecycle import CONTRACT_END, CONTRACT_START, file_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(accepted, city_user):
    return services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)


def test_overlapping_appointments_are_refused(accepted, contractor_a, city_user):
    services.dismissal_notice_file(
        organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
        dismissed_on=dt.date(2026, 9, 30), reason="退職", certificate_returned=True,
        filed_by=contractor_a, filed_on=dt.date(2026, 10, 1))
    with pytest.raises(DomainError, match="期間に選任されています"):
        services.appointment_notice_file(
            organisation=accepted.coordinator.employer, contract=accepted.contract,
            areas=list(accepted.areas.all()), appointed_on=dt.date(2026, 6, 1), reason="再任",
            filed_by=contractor_a, coordinator=accepted.coordinator, filed_on=dt.date(2026, 10, 2))
    notice = services.appointment_notice_file(
        organisation=accepted.coordinator.employer, contract=accepted.contract,
        areas=list(accepted.areas.all()), appointed_on=dt.date(2026, 10, 15), reason="再任",
        filed_by=contractor_a, coordinator=accepted.coordinator, filed_on=dt.date(2026, 10, 2))
    services.appointment_notice_accept(notice=notice, accepted_by=city_user)
    assert Appointment.objects.active_on(dt.date(2026, 10, 20)).filter(coordinator=accepted.coordinator).count() == 1


def test_a_cancelled_contract_stops_acceptance_and_issue(contract_a, contractor_a, city_user):
    notice = file_notice(contract_a, contractor_a)
    contract_a.status = ContractStatus.CANCELLED
    contract_a.save()
    with pytest.raises(DomainError, match="解除"):
        services.appointment_notice_accept(notice=notice, accepted_by=city_user)


def test_cancelling_a_contract_voids_its_certificates(certified, contract_a, contractor_a, city_user):
    pending = file_notice(contract_a, contractor_a, name="受理待ち 花子")
    services.contract_cancel(contract=contract_a, on=dt.date(2026, 12, 31), by=city_user)
    certified.refresh_from_db()
    pending.refresh_from_db()
    contract_a.refresh_from_db()
    assert certified.status == CertificateStatus.UNRETURNED
    assert Appointment.objects.get(pk=certified.appointment_id).end == dt.date(2026, 12, 31)
    assert pending.status == NoticeStatus.RETURNED
    assert contract_a.status == ContractStatus.CANCELLED
    assert contract_a.end == dt.date(2026, 12, 31)
    with pytest.raises(DomainError, match="すでに「解除」"):
        services.contract_cancel(contract=contract_a, on=dt.date(2026, 12, 31), by=city_user)


def test_contract_dates_are_read_only_in_the_admin_once_used(client, city_user, accepted):
    client.force_login(city_user)
    body = client.get(reverse("admin:coordinators_contract_change", args=[accepted.contract_id])).content.decode()
    assert 'name="end"' not in body


def test_first_layer_city_staff_can_be_dismissed_and_recertified_next_year(city_user):
    from coordinators.photos import clean_photo
    from tests.factories import CoordinatorFactory, OrganisationFactory
    from tests.lifecycle import photo_upload

    department = OrganisationFactory(is_city_department=True)
    person = CoordinatorFactory(layer=Layer.FIRST, employer=department)
    person.photo.save("p.jpg", clean_photo(photo_upload()))
    appointment = services.appointment_create_for_city_staff(coordinator=person, areas=[], start=dt.date(2026, 4, 1),
                                                             created_by=city_user)
    first = services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=dt.date(2026, 4, 1))
    assert first.valid_until == dt.date(2027, 3, 31)
    second = services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=dt.date(2027, 4, 1))
    first.refresh_from_db()
    assert first.status == CertificateStatus.EXPIRED
    assert second.number == "令和9-001"
    services.dismissal_notice_file(organisation=department, coordinator=person, dismissed_on=dt.date(2027, 5, 31),
                                   reason="異動", certificate_returned=True, filed_by=city_user,
                                   filed_on=dt.date(2027, 6, 1))
    appointment.refresh_from_db()
    assert appointment.end == dt.date(2027, 5, 31)


def test_after_a_reissue_one_certificate_is_valid_that_day(certified, city_user):
    new = services.certificate_reissue(certificate=certified, reason="紛失", issued_by=city_user)
    assert list(Certificate.objects.valid_on(new.issued_on).filter(coordinator=certified.coordinator)) == [new]


def test_a_correction_fixes_the_persons_data_without_a_duplicate(contract_a, contractor_a, city_user):
    first = file_notice(contract_a, contractor_a)
    services.appointment_notice_return(notice=first, returned_by=city_user, comment="生年月日の誤り")
    second = services.appointment_notice_file(
        organisation=contract_a.organisation, contract=contract_a, areas=list(first.areas.all()),
        appointed_on=CONTRACT_START, reason="訂正", filed_by=contractor_a, replaces=first,
        person=PersonData(name="松本 さくら", name_kana="まつもと さくら", birth_date=dt.date(1984, 6, 21)),
    )
    assert Coordinator.objects.count() == 1
    assert second.coordinator == first.coordinator
    second.coordinator.refresh_from_db()
    assert second.coordinator.birth_date == dt.date(1984, 6, 21)
    assert second.document.snapshot["person"]["birth_date"] == "昭和59年6月21日"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reissue_and_dismissal_at_once_do_not_deadlock(contract_a, contractor_a, city_user):
    from concurrent.futures import ThreadPoolExecutor

    appointment = services.appointment_notice_accept(notice=file_notice(contract_a, contractor_a),
                                                     accepted_by=city_user)
    certificate = services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=CONTRACT_START)

    def reissue():
        try:
            services.certificate_reissue(certificate=certificate, reason="紛失", issued_by=city_user)
            return "ok"
        except DomainError as error:
            return error.message
        finally:
            connection.close()

    def dismiss():
        try:
            services.dismissal_notice_file(
                organisation=contract_a.organisation, coordinator=appointment.coordinator,
                dismissed_on=dt.date.today(), reason="退職", certificate_returned=True, filed_by=contractor_a)
            return "ok"
        except DomainError as error:
            return error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [f.result() for f in [pool.submit(reissue), pool.submit(dismiss)]]
    # A deadlock would raise OperationalError out of result(); both end with an answer.
    assert results[1] == "ok"
    assert results[0] in ("ok", "この証は「返還済み（解任）」のため、再交付できません。") or "解任" in results[0]
    assert not Certificate.objects.filter(status=CertificateStatus.VALID, valid_until__gt=CONTRACT_END).exists()


def test_the_admin_contract_form_refuses_what_the_service_refuses(client, city_user):
    from coordinators.models import Contract
    from tests.factories import AreaFactory, OrganisationFactory
    from tests.once import once

    club = OrganisationFactory(name="汐見市老人クラブ連合会", legal_form="任意団体")
    corp = OrganisationFactory(name="社会福祉法人汐見会", legal_form="社会福祉法人")
    area = AreaFactory(code="AD1", name="海岸地区")
    client.force_login(city_user)
    data = {"title": "汐見市地域支え合い推進員配置業務委託", "layer": "2", "areas": [area.pk],
            "start": "2026-04-01", "end": "2027-03-31", "status": "active"}
    url = reverse("admin:coordinators_contract_add")

    refused = client.post(url, {**data, "organisation": club.pk, **once()})
    assert refused.status_code == 200
    assert "汐見市老人クラブ連合会は任意団体のため、委託契約を結べません（法人格が必要です）。" in refused.content.decode()
    assert not Contract.objects.exists()

    wrong_end = client.post(url, {**data, "organisation": corp.pk, "end": "2026-03-31", **once()})
    assert wrong_end.status_code == 200
    assert not Contract.objects.exists()

    saved = client.post(url, {**data, "organisation": corp.pk, **once()})
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    contract = Contract.objects.get()
    assert (contract.organisation, list(contract.areas.all()), contract.end) == (corp, [area], dt.date(2027, 3, 31))

    # A change goes through the service as well: the areas must be of the contract's layer.
    first_layer = area.parent
    changed = client.post(reverse("admin:coordinators_contract_change", args=[contract.pk]),
                          {**data, "organisation": corp.pk, "areas": [first_layer.pk]})
    assert changed.status_code == 200
    assert "第2層の区域ではありません" in changed.content.decode()
    assert list(contract.areas.all()) == [area]
