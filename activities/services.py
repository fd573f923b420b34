"""Activity log and monthly reports: every state change, one transaction each."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from auditlog.context import set_actor
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from coordinators.models import Appointment, Coordinator
from municipality.errors import DomainError
from municipality.models import Area, User
from municipality.roles import Role
from municipality.terms import localise
from municipality.validators import require_event_dates

from .models import (
    Activity,
    ActivityCategory,
    ActivityCount,
    Function,
    Match,
    MatchOutcome,
    MonthlyReport,
    Need,
    NeedStatus,
    ReportEvent,
    ReportStatus,
    SocialResource,
    month_label,
    month_start,
    normalise_phone,
    public_listing_problems,
)

EDITABLE_FIELDS = ("date", "minutes", "area", "cross_area", "home_area", "category", "participants", "narrative",
                   "follow_up_on", "community_issue")


def areas_of(coordinator: Coordinator, day: dt.date) -> list[Area]:
    """The areas a coordinator is appointed to on a day (only these can be logged)."""
    appointments = Appointment.objects.active_on(day).filter(coordinator=coordinator).prefetch_related("areas")
    return sorted({area for a in appointments for area in a.areas.all()}, key=lambda a: (a.sort_order, a.code))


def locking_report(coordinator: Coordinator, day: dt.date) -> MonthlyReport | None:
    """The report that keeps a coordinator's activities of ``day``'s month from changing, if any."""
    return MonthlyReport.objects.locking().filter(coordinator=coordinator, month=month_start(day)).first()


def locked_message(report: MonthlyReport) -> str:
    return f"{month_label(report.month)}の月次報告は「{report.get_status_display()}」のため、この月の活動は変更できません。"


def _bump(area_id: int, function: str, day: dt.date, delta: int, *, field: str = "count") -> None:
    """Move the dashboard's count (or cross-area count) for (area, function, month) by ``delta`` in
    this transaction."""
    bucket = {"area_id": area_id, "function": function, "month": month_start(day)}
    if ActivityCount.objects.filter(**bucket).update(**{field: F(field) + delta}):
        return
    try:
        with transaction.atomic():
            ActivityCount.objects.create(**bucket, **{field: delta})
    except IntegrityError:  # created by a parallel transaction meanwhile
        ActivityCount.objects.filter(**bucket).update(**{field: F(field) + delta})


def _count(activity: Activity, delta: int) -> None:
    """An activity counts under its coordinator's own area; one across areas also, marked, under the
    area where it was done (``cross_count``, kept out of the totals)."""
    if activity.cross_area and activity.home_area_id:
        _bump(activity.home_area_id, activity.function, activity.date, delta)
        _bump(activity.area_id, activity.function, activity.date, delta, field="cross_count")
    else:
        _bump(activity.area_id, activity.function, activity.date, delta)


def activity_counts_rebuild() -> int:
    """Recount every bucket from the activities (after a bulk import, or as a repair)."""
    with transaction.atomic():
        ActivityCount.objects.all().delete()
        buckets: dict[tuple[int, str, dt.date], ActivityCount] = {}
        own = (
            Activity.objects.annotate(month=TruncMonth("date"), own_area=Coalesce("home_area_id", "area_id"))
            .values("own_area", "function", "month").annotate(n=Count("pk")).order_by()
        )
        for r in own:
            key = (r["own_area"], r["function"], r["month"])
            buckets[key] = ActivityCount(area_id=key[0], function=key[1], month=key[2], count=r["n"])
        crossing = (
            Activity.objects.filter(cross_area=True).annotate(month=TruncMonth("date"))
            .values("area_id", "function", "month").annotate(n=Count("pk")).order_by()
        )
        for r in crossing:
            key = (r["area_id"], r["function"], r["month"])
            bucket = buckets.setdefault(key, ActivityCount(area_id=key[0], function=key[1], month=key[2], count=0))
            bucket.cross_count = r["n"]
        ActivityCount.objects.bulk_create(buckets.values())
        return ActivityCount.objects.count()


def _check_area(coordinator: Coordinator, values: dict[str, Any], day: dt.date) -> None:
    """An activity is in one of the coordinator's areas that day, or, marked as cooperation across
    areas (茅ヶ崎 第8条2項), in another area, done from one of theirs (``home_area``, filled in here
    when they have only one)."""
    own = areas_of(coordinator, day)
    area: Area = values["area"]
    if not values.get("cross_area"):
        values["cross_area"], values["home_area"] = False, None
        if area not in own:
            raise DomainError(
                f"{area.name}は、{coordinator.name}さんがその日に担当している区域ではありません。"
                "区域を越えて連携・協力した活動なら「区域を越えた連携」に印を付けてください。"
            )
        return
    if area in own:
        raise DomainError(f"{area.name}は担当区域です。「区域を越えた連携」の印は、担当区域以外の区域での活動に付けてください。")
    if not area.is_active:
        raise DomainError(f"{area.name}は現在使われていない区域です。")
    if not own:
        raise DomainError(f"{coordinator.name}さんはその日に担当している区域がないため、区域を越えた連携として記録できません。")
    home = values.get("home_area") or (own[0] if len(own) == 1 else None)
    if home is None:
        raise DomainError("区域を越えた連携では、連携元の「自分の担当区域」を選んでください。")
    if home not in own:
        raise DomainError(f"{home.name}は、{coordinator.name}さんがその日に担当している区域ではありません。")
    values["home_area"] = home


def _check(coordinator: Coordinator, values: dict[str, Any]) -> None:
    require_event_dates({"活動日": values["date"], "次の対応日": values.get("follow_up_on")})
    day = values["date"]
    if day > timezone.localdate():
        raise DomainError("活動日が未来の日付です。活動した後に記録してください。")
    report = locking_report(coordinator, day)
    if report:
        raise DomainError(
            f"{month_label(report.month)}の月次報告は「{report.get_status_display()}」のため、この月の活動は記録・変更できません。"
        )
    follow_up = values.get("follow_up_on")
    if follow_up and follow_up < day:
        raise DomainError("次の対応日が活動日より前です。")
    _check_area(coordinator, values, day)
    if not 0 < values["minutes"] <= 24 * 60:
        raise DomainError("時間は1分から1,440分（24時間）の間で入力してください。")
    category: ActivityCategory = values["category"]
    if not category.is_active:
        raise DomainError(f"活動の項目「{category}」は現在使われていません。")
    if values.get("community_issue") is not None and category.function != Function.A:
        raise DomainError("地域ケア会議の地域課題を選べるのは、資源開発（A）の活動だけです。")


@transaction.atomic
def activity_log(
    *, coordinator: Coordinator, by: User, organisations: Iterable = (), resources: Iterable = (),
    client_key: uuid.UUID | None = None, **values: Any
) -> Activity:
    """A coordinator records one activity in one of their own areas (or, marked, in another area
    across areas)."""
    with set_actor(by):
        coordinator = _serialise(coordinator)
        _check(coordinator, values)
        activity = Activity(coordinator=coordinator, function=values["category"].function, client_key=client_key,
                            **{k: values.get(k) for k in EDITABLE_FIELDS})
        activity.participants = activity.participants or 0
        activity.save()
        activity.organisations.set(list(organisations))
        activity.resources.set(list(resources))
        _count(activity, +1)
        return activity


@transaction.atomic
def activity_update(
    *, activity: Activity, by: User, organisations: Iterable = (), resources: Iterable = (), **values: Any
) -> Activity:
    """Change an activity while its month (old and new) is not locked by a report."""
    with set_actor(by):
        _serialise(activity.coordinator)
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        report = locking_report(activity.coordinator, activity.date)
        if report:
            raise DomainError(locked_message(report))
        _check(activity.coordinator, values)
        _count(activity, -1)
        for field in EDITABLE_FIELDS:
            setattr(activity, field, values.get(field))
        activity.participants = activity.participants or 0
        activity.function = activity.category.function
        activity.save()
        activity.organisations.set(list(organisations))
        activity.resources.set(list(resources))
        _count(activity, +1)
        return activity


@transaction.atomic
def activity_delete(*, activity: Activity, by: User) -> None:
    with set_actor(by):
        _serialise(activity.coordinator)
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if locking_report(activity.coordinator, activity.date):
            raise DomainError("月次報告を提出した月の活動は削除できません。")
        _count(activity, -1)
        activity.delete()


# --- 月次報告 -------------------------------------------------------------------------

def _serialise(coordinator: Coordinator) -> Coordinator:
    """Lock the coordinator's row: their logging and their reports run one at a time, so a
    month cannot be submitted while an activity is being added to it."""
    return Coordinator.objects.select_for_update().get(pk=coordinator.pk)


def _is_city(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.CITY_STAFF)


def _event(report: MonthlyReport, action: str, by: User, comment: str = "") -> None:
    ReportEvent.objects.create(report=report, action=action, actor=by, at=timezone.now(), comment=comment)


def _lock(report: MonthlyReport) -> MonthlyReport:
    return MonthlyReport.objects.select_for_update().get(pk=report.pk)


def _move(report: MonthlyReport, from_status: str, to_status: str, action: str, by: User, *,
          refusal: str) -> MonthlyReport:
    """One step of the report's workflow, from one status to the next, recorded as an event."""
    report = _lock(report)
    if report.status != from_status:
        raise DomainError(f"この報告は「{report.get_status_display()}」のため、{refusal}")
    report.status = to_status
    report.save(update_fields=["status"])
    _event(report, action, by)
    return report


@transaction.atomic
def report_submit(*, coordinator: Coordinator, month: dt.date, by: User) -> MonthlyReport:
    """The coordinator submits a month; its activities are locked from now on."""
    require_event_dates({"報告の月": month})
    month = month_start(month)
    with set_actor(by):
        coordinator = _serialise(coordinator)
        if month > month_start(timezone.localdate()):
            raise DomainError("これから始まる月の報告は提出できません。")
        report, created = MonthlyReport.objects.select_for_update().get_or_create(
            coordinator=coordinator, month=month, defaults={"status": ReportStatus.SUBMITTED}
        )
        if not created:
            if report.status != ReportStatus.RETURNED:
                raise DomainError(f"{month_label(month)}の報告はすでに「{report.get_status_display()}」です。")
            report.status = ReportStatus.SUBMITTED
            report.save(update_fields=["status"])
        _event(report, ReportEvent.Action.SUBMIT, by)
        return report


@transaction.atomic
def report_confirm(*, report: MonthlyReport, by: User) -> MonthlyReport:
    """The organisation confirms its coordinator's report and passes it to the city."""
    with set_actor(by):
        if not (by.has_role(Role.CONTRACTOR) and by.organisation_id == report.coordinator.employer_id):
            raise DomainError(localise("報告を確認できるのは、そのコーディネーターが所属する団体の担当者です。"))
        if report.coordinator.user_id == by.pk:
            raise DomainError("自分の報告を自分で確認することはできません。団体の別の担当者が確認してください。")
        return _move(report, ReportStatus.SUBMITTED, ReportStatus.CONFIRMED, ReportEvent.Action.CONFIRM, by,
                     refusal="確認できません。")


@transaction.atomic
def report_accept(*, report: MonthlyReport, by: User) -> MonthlyReport:
    """The city accepts a report the organisation has confirmed."""
    with set_actor(by):
        if not _is_city(by):
            raise DomainError("報告を受理できるのは市の職員です。")
        return _move(report, ReportStatus.CONFIRMED, ReportStatus.ACCEPTED, ReportEvent.Action.ACCEPT, by,
                     refusal="受理できません。団体の確認が先です。")


@transaction.atomic
def report_return(*, report: MonthlyReport, by: User, comment: str) -> MonthlyReport:
    """Send a report back with a comment (the organisation before confirming, the city before
    accepting); the city may also reopen an accepted month. The month can then be edited."""
    with set_actor(by):
        if not comment.strip():
            raise DomainError("差戻しの理由を入力してください。")
        _serialise(report.coordinator)
        report = _lock(report)
        if report.status == ReportStatus.RETURNED:
            raise DomainError("この報告はすでに差し戻されています。")
        if _is_city(by):
            # The city sends back what the organisation confirmed, or reopens an accepted month.
            if report.status == ReportStatus.SUBMITTED:
                raise DomainError("団体の確認前の報告は、まず団体が確認・差戻しをします。")
        elif by.has_role(Role.CONTRACTOR) and by.organisation_id == report.coordinator.employer_id:
            if report.status != ReportStatus.SUBMITTED:
                raise DomainError("団体の確認後の報告は、市だけが差し戻せます。")
        else:
            raise DomainError("この報告を差し戻すことはできません。")
        action = ReportEvent.Action.REOPEN if report.status == ReportStatus.ACCEPTED else ReportEvent.Action.RETURN
        report.status = ReportStatus.RETURNED
        report.comment = comment.strip()
        report.save(update_fields=["status", "comment"])
        _event(report, action, by, comment.strip())
        return report


# --- 社会資源・地域ニーズ ---------------------------------------------------------------------

@transaction.atomic
def resource_save(*, resource: SocialResource, by: User) -> SocialResource:
    """Register or edit a social resource (as its form built it); a new one is registered by the
    organisation of whoever enters it."""
    with set_actor(by):
        if resource.pk is None and resource.registered_by_id is None:
            resource.registered_by_id = by.organisation_id
        resource.public_phone = normalise_phone(resource.public_phone or "")
        problems = public_listing_problems(resource)
        if problems:
            raise DomainError(next(iter(problems.values())))
        resource.save()
        return resource


@transaction.atomic
def need_save(*, need: Need, coordinator: Coordinator, by: User) -> Need:
    """Record or edit a regional need; a new one is recorded by the coordinator entering it."""
    with set_actor(by):
        if need.recorded_by_id is None:
            need.recorded_by = coordinator
        need.save()
        return need


@transaction.atomic
def match_save(*, match: Match, need: Need, coordinator: Coordinator, by: User) -> Match:
    """Connect a need to a resource; a match that worked marks the need as met."""
    with set_actor(by):
        match.need, match.coordinator = need, coordinator
        match.save()
        if match.outcome == MatchOutcome.MATCHED and need.status != NeedStatus.MET:
            need.status = NeedStatus.MET
            need.save(update_fields=["status"])
        return match


# --- 現地での記録（電波のない所で端末に保存し、あとで送る: activities/field.py） -----------------------

T = TypeVar("T", Activity, Need, SocialResource)

FIELD_KEY_TAKEN = "この記録は送信できませんでした（識別子が別の記録のものです）。端末の記録を破棄して、入力し直してください。"


def _owns(record: Activity | Need | SocialResource, coordinator: Coordinator, by: User) -> bool:
    """Whether an entry's key names a record of this coordinator (a resource: of their organisation,
    the only owner a resource records)."""
    if isinstance(record, Activity):
        return record.coordinator_id == coordinator.pk
    if isinstance(record, Need):
        return record.recorded_by_id == coordinator.pk
    return by.organisation_id is not None and record.registered_by_id == by.organisation_id


def stored_by_key(model: type[T], key: uuid.UUID, *, coordinator: Coordinator, by: User) -> T | None:
    """The record an earlier sending of this key made, if any; a key of someone else's is refused."""
    existing = model._default_manager.filter(client_key=key).first()
    if existing is not None and not _owns(existing, coordinator, by):
        raise DomainError(FIELD_KEY_TAKEN)
    return existing


def _once_by_key(model: type[T], key: uuid.UUID, create: Callable[[], T], *, coordinator: Coordinator,
                 by: User) -> tuple[T, bool]:
    """The record the phone's key names: created now (``True``), or the one an earlier sending of the
    same key created (``False``): a resend after a lost answer, or two tabs at once. The unique key in
    the database decides: of two inserts of one key, the second waits for the first and then fails."""
    existing = stored_by_key(model, key, coordinator=coordinator, by=by)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = stored_by_key(model, key, coordinator=coordinator, by=by)
        if existing is None:
            raise
        return existing, False


def activity_log_once(*, key: uuid.UUID, coordinator: Coordinator, by: User, **values: Any) -> tuple[Activity, bool]:
    return _once_by_key(Activity, key, lambda: activity_log(coordinator=coordinator, by=by, client_key=key, **values),
                        coordinator=coordinator, by=by)


def need_save_once(*, key: uuid.UUID, need: Need, coordinator: Coordinator, by: User) -> tuple[Need, bool]:
    def create() -> Need:
        need.client_key = key
        return need_save(need=need, coordinator=coordinator, by=by)

    return _once_by_key(Need, key, create, coordinator=coordinator, by=by)


def resource_save_once(*, key: uuid.UUID, resource: SocialResource, coordinator: Coordinator,
                       by: User) -> tuple[SocialResource, bool]:
    def create() -> SocialResource:
        resource.client_key = key
        return resource_save(resource=resource, by=by)

    return _once_by_key(SocialResource, key, create, coordinator=coordinator, by=by)
