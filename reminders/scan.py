"""Find what is due today. Each kind returns planned messages; enqueue() turns them into
deliveries and notices, each unique, so a second scan (or a parallel one) adds nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from municipality.wareki import format_wareki


@dataclass(frozen=True)
class Planned:
    email: str
    user_id: int | None
    reason: str
    object_key: str
    step: str
    subject: str
    body: str
    url: str = ""


def council_terms(today: dt.date) -> list[Planned]:
    """Council terms ending in 120, 60 and 30 days (members and the secretariat). A reappointed
    member's old term is not reminded of: the new term carries the reminders."""
    from councils.models import Membership

    planned = []
    days = settings.REMINDER_TERM_DAYS
    ends = {today + dt.timedelta(days=d): d for d in days}
    memberships = (
        Membership.objects.filter(end__in=list(ends), reappointed_as__isnull=True)
        .select_related("person", "council").prefetch_related("council__secretariat")
    )
    for m in memberships:
        d = ends[m.end]
        subject = f"【任期満了のお知らせ】{m.council.name}（{format_wareki(m.end)}まで・{d}日前）"
        body = (f"{m.person.name}様の{m.council.name}構成員としての任期は{format_wareki(m.end)}に満了します"
                f"（あと{d}日）。再任または後任の手続きをお願いします。")
        key = f"councils.membership:{m.pk}"
        if m.person.email:
            planned.append(Planned(m.person.email, None, "term_expiry", key, f"{d}日前", subject, body))
        for user in m.council.secretariat.all():
            if user.email:
                planned.append(Planned(user.email, user.pk, "term_expiry", key, f"{d}日前", subject, body,
                                       f"/portal/councils/{m.council_id}/"))
    return planned


def meetings(today: dt.date) -> list[Planned]:
    """Meetings in 7 days and tomorrow: every invitee who has not declined."""
    from councils.models import Invitation, Response

    days = settings.REMINDER_MEETING_DAYS
    dates = {today + dt.timedelta(days=d): d for d in days}
    invitations = (
        Invitation.objects.filter(meeting__date__in=list(dates)).exclude(response=Response.DECLINED)
        .exclude(person__email="").select_related("meeting__council", "person")
    )
    planned = []
    for i in invitations:
        d, meeting = dates[i.meeting.date], i.meeting
        when = f"{format_wareki(meeting.date)} {meeting.start_time:%H:%M}"
        planned.append(Planned(
            i.person.email, None, "meeting", f"councils.meeting:{meeting.pk}", f"{d}日前",
            f"【開催のお知らせ】{meeting.title}（{when}）",
            f"{i.person.name}様\n{meeting.council.name}の会議を{when}から{meeting.place}で開催します。",
        ))
    return planned


def monitoring(today: dt.date) -> list[Planned]:
    """Support plans whose monitoring date has come (assigned staff and the CSW), while consent lasts."""
    from consultations.models import Consent, PlanStatus, SupportPlan, current_consent_q

    plans = (
        SupportPlan.objects.filter(status=PlanStatus.ACTIVE, monitoring_on__lte=today)
        .filter(case__consents__in=Consent.objects.filter(current_consent_q(today)))
        .distinct().select_related("case__csw").prefetch_related("case__assigned_staff")
    )
    planned = []
    for plan in plans:
        users = {u for u in plan.case.assigned_staff.all()} | ({plan.case.csw} if plan.case.csw else set())
        for user in users:
            if user.email:
                planned.append(Planned(
                    user.email, user.pk, "monitoring", f"consultations.plan:{plan.pk}", plan.monitoring_on.isoformat(),
                    f"【モニタリングの時期】{plan.case}", f"{plan.case}のプラン第{plan.version}版のモニタリングの時期"
                    f"（{format_wareki(plan.monitoring_on)}）です。", f"/portal/cases/{plan.case_id}/",
                ))
    return planned


KINDS = [council_terms, meetings, monitoring]


def due(today: dt.date) -> list[Planned]:
    return [p for kind in KINDS for p in kind(today)]


def not_yet_planned(planned: list[Planned]):
    from .models import Delivery

    if not planned:
        return []
    existing = set(Delivery.objects.filter(Q(object_key__in={p.object_key for p in planned})).values_list(
        "recipient", "reason", "object_key", "step"))
    return [p for p in planned if (p.email, p.reason, p.object_key, p.step) not in existing]
