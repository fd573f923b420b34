"""Confidentiality pledges of coordinators and of the 受託団体 (seed 001 第8条, seed 000 第15条), areas
a contract never staffed (seed 001 第7条1項 速やかに), and the 法人格 rule of seed 001 第6条."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from coordinators import reminders as coordinator_reminders
from coordinators import selectors, services
from coordinators.models import Contract, Pledge, PledgeKind
from municipality.errors import DomainError
from reminders import scan
from reminders.models import Delivery, Reason
from tests.factories import AreaFactory, OrganisationFactory, UserFactory
from tests.lifecycle import CONTRACT_START, file_notice
from tests.once import once

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def on_today():
    with time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        yield


@pytest.fixture
def in_office(contract_a, contractor_a, city_user):
    """A coordinator appointed to the first area of contract A; the second area stays unstaffed."""
    notice = file_notice(contract_a, contractor_a, areas=list(contract_a.areas.all()[:1]))
    return services.appointment_notice_accept(notice=notice, accepted_by=city_user).coordinator


# --- Pledges: the service ------------------------------------------------------------------

def test_a_coordinators_pledge_is_recorded_once(in_office, city_user):
    pledge = services.pledge_record(coordinator=in_office, signed_on=dt.date(2026, 4, 1), signer="", by=city_user)
    assert (pledge.kind, pledge.organisation, pledge.signer) == (PledgeKind.COORDINATOR, in_office.employer,
                                                                 in_office.name)
    with pytest.raises(DomainError, match=r"松本 さくらさんの誓約はすでに記録されています（令和8年4月1日）"):
        services.pledge_record(coordinator=in_office, signed_on=dt.date(2026, 5, 1), signer="", by=city_user)
    assert Pledge.objects.count() == 1


def test_the_organisations_pledge_is_recorded_once_per_contract(contract_a, city_user):
    with pytest.raises(DomainError, match=r"誓約した人（代表者の職名と氏名）を入力してください。"):
        services.pledge_record(contract=contract_a, signed_on=CONTRACT_START, signer=" ", by=city_user)
    pledge = services.pledge_record(contract=contract_a, signed_on=CONTRACT_START, signer="理事長 山田 一郎",
                                    by=city_user)
    assert (pledge.kind, pledge.organisation, pledge.contract) == (PledgeKind.ORGANISATION, contract_a.organisation,
                                                                   contract_a)
    with pytest.raises(DomainError, match="受託団体の誓約はすでに記録されています"):
        services.pledge_record(contract=contract_a, signed_on=CONTRACT_START, signer="理事長 山田 一郎", by=city_user)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "どちらか一方を選んでください"),
    ({"signed_on": dt.date(2026, 11, 17)}, "誓約日（令和8年11月17日）が未来の日付です"),
    ({"signed_on": dt.date(1, 1, 1)}, "誓約日"),
])
def test_a_pledge_without_its_signer_or_with_a_bad_date_is_refused(contract_a, city_user, kwargs, message):
    values = {"signed_on": dt.date(2026, 4, 1), "signer": "理事長", "by": city_user}
    if "signed_on" in kwargs:
        values.update(kwargs, contract=contract_a)
    with pytest.raises(DomainError, match=message):
        services.pledge_record(**values)
    assert not Pledge.objects.exists()


def test_the_database_refuses_a_second_pledge_of_a_coordinator(in_office, city_user):
    from django.db import IntegrityError, transaction

    services.pledge_record(coordinator=in_office, signed_on=dt.date(2026, 4, 1), signer="", by=city_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pledge.objects.create(kind=PledgeKind.COORDINATOR, coordinator=in_office, organisation=in_office.employer,
                              signed_on=dt.date(2026, 4, 2), signer="x", recorded_by=city_user)


# --- Pledges: what is missing, where staff look, and the reminders ------------------------------

def test_missing_pledges_are_those_of_people_in_office_and_contracts_in_force(in_office, contract_a, contract_b,
                                                                              city_user):
    assert list(selectors.coordinators_without_pledge(day=TODAY)) == [in_office]
    assert set(selectors.contracts_without_pledge(day=TODAY)) == {contract_a, contract_b}
    services.pledge_record(coordinator=in_office, signed_on=dt.date(2026, 4, 1), signer="", by=city_user)
    services.pledge_record(contract=contract_a, signed_on=CONTRACT_START, signer="理事長", by=city_user)
    assert list(selectors.coordinators_without_pledge(day=TODAY)) == []
    assert list(selectors.contracts_without_pledge(day=TODAY)) == [contract_b]
    # A contract not yet in force is not late.
    assert list(selectors.contracts_without_pledge(day=CONTRACT_START - dt.timedelta(days=1))) == []


def test_missing_pledges_are_reminded_weekly_to_the_organisation_and_the_city(in_office, contract_a, contractor_a,
                                                                              city_user):
    contractor_a.email, city_user.email = "a@example.jp", "city@example.jp"
    contractor_a.save()
    city_user.save()
    planned = [p for p in coordinator_reminders.pledges(scan.Scan(TODAY))]
    keys = {(p.email, p.object_key) for p in planned}
    assert keys == {("a@example.jp", f"coordinators.coordinator:{in_office.pk}"),
                    ("city@example.jp", f"coordinators.coordinator:{in_office.pk}"),
                    ("a@example.jp", f"coordinators.contract:{contract_a.pk}"),
                    ("city@example.jp", f"coordinators.contract:{contract_a.pk}")}
    assert {p.step for p in planned} == {"2026-W47"}
    assert all(p.reason == Reason.PLEDGE for p in planned)
    coordinator_mail = next(p for p in planned if p.object_key.startswith("coordinators.coordinator"))
    assert "松本 さくら" in coordinator_mail.subject and "守秘義務の誓約" in coordinator_mail.body
    # The contractor's link opens their portal, the city's the admin's waiting list.
    assert {p.url for p in planned if p.email == "a@example.jp"} == {reverse("coordinators:list")}
    # Recorded before the mail went: it is not sent.
    delivery = Delivery(recipient="a@example.jp", reason=Reason.PLEDGE,
                        object_key=f"coordinators.coordinator:{in_office.pk}", step="2026-W47")
    assert coordinator_reminders.pledge_still_due(delivery, TODAY)
    services.pledge_record(coordinator=in_office, signed_on=dt.date(2026, 4, 1), signer="", by=city_user)
    assert not coordinator_reminders.pledge_still_due(delivery, TODAY)
    assert {p.object_key for p in coordinator_reminders.pledges(scan.Scan(TODAY))} == {
        f"coordinators.contract:{contract_a.pk}"}


def test_the_pledge_reminders_read_a_fixed_number_of_queries(django_assert_max_num_queries, contract_a,
                                                             contractor_a, city_user):
    from tests.factories import ContractFactory

    for i in range(6):
        ContractFactory(organisation=contract_a.organisation, areas=list(contract_a.areas.all()), title=f"契約{i}",
                        start=CONTRACT_START, end=dt.date(2027, 3, 31))
    today_scan = scan.Scan(TODAY)
    today_scan.city_staff, today_scan.contractors, today_scan.term  # noqa: B018 (loaded once per scan, not per row)
    with django_assert_max_num_queries(2):
        assert len(coordinator_reminders.pledges(today_scan)) == 14


def test_the_admin_records_a_pledge_and_the_lists_flag_the_missing(client, in_office, contract_a, city_user):
    client.force_login(city_user)
    listing = client.get(reverse("admin:coordinators_coordinator_changelist") + "?pledge=missing")
    assert listing.status_code == 200 and in_office.name in listing.content.decode()
    waiting = client.get(reverse("admin:coordinators_waiting")).content.decode()
    assert "守秘義務の誓約が未提出" in waiting and in_office.name in waiting and contract_a.title in waiting

    url = reverse("admin:coordinators_pledge_add")
    both = client.post(url, {"coordinator": in_office.pk, "contract": contract_a.pk, "signed_on": "2026-04-01",
                             "signer": "", **once()})
    assert both.status_code == 200 and "どちらか一方を選んでください" in both.content.decode()
    assert not Pledge.objects.exists()
    saved = client.post(url, {"coordinator": in_office.pk, "signed_on": "2026-04-01", "signer": "", **once()})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    again = client.post(url, {"coordinator": in_office.pk, "signed_on": "2026-04-02", "signer": "", **once()})
    assert "すでに記録されています" in again.content.decode()
    assert Pledge.objects.count() == 1
    listing = client.get(reverse("admin:coordinators_coordinator_changelist") + "?pledge=missing")
    assert in_office.name not in listing.content.decode()
    contracts = client.get(reverse("admin:coordinators_contract_changelist")).content.decode()
    assert "未配置の区域あり" in contracts


def test_the_organisations_portal_flags_its_missing_pledges_and_unstaffed_areas(client, in_office, contract_a,
                                                                                  contractor_a, city_user):
    client.force_login(contractor_a)
    page = client.get(reverse("coordinators:list")).content.decode()
    assert page.count("未提出") == 2  # the organisation's pledge for the contract, and the coordinator's
    assert "<strong class=\"warning\">未配置</strong>" in page
    services.pledge_record(coordinator=in_office, signed_on=dt.date(2026, 4, 1), signer="", by=city_user)
    services.pledge_record(contract=contract_a, signed_on=CONTRACT_START, signer="理事長", by=city_user)
    page = client.get(reverse("coordinators:list")).content.decode()
    assert "未提出" not in page and page.count("提出済み") == 2


# --- Areas never staffed -------------------------------------------------------------------

def test_an_area_never_staffed_is_flagged_and_reminded_like_a_vacancy(in_office, contract_a, contractor_a,
                                                                      city_user):
    contractor_a.email, city_user.email = "a@example.jp", "city@example.jp"
    contractor_a.save()
    city_user.save()
    _staffed, unstaffed = list(contract_a.areas.order_by("code"))
    never = selectors.areas_never_covered(day=TODAY)
    assert [(n.area, n.contract) for n in never] == [(unstaffed, contract_a)]
    # Before the contract starts it is not late.
    assert selectors.areas_never_covered(day=CONTRACT_START - dt.timedelta(days=1)) == []
    planned = [p for p in coordinator_reminders.vacancies(scan.Scan(TODAY)) if p.object_key.endswith(f":{unstaffed.pk}")]
    assert {(p.email, p.reason, p.step) for p in planned} == {("a@example.jp", Reason.VACANCY, "2026-W47"),
                                                              ("city@example.jp", Reason.VACANCY, "2026-W47")}
    assert "【未配置】" in planned[0].subject and "速やかに" in planned[0].body
    page = UserFactory(username="city2", roles=["市職員"], is_staff=True)
    from django.test import Client

    browser = Client()
    browser.force_login(page)
    waiting = browser.get(reverse("admin:coordinators_waiting")).content.decode()
    assert "未配置の区域（1区域" in waiting and unstaffed.name in waiting

    # Once someone is appointed there, it is neither flagged nor reminded.
    notice = file_notice(contract_a, contractor_a, name="井上 大輔", areas=[unstaffed], filed_on=TODAY,
                         appointed_on=TODAY)
    services.appointment_notice_accept(notice=notice, accepted_by=city_user)
    assert selectors.areas_never_covered(day=TODAY) == []
    assert not [p for p in coordinator_reminders.vacancies(scan.Scan(TODAY)) if p.object_key.endswith(f":{unstaffed.pk}")]


# --- 法人格 (seed 001 第6条) -----------------------------------------------------------------

def test_the_service_refuses_a_contract_with_a_voluntary_group(city_user):
    club = OrganisationFactory(name="汐見市老人クラブ連合会", legal_form="任意団体")
    area = AreaFactory(code="V1", name="山手地区")
    with pytest.raises(DomainError, match=r"^汐見市老人クラブ連合会は任意団体のため、委託契約を結べません（法人格が必要です）。$"):
        services.contract_save(organisation=club, title="配置業務委託", layer=2, areas=[area],
                               start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31), by=city_user)
    assert not Contract.objects.exists()
    # Changing an organisation's contract after it became a 任意団体 is refused as well.
    corp = OrganisationFactory(name="社会福祉法人汐見会", legal_form="社会福祉法人")
    contract = services.contract_save(organisation=corp, title="配置業務委託", layer=2, areas=[area],
                                      start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31), by=city_user)
    corp.legal_form = "任意団体"
    corp.save()
    with pytest.raises(DomainError, match="法人格が必要です"):
        services.contract_save(organisation=corp, title="配置業務委託", layer=2, areas=[area],
                               start=dt.date(2026, 4, 1), end=dt.date(2027, 6, 30), by=city_user, contract=contract)
    contract.refresh_from_db()
    assert contract.end == dt.date(2027, 3, 31)
