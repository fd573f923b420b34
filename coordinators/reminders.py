"""The coordinators' reminders (SPEC §8): certificates and contracts ending, required training
missing, areas waiting for a successor; and what waits for the city in the weekly digest."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from municipality.models import User
from reminders.models import Delivery, Reason
from reminders.registry import DigestCounts, ReminderKind
from reminders.scan import Planned, Scan, iso_week, object_id, step_day, text, url_for, wareki

from .models import Certificate, CertificateStatus, Contract, ContractStatus, Pledge, PledgeKind
from .selectors import (
    areas_awaiting_successor,
    areas_never_covered,
    contracts_without_pledge,
    coordinators_missing_required_training,
    coordinators_without_pledge,
    waiting_for_city,
)


def _organisation_and_city(scan: Scan, organisation_id: int | None, admin_url: str,
                           portal_url: str = "") -> list[tuple[User, str]]:
    """The organisation's 受託団体 users (with a link into their portal) and city staff (into the admin)."""
    portal_url = portal_url or url_for("coordinators:list")
    contractors = scan.contractors.get(organisation_id, []) if organisation_id is not None else []
    return [*((user, portal_url) for user in contractors),
            *((user, admin_url) for user in scan.city_staff)]


def certificates(scan: Scan) -> list[Planned]:
    """Valid certificates ending within 60 and 30 days: the organisation and the city."""
    thresholds = settings.REMINDER_EXPIRY_DAYS
    certificates = (
        Certificate.objects.filter(status=CertificateStatus.VALID, valid_until__range=scan.window(thresholds))
        .select_related("coordinator").order_by("pk")
    )
    planned = []
    for c in certificates:
        step = scan.step(thresholds, c.valid_until)
        until = wareki(c.valid_until)
        subject = text("coordinators/reminders/certificate_expiry_subject.txt", name=c.coordinator.name, until=until)
        body = text("coordinators/reminders/certificate_expiry_body.txt", name=c.coordinator.name, term=scan.term,
                      number=c.number, until=until, left=scan.left(c.valid_until))
        for user, url in _organisation_and_city(scan, c.coordinator.employer_id,
                                                url_for("admin:coordinators_certificate_change", c.pk),
                                                url_for("coordinators:detail", c.coordinator_id)):
            planned.append(Planned(user.email, user.pk, Reason.CERTIFICATE_EXPIRY,
                                   f"coordinators.certificate:{c.pk}", step, subject, body, url))
    return planned


def contracts(scan: Scan) -> list[Planned]:
    """Active contracts ending within 60 and 30 days: the organisation and the city."""
    thresholds = settings.REMINDER_EXPIRY_DAYS
    contracts = (
        Contract.objects.filter(status=ContractStatus.ACTIVE, end__range=scan.window(thresholds))
        .select_related("organisation").order_by("pk")
    )
    planned = []
    for c in contracts:
        step = scan.step(thresholds, c.end)
        subject = text("coordinators/reminders/contract_expiry_subject.txt", title=c.title, end=wareki(c.end))
        body = text("coordinators/reminders/contract_expiry_body.txt", organisation=c.organisation.name,
                      title=c.title, end=wareki(c.end), left=scan.left(c.end))
        for user, url in _organisation_and_city(scan, c.organisation_id,
                                                url_for("admin:coordinators_contract_change", c.pk)):
            planned.append(Planned(user.email, user.pk, Reason.CONTRACT_EXPIRY,
                                   f"coordinators.contract:{c.pk}", step, subject, body, url))
    return planned


def training(scan: Scan) -> list[Planned]:
    """Coordinators past the set time without a required course: the coordinator and the
    organisation, once a month while it lasts."""
    missing = coordinators_missing_required_training(day=scan.today).select_related("user")
    planned = []
    for c in missing:
        key, step = f"coordinators.coordinator:{c.pk}", scan.today.strftime("%Y-%m")
        url = url_for("coordinators:detail", c.pk)
        for user in scan.contractors.get(c.employer_id, []):
            planned.append(Planned(
                user.email, user.pk, Reason.TRAINING, key, step,
                text("coordinators/reminders/training_subject.txt", name=c.name),
                text("coordinators/reminders/training_body.txt", name=c.name), url))
        if c.user and c.user.is_active:  # the coordinator, addressed in person
            planned.append(Planned(
                c.user.email, c.user.pk, Reason.TRAINING, key, step,
                text("coordinators/reminders/training_coordinator_subject.txt"),
                text("coordinators/reminders/training_coordinator_body.txt", name=c.name), url))
    return planned


def vacancies(scan: Scan) -> list[Planned]:
    """Areas still waiting for a successor coordinator: the city, once a week while it lasts. Areas of
    a contract in force that nobody was ever appointed to (seed 001 第7条1項 速やかに) likewise, and
    their organisation's 受託団体 users too."""
    waiting = areas_awaiting_successor(day=scan.today)
    week = iso_week(scan.today)
    planned = []
    for coverage in waiting:
        area = coverage.area
        subject = text("coordinators/reminders/vacancy_subject.txt", area=area.name)
        body = text("coordinators/reminders/vacancy_body.txt", area=area.name, since=wareki(coverage.vacant_since),
                      term=scan.term)
        for user in scan.city_staff:
            planned.append(Planned(user.email, user.pk, Reason.VACANCY, f"municipality.area:{area.pk}", week,
                                   subject, body, url_for("admin:coordinators_waiting")))
    for never in areas_never_covered(day=scan.today):
        area, contract = never.area, never.contract
        subject = text("coordinators/reminders/never_covered_subject.txt", area=area.name)
        body = text("coordinators/reminders/never_covered_body.txt", area=area.name, contract=contract.title,
                    organisation=contract.organisation.name, since=wareki(contract.start), term=scan.term)
        for user, url in _organisation_and_city(scan, contract.organisation_id, url_for("admin:coordinators_waiting")):
            planned.append(Planned(user.email, user.pk, Reason.VACANCY, f"municipality.area:{area.pk}", week,
                                   subject, body, url))
    return planned


def pledges(scan: Scan) -> list[Planned]:
    """Coordinators in office and contracts in force without a confidentiality pledge (seed 001
    第8条, seed 000 第15条): the organisation's 受託団体 users and the city, once a week while it lasts."""
    week = iso_week(scan.today)
    planned = []
    for c in coordinators_without_pledge(day=scan.today):
        subject = text("coordinators/reminders/pledge_coordinator_subject.txt", name=c.name)
        body = text("coordinators/reminders/pledge_coordinator_body.txt", name=c.name,
                    organisation=c.employer.name, term=scan.term)
        for user, url in _organisation_and_city(scan, c.employer_id, url_for("admin:coordinators_waiting")):
            planned.append(Planned(user.email, user.pk, Reason.PLEDGE, f"coordinators.coordinator:{c.pk}", week,
                                   subject, body, url))
    for contract in contracts_without_pledge(day=scan.today):
        subject = text("coordinators/reminders/pledge_contract_subject.txt", organisation=contract.organisation.name)
        body = text("coordinators/reminders/pledge_contract_body.txt", organisation=contract.organisation.name,
                    title=contract.title, since=wareki(contract.start))
        for user, url in _organisation_and_city(scan, contract.organisation_id, url_for("admin:coordinators_waiting")):
            planned.append(Planned(user.email, user.pk, Reason.PLEDGE, f"coordinators.contract:{contract.pk}", week,
                                   subject, body, url))
    return planned


def pledge_still_due(delivery: Delivery, today: dt.date) -> bool:
    """No pledge recorded meanwhile for the coordinator or the contract."""
    pk = object_id(delivery.object_key)
    if pk is None:
        return False
    if delivery.object_key.startswith("coordinators.contract:"):
        return not Pledge.objects.filter(kind=PledgeKind.ORGANISATION, contract_id=pk).exists()
    return not Pledge.objects.filter(kind=PledgeKind.COORDINATOR, coordinator_id=pk).exists()


def certificate_still_due(delivery: Delivery, today: dt.date) -> bool:
    """The certificate still valid and still ending on the step's day."""
    pk, day = object_id(delivery.object_key), step_day(delivery.step)
    if pk is None or day is None:
        return False
    return Certificate.objects.filter(pk=pk, status=CertificateStatus.VALID,
                                      valid_until=day, valid_until__gte=today).exists()


def contract_still_due(delivery: Delivery, today: dt.date) -> bool:
    """The contract still active and still ending on the step's day."""
    pk, day = object_id(delivery.object_key), step_day(delivery.step)
    if pk is None or day is None:
        return False
    return Contract.objects.filter(pk=pk, status=ContractStatus.ACTIVE, end=day, end__gte=today).exists()


def waiting_counts() -> list[tuple[str, int]]:
    """What waits for the city, for the weekly digest. (Read here rather than through
    selectors.waiting_counts, which would work out the vacancies again.)"""
    waiting = waiting_for_city()
    return [("受理待ちの選任届", waiting["appointment_notices"].count()),
            ("証の交付待ち", waiting["appointments_without_certificate"].count()),
            ("受理待ちの解任届", waiting["dismissal_notices"].count())]


KINDS = [
    ReminderKind(Reason.CERTIFICATE_EXPIRY, due=certificates, still_due=certificate_still_due, digest="upcoming"),
    ReminderKind(Reason.CONTRACT_EXPIRY, due=contracts, still_due=contract_still_due, digest="upcoming"),
    ReminderKind(Reason.TRAINING, due=training, digest="overdue"),
    ReminderKind(Reason.VACANCY, due=vacancies, digest="overdue"),
    ReminderKind(Reason.PLEDGE, due=pledges, still_due=pledge_still_due, digest="overdue"),
]

DIGEST = [DigestCounts(counts=waiting_counts, url_name="admin:coordinators_waiting")]
