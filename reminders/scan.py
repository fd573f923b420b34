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


def _city_staff():
    from municipality.models import User
    from municipality.roles import Role

    return list(User.objects.filter(groups__name=Role.CITY_STAFF.value, is_active=True).exclude(email=""))


def _contractor_staff(organisation_ids):
    from municipality.models import User
    from municipality.roles import Role

    users = User.objects.filter(groups__name=Role.CONTRACTOR.value, is_active=True,
                                organisation_id__in=organisation_ids).exclude(email="")
    by_org: dict[int, list] = {}
    for user in users:
        by_org.setdefault(user.organisation_id, []).append(user)
    return by_org


def certificates_and_contracts(today: dt.date) -> list[Planned]:
    """Certificates and contracts ending in 60 and 30 days: the organisation and the city."""
    from coordinators.models import Certificate, CertificateStatus, Contract, ContractStatus

    dates = {today + dt.timedelta(days=d): d for d in settings.REMINDER_EXPIRY_DAYS}
    certificates = list(Certificate.objects.filter(status=CertificateStatus.VALID, valid_until__in=list(dates))
                        .select_related("coordinator"))
    contracts = list(Contract.objects.filter(status=ContractStatus.ACTIVE, end__in=list(dates))
                     .select_related("organisation"))
    staff = _contractor_staff({c.coordinator.employer_id for c in certificates} | {c.organisation_id for c in contracts})
    city = _city_staff()
    planned = []
    for c in certificates:
        d = dates[c.valid_until]
        subject = f"【証の有効期間】第{c.number}号（{format_wareki(c.valid_until)}まで・{d}日前）"
        body = f"{c.coordinator.name}さんのコーディネーター証（第{c.number}号）は{format_wareki(c.valid_until)}で有効期間が終わります。"
        for user in [*staff.get(c.coordinator.employer_id, []), *city]:
            planned.append(Planned(user.email, user.pk, "certificate_expiry", f"coordinators.certificate:{c.pk}",
                                   f"{d}日前", subject, body))
    for c in contracts:
        d = dates[c.end]
        subject = f"【委託期間の終了】{c.title}（{format_wareki(c.end)}まで・{d}日前）"
        body = f"{c.organisation.name}との{c.title}は{format_wareki(c.end)}で委託期間が終わります。"
        for user in [*staff.get(c.organisation_id, []), *city]:
            planned.append(Planned(user.email, user.pk, "contract_expiry", f"coordinators.contract:{c.pk}",
                                   f"{d}日前", subject, body))
    return planned


def training(today: dt.date) -> list[Planned]:
    """Coordinators past the set time without a required course: the coordinator and the organisation (monthly)."""
    from coordinators.selectors import coordinators_missing_required_training

    missing = list(coordinators_missing_required_training(day=today).select_related("user"))
    staff = _contractor_staff({c.employer_id for c in missing})
    planned = []
    for c in missing:
        subject = f"【研修の受講】{c.name}さん：必須研修の受講記録がありません"
        body = f"{c.name}さんは、選任から定められた期間を過ぎても必須研修の受講記録がありません。受講の予定を立ててください。"
        recipients = [*staff.get(c.employer_id, []), *([c.user] if c.user and c.user.email else [])]
        for user in recipients:
            planned.append(Planned(user.email, user.pk, "training", f"coordinators.coordinator:{c.pk}",
                                   today.strftime("%Y-%m"), subject, body))
    return planned


def vacancies(today: dt.date) -> list[Planned]:
    """Areas still waiting for a successor coordinator: the city, weekly while it lasts."""
    from coordinators.selectors import areas_awaiting_successor

    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    planned = []
    waiting = areas_awaiting_successor(day=today)
    for user in _city_staff() if waiting else []:
        for coverage in waiting:
            planned.append(Planned(
                user.email, user.pk, "vacancy", f"municipality.area:{coverage.area.pk}", week,
                f"【後任未選任】{coverage.area.name}",
                f"{coverage.area.name}は{format_wareki(coverage.vacant_since)}の解任以来、後任のコーディネーターが選任されていません。",
                "/admin/coordinators/appointmentnotice/waiting/"))
    return planned


def monthly_reports(today: dt.date) -> list[Planned]:
    """Last month's report not submitted by the due day: the coordinator and the organisation."""
    from activities.selectors import dashboard
    from municipality.models import Municipality

    if today.day < Municipality.objects.current().report_due_day:
        return []
    board = dashboard(today=today)
    staff = _contractor_staff({c.employer_id for c in board.not_submitted})
    planned = []
    month = board.report_month
    for c in board.not_submitted:
        subject = f"【月次報告】{month.year}年{month.month}月の報告が未提出です（{c.name}さん）"
        body = f"{c.name}さんの{month.year}年{month.month}月の活動報告が提出されていません。提出をお願いします。"
        recipients = [*staff.get(c.employer_id, []), *([c.user] if c.user and c.user.email else [])]
        for user in recipients:
            planned.append(Planned(user.email, user.pk, "monthly_report", f"coordinators.coordinator:{c.pk}",
                                   month.strftime("%Y-%m"), subject, body, "/portal/activities/reports/"))
    return planned


def weekly_digest(today: dt.date) -> list[Planned]:
    """Every Monday, city staff get one mail listing everything overdue (from the other scans)."""
    if today.weekday() != 0:
        return []
    items = [p for kind in (certificates_and_contracts, training, vacancies, monthly_reports) for p in kind(today)]
    lines = sorted({p.subject for p in items})
    if not lines:
        return []
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    body = "今週の時点で対応が必要なもの：\n" + "\n".join(f"・{line}" for line in lines)
    return [Planned(user.email, user.pk, "weekly_digest", "municipality.digest", week,
                    f"【週のまとめ】対応が必要なもの {len(lines)}件", body, "/admin/coordinators/appointmentnotice/waiting/")
            for user in _city_staff()]


KINDS = [council_terms, meetings, monitoring, certificates_and_contracts, training, vacancies, monthly_reports,
         weekly_digest]


def due(today: dt.date) -> list[Planned]:
    return [p for kind in KINDS for p in kind(today)]


def not_yet_planned(planned: list[Planned]):
    from .models import Delivery

    if not planned:
        return []
    existing = set(Delivery.objects.filter(Q(object_key__in={p.object_key for p in planned})).values_list(
        "recipient", "reason", "object_key", "step"))
    return [p for p in planned if (p.email, p.reason, p.object_key, p.step) not in existing]
