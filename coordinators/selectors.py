"""Reads for pages and reminders, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from municipality.lookups import AnyOf
from municipality.models import Area, Municipality

from .models import (
    Appointment,
    AppointmentNotice,
    Certificate,
    CertificateStatus,
    Contract,
    Coordinator,
    DismissalNotice,
    NoticeStatus,
    Pledge,
    PledgeKind,
    TrainingCourse,
)


class Coverage:
    COVERED = "配置済"
    AWAITING_SUCCESSOR = "後任未選任"
    NEVER_COVERED = "未配置"


@dataclass
class AreaCoverage:
    area: Area
    status: str
    coordinators: list[Coordinator] = field(default_factory=list)
    vacant_since: dt.date | None = None


def area_coverage(*, day: dt.date, areas: QuerySet[Area] | None = None) -> list[AreaCoverage]:
    """Who covers each area on a day; an area whose coordinator was dismissed waits for a successor.

    Two queries whatever the number of areas and appointments.
    """
    ordered = list((areas if areas is not None else Area.objects.filter(layer=2, is_active=True)).order_by(
        "layer", "sort_order", "code"
    ))
    through = Appointment.areas.through
    rows = (
        through.objects.filter(AnyOf(F("area_id"), [a.pk for a in ordered]), appointment__start__lte=day)
        .select_related("appointment__coordinator")
        .order_by("appointment__start")
    )
    current: dict[int, list[Coordinator]] = {}
    last_end: dict[int, dt.date] = {}
    for row in rows:
        appointment = row.appointment
        if appointment.end is None or appointment.end >= day:
            current.setdefault(row.area_id, []).append(appointment.coordinator)
        else:
            last_end[row.area_id] = max(appointment.end, last_end.get(row.area_id, appointment.end))
    result = []
    for area in ordered:
        if area.pk in current:
            result.append(AreaCoverage(area, Coverage.COVERED, current[area.pk]))
        elif area.pk in last_end:
            result.append(AreaCoverage(area, Coverage.AWAITING_SUCCESSOR, vacant_since=last_end[area.pk]))
        else:
            result.append(AreaCoverage(area, Coverage.NEVER_COVERED))
    return result


def areas_awaiting_successor(*, day: dt.date, areas: QuerySet[Area] | None = None) -> list[AreaCoverage]:
    """The areas (active 第2層 ones unless ``areas`` is given) waiting for a successor, found in the
    database first (``_awaiting_successor``): the reminder scan asks this of every area of the city,
    and loading all of them (50,000 in the ten-times benchmark) to keep a few took a second."""
    narrowed = _awaiting_successor(areas if areas is not None else Area.objects.filter(layer=2, is_active=True), day)
    return [c for c in area_coverage(day=day, areas=narrowed) if c.status == Coverage.AWAITING_SUCCESSOR]


def _awaiting_successor(areas: QuerySet[Area], day: dt.date) -> QuerySet[Area]:
    """Of ``areas``, those someone covered until before ``day`` and nobody covers on it."""
    through = Appointment.areas.through
    on_or_before = through.objects.filter(area_id=OuterRef("pk"), appointment__start__lte=day)
    ended = on_or_before.filter(appointment__end__lt=day)
    current = on_or_before.filter(Q(appointment__end__isnull=True) | Q(appointment__end__gte=day))
    return areas.filter(Exists(ended)).exclude(Exists(current))


def contracts_with_coverage(*, user, day: dt.date) -> list[tuple[Contract, list[AreaCoverage]]]:
    pledged = Pledge.objects.filter(kind=PledgeKind.ORGANISATION, contract=OuterRef("pk"))
    contracts = list(
        Contract.objects.visible_to(user).select_related("organisation").prefetch_related("areas")
        .annotate(pledged=Exists(pledged)).order_by("-start")
    )
    area_ids = {area.pk for contract in contracts for area in contract.areas.all()}
    coverage = {c.area.pk: c for c in area_coverage(day=day, areas=Area.objects.filter(pk__in=area_ids))}
    return [(contract, [coverage[a.pk] for a in contract.areas.all()]) for contract in contracts]


def coordinators_for(user, *, day: dt.date) -> QuerySet[Coordinator]:
    """The coordinators a user may see, with what the list shows, in a fixed number of queries."""
    return (
        Coordinator.objects.visible_to(user)
        .annotate(pledged=Exists(Pledge.objects.filter(kind=PledgeKind.COORDINATOR, coordinator=OuterRef("pk"))))
        .select_related("employer")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.prefetch_related("areas").order_by("-start"),
            ),
            Prefetch(
                "certificates",
                queryset=Certificate.objects.filter(status=CertificateStatus.VALID),
                to_attr="valid_certificates",
            ),
        )
        .order_by("name_kana", "pk")
    )


def notices_for(user) -> tuple[QuerySet[AppointmentNotice], QuerySet[DismissalNotice]]:
    appointments = (
        AppointmentNotice.objects.visible_to(user)
        .select_related("coordinator", "contract", "document")
        .prefetch_related("areas")
        .defer("document__pdf", "document__snapshot")
    )
    dismissals = (
        DismissalNotice.objects.visible_to(user)
        .select_related("appointment__coordinator", "document")
        .defer("document__pdf", "document__snapshot")
    )
    return appointments, dismissals


def waiting_for_city() -> dict[str, QuerySet]:
    """What waits for the city: notices to accept, appointments without a certificate, unreturned ones."""
    today_valid = Certificate.objects.filter(appointment=OuterRef("pk"), status=CertificateStatus.VALID)
    return {
        "appointment_notices": AppointmentNotice.objects.filter(status=NoticeStatus.SUBMITTED)
        .select_related("coordinator", "organisation")
        .order_by("filed_on"),
        "dismissal_notices": DismissalNotice.objects.filter(status=NoticeStatus.SUBMITTED)
        .select_related("appointment__coordinator", "organisation")
        .order_by("filed_on"),
        "appointments_without_certificate": Appointment.objects.filter(end__isnull=True)
        .exclude(Exists(today_valid))
        .select_related("coordinator__employer")
        .order_by("start"),
        "unreturned_certificates": Certificate.objects.filter(status=CertificateStatus.UNRETURNED)
        .select_related("coordinator__employer")
        .order_by("invalidated_on"),
    }


def coordinators_missing_required_training(*, day: dt.date) -> QuerySet[Coordinator]:
    """Coordinators in office longer than the set time who lack a required course."""
    within = Municipality.objects.current().required_training_within_days
    cutoff = day - dt.timedelta(days=within)
    required = TrainingCourse.objects.filter(is_required=True)
    required_count = required.count()
    if required_count == 0:
        return Coordinator.objects.none()
    in_office_long = Appointment.objects.filter(
        coordinator=OuterRef("pk"), start__lt=cutoff
    ).filter(Q(end__isnull=True) | Q(end__gte=day))
    return (
        Coordinator.objects.filter(Exists(in_office_long))
        .annotate(
            required_done=Count(
                "training_records__course",
                filter=Q(training_records__course__is_required=True, training_records__completed_on__lte=day),
                distinct=True,
            )
        )
        .filter(required_done__lt=required_count)
        .select_related("employer")
        .order_by("name_kana")
    )


def areas_awaiting_successor_count(*, day: dt.date) -> int:
    """How many active 第2層 areas ``areas_awaiting_successor`` lists, counted in the database: an area
    someone covered until before ``day`` and nobody covers on it. One query over indexed columns."""
    return _awaiting_successor(Area.objects.filter(layer=2, is_active=True), day).count()


def waiting_counts(*, day: dt.date) -> dict[str, int]:
    """The start page's counts of what waits for the city, in four counting queries (the areas and
    appointments are not loaded)."""
    waiting = waiting_for_city()
    return {
        "appointment_notices": waiting["appointment_notices"].count(),
        "appointments_without_certificate": waiting["appointments_without_certificate"].count(),
        "dismissal_notices": waiting["dismissal_notices"].count(),
        "awaiting_successor": areas_awaiting_successor_count(day=day),
    }


@dataclass
class IssuePreview:
    """What issuing a certificate for one appointment is expected to give (the service decides)."""

    appointment: Appointment
    number: str = ""
    refusal: str = ""


def certificate_issue_preview(appointments: QuerySet[Appointment], *, day: dt.date) -> list[IssuePreview]:
    """The numbers the selected appointments would get if issued now, in order, and the reasons the
    service is expected to refuse the others: shown on the confirmation page before issuing."""
    from municipality.wareki import fiscal_year

    from .models import CertificateSequence
    from .services import certificate_number

    year = fiscal_year(day)
    last = CertificateSequence.objects.filter(fiscal_year=year).values_list("last_serial", flat=True).first() or 0
    rows = []
    valid = Certificate.objects.filter(status=CertificateStatus.VALID, valid_until__gte=day)
    for appointment in appointments.select_related("coordinator").annotate(
        has_valid=Exists(valid.filter(coordinator=OuterRef("coordinator"), layer=OuterRef("layer")))
    ).order_by("pk"):
        coordinator = appointment.coordinator
        if appointment.end is not None:
            rows.append(IssuePreview(appointment, refusal="解任されているため交付できません。"))
        elif not coordinator.photo:
            rows.append(IssuePreview(appointment, refusal="写真が登録されていないため交付できません。"))
        elif appointment.has_valid:
            rows.append(IssuePreview(appointment, refusal="有効な証がすでにあります（再交付は証の一覧から）。"))
        else:
            last += 1
            rows.append(IssuePreview(appointment, number=certificate_number(year, last)))
    return rows


# --- 守秘義務の誓約・未配置の区域 ------------------------------------------------------------

def coordinators_without_pledge(*, day: dt.date) -> QuerySet[Coordinator]:
    """Coordinators in office on a day with no confidentiality pledge on record. One query."""
    in_office = Appointment.objects.active_on(day).filter(coordinator=OuterRef("pk"))
    pledged = Pledge.objects.filter(kind=PledgeKind.COORDINATOR, coordinator=OuterRef("pk"))
    return (Coordinator.objects.filter(Exists(in_office)).exclude(Exists(pledged))
            .select_related("employer").order_by("name_kana", "pk"))


def contracts_without_pledge(*, day: dt.date) -> QuerySet[Contract]:
    """Contracts in force on a day whose 受託団体 has not signed its pledge. One query."""
    pledged = Pledge.objects.filter(kind=PledgeKind.ORGANISATION, contract=OuterRef("pk"))
    return (Contract.objects.in_force_on(day).exclude(Exists(pledged))
            .select_related("organisation").order_by("start", "pk"))


@dataclass
class NeverCovered:
    """An area of a contract in force that nobody has ever covered (seed 001 第7条1項: 速やかに)."""

    area: Area
    contract: Contract


def areas_never_covered(*, day: dt.date) -> list[NeverCovered]:
    """Areas of contracts in force on a day in which no coordinator has ever been appointed (on or
    before that day): flagged and reminded like a vacancy. One query, whatever the areas."""
    through = Contract.areas.through
    ever = Appointment.areas.through.objects.filter(area_id=OuterRef("area_id"), appointment__start__lte=day)
    rows = (through.objects.filter(contract__in=Contract.objects.in_force_on(day)).exclude(Exists(ever))
            .select_related("area", "contract__organisation").order_by("contract__start", "contract_id",
                                                                       "area__sort_order", "area__code"))
    return [NeverCovered(row.area, row.contract) for row in rows]
