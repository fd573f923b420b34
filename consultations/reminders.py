"""The case work's reminders (SPEC §8): a support plan's monitoring date has come, and its 評価 is
not written a week later; an urgent case has had no 支援会議 by its date; a case with an active plan
whose 支援経過 has gone silent; a 連携シート is still unanswered. The texts name the case by its number
only: no personal data leaves the case pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.db.models.functions import TruncDate
from django.utils import timezone

from municipality.models import User
from municipality.roles import Role
from reminders.models import Delivery, Reason
from reminders.registry import ReminderKind
from reminders.scan import Planned, Scan, object_id, step_day, text, url_for, wareki

from .models import (
    CaseUrgency,
    Consent,
    Evaluation,
    PlanStatus,
    Referral,
    ReferralStatus,
    SupportMeeting,
    SupportPlan,
    current_consent_q,
)
from .services import working_days_after, working_days_before


def _case_staff(case) -> dict[int, User]:
    """A case's assigned staff and its CSW, once each (from the prefetched rows: no query)."""
    users = {u.pk: u for u in case.assigned_staff.all()}
    if case.csw is not None:
        users[case.csw.pk] = case.csw
    return users


def monitoring(scan: Scan) -> list[Planned]:
    """Active plans whose monitoring date has come: assigned staff and the CSW, only while the
    person's consent lasts (a withdrawn or expired consent stops them)."""
    current = Consent.objects.filter(current_consent_q(scan.today)).values("case_id")
    plans = (
        SupportPlan.objects.filter(status=PlanStatus.ACTIVE, monitoring_on__lte=scan.today, case_id__in=current)
        .select_related("case__csw").prefetch_related("case__assigned_staff").order_by("pk")
    )
    planned = []
    for plan in plans:
        case = plan.case  # its number only: no personal data leaves the case pages
        users = _case_staff(case)
        subject = text("consultations/reminders/monitoring_subject.txt", case=str(case))
        body = text("consultations/reminders/monitoring_body.txt", case=str(case), version=str(plan.version),
                      monitoring_on=wareki(plan.monitoring_on))
        for user in users.values():
            if user.is_active:
                planned.append(Planned(
                    user.email, user.pk, Reason.MONITORING, f"consultations.plan:{plan.pk}",
                    plan.monitoring_on.isoformat(), subject, body, url_for("cases:detail", case.pk),
                ))
    return planned


def monitoring_still_due(delivery: Delivery, today: dt.date) -> bool:
    """The plan still active, its monitoring date unchanged, and the person's consent current."""
    pk, day = object_id(delivery.object_key), step_day(delivery.step)
    if pk is None or day is None:
        return False
    return SupportPlan.objects.filter(
        pk=pk, status=PlanStatus.ACTIVE, monitoring_on=day,
        case_id__in=Consent.objects.filter(current_consent_q(today)).values("case_id"),
    ).exists()


# --- 評価 not written a week after monitoring ---

EVALUATION_GRACE = dt.timedelta(days=7)


def _unevaluated(plans):
    """Plans with no evaluation for their current monitoring date."""
    return plans.exclude(Exists(Evaluation.objects.filter(plan=OuterRef("pk"),
                                                          for_monitoring_on=OuterRef("monitoring_on"))))


def evaluation_overdue(scan: Scan) -> list[Planned]:
    """A week after an active plan's monitoring date, still no evaluation (評価シート) for it: its
    assigned staff and the CSW, while the person's consent lasts. The text names the case number only."""
    current = Consent.objects.filter(current_consent_q(scan.today)).values("case_id")
    plans = _unevaluated(
        SupportPlan.objects.filter(status=PlanStatus.ACTIVE, monitoring_on__lte=scan.today - EVALUATION_GRACE,
                                   case_id__in=current)
    ).select_related("case__csw").prefetch_related("case__assigned_staff").order_by("pk")
    planned = []
    for plan in plans:
        case = plan.case
        users = _case_staff(case)
        subject = text("consultations/reminders/evaluation_subject.txt", case=str(case))
        body = text("consultations/reminders/evaluation_body.txt", case=str(case), version=str(plan.version),
                    monitoring_on=wareki(plan.monitoring_on))
        for user in users.values():
            if user.is_active:
                planned.append(Planned(
                    user.email, user.pk, Reason.EVALUATION, f"consultations.plan:{plan.pk}",
                    plan.monitoring_on.isoformat(), subject, body, url_for("cases:evaluation", case.pk),
                ))
    return planned


def evaluation_still_due(delivery: Delivery, today: dt.date) -> bool:
    """The plan still active at that monitoring date, still without its evaluation, consent current."""
    pk, day = object_id(delivery.object_key), step_day(delivery.step)
    if pk is None or day is None:
        return False
    return _unevaluated(SupportPlan.objects.filter(
        pk=pk, status=PlanStatus.ACTIVE, monitoring_on=day,
        case_id__in=Consent.objects.filter(current_consent_q(today)).values("case_id"),
    )).exists()


# --- 連携シート (referrals) ---

REFERRAL_WORKING_DAYS = 5


def referral_unanswered(scan: Scan) -> list[Planned]:
    """連携シート still unanswered (neither 受理 nor 返戻) 5 working days after sending: a notice to
    the sender. Working days are weekdays (no holiday calendar in the project). The text names the
    case by number and the agency, never the person."""
    latest = working_days_before(scan.today, REFERRAL_WORKING_DAYS)
    referrals = (Referral.objects.filter(status=ReferralStatus.SENT, sent_at__date__lte=latest)
                 .select_related("case", "agency__organisation", "sent_by").order_by("pk"))
    planned = []
    for referral in referrals:
        sender = referral.sent_by
        if not sender.is_active:
            continue
        sent_on = timezone.localdate(referral.sent_at)
        due = working_days_after(sent_on, REFERRAL_WORKING_DAYS)
        subject = text("consultations/reminders/referral_subject.txt", case=str(referral.case))
        body = text("consultations/reminders/referral_body.txt", case=str(referral.case), sent_on=wareki(sent_on),
                    agency=str(referral.agency), number=str(referral.pk))
        planned.append(Planned(sender.email, sender.pk, Reason.REFERRAL, f"consultations.referral:{referral.pk}",
                               due.isoformat(), subject, body, url_for("cases:referral_detail", referral.pk)))
    return planned


def referral_still_due(delivery: Delivery, today: dt.date) -> bool:
    """Not once the agency accepted or returned the sheet."""
    pk = object_id(delivery.object_key)
    return pk is not None and Referral.objects.filter(pk=pk, status=ReferralStatus.SENT).exists()



# --- 支援経過 silent on an active plan ---

def _silent_plans(today: dt.date, days: int, **filters):
    """Active plans with their case's last contact and the day the plan came into force (its
    latest 策定・変更 meeting), those silent for ``days`` days at least: one query."""
    from django.db.models import DateTimeField, Max, OuterRef, Q, Subquery
    from django.utils import timezone

    from .models import CaseConference, TimelineEntry

    cutoff = today - dt.timedelta(days=days)
    # The end of the cutoff day: a contact on that day or before counts as silent since then.
    cutoff_end = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time.min))
    last_contact = (TimelineEntry.objects.filter(case_id=OuterRef("case_id")).values("case_id")
                    .annotate(m=Max("contact_at")).values("m"))
    in_force = (CaseConference.objects.filter(plan_id=OuterRef("pk")).values("plan_id")
                .annotate(m=Max("held_on")).values("m"))
    return (SupportPlan.objects.filter(status=PlanStatus.ACTIVE, **filters)
            .annotate(last_contact=Subquery(last_contact, output_field=DateTimeField()),
                      in_force_on=Subquery(in_force))
            .filter(Q(last_contact__isnull=True) | Q(last_contact__lt=cutoff_end))
            .filter(Q(in_force_on__isnull=True) | Q(in_force_on__lte=cutoff)))


def _silent_since(plan) -> dt.date:
    from django.utils import timezone

    contact_day = timezone.localdate(plan.last_contact) if plan.last_contact else None
    candidates = [d for d in (contact_day, plan.in_force_on) if d]
    return max(candidates) if candidates else timezone.localdate(plan.created_at)


def timeline_silent(scan: Scan) -> list[Planned]:
    """Active plans whose 支援経過 has had no entry for CASE_SILENT_DAYS days (counted from the last
    entry, or from the day the plan came into force): a notice to the assigned staff and the CSW.
    Notices only, no mail; the text names the case by its number. A new entry starts the count
    again, so a later silence is reminded of once more."""
    from django.conf import settings

    days = settings.CASE_SILENT_DAYS
    plans = (_silent_plans(scan.today, days).select_related("case__csw").prefetch_related("case__assigned_staff")
             .order_by("pk"))
    planned = []
    for plan in plans:
        since = _silent_since(plan)
        if (scan.today - since).days < days:
            continue
        case = plan.case
        users = _case_staff(case)
        subject = text("consultations/reminders/timeline_silent_subject.txt", case=str(case))
        body = text("consultations/reminders/timeline_silent_body.txt", case=str(case), days=str(days),
                    since=wareki(since))
        for user in users.values():
            if user.is_active:
                planned.append(Planned(
                    "", user.pk, Reason.TIMELINE_SILENT, f"consultations.plan:{plan.pk}",
                    f"{days}日 {since.isoformat()}", subject, body, url_for("cases:detail", case.pk) + "#timeline",
                ))
    return planned


def timeline_silent_still_due(delivery: Delivery, today: dt.date) -> bool:
    """The plan still active and still silent since the same day (no entry written meanwhile)."""
    from django.conf import settings

    pk, since = object_id(delivery.object_key), step_day(delivery.step)
    if pk is None or since is None:
        return False
    plan = _silent_plans(today, settings.CASE_SILENT_DAYS, pk=pk).first()
    return plan is not None and _silent_since(plan) == since


# --- 緊急: no 支援会議 by its date ---

def _met_since() -> Exists:
    """A 支援会議 including the case, held on or after the day it was marked urgent."""
    return Exists(SupportMeeting.objects.filter(cases=OuterRef("case_id"), held_on__gte=OuterRef("marked_on")))


def urgent_meeting(scan: Scan) -> list[Planned]:
    """Urgent cases with no 支援会議 by their date (seed 003 支援会議 ③): assigned staff, the CSW
    and the team leads of their organisations. Three queries, whatever the number of cases."""
    urgencies = list(
        CaseUrgency.objects.filter(cleared_at__isnull=True, meeting_due_on__lt=scan.today)
        .annotate(marked_on=TruncDate("marked_at")).filter(~_met_since())
        .select_related("case__csw").prefetch_related("case__assigned_staff").order_by("pk")
    )
    org_ids = {u.organisation_id for urgency in urgencies for u in urgency.case.assigned_staff.all() if u.organisation_id}
    org_ids |= {urgency.case.csw.organisation_id for urgency in urgencies
                if urgency.case.csw is not None and urgency.case.csw.organisation_id}
    leads_by_org: dict[int, list] = {}
    for lead in (User.objects.filter(organisation_id__in=org_ids, is_active=True, groups__name=Role.CASE_LEAD.value)
                 .filter(groups__name=Role.CASE_WORKER.value).distinct()):
        leads_by_org.setdefault(lead.organisation_id, []).append(lead)
    planned = []
    for urgency in urgencies:
        case = urgency.case  # its number only
        users = _case_staff(case)
        for org in {u.organisation_id for u in users.values() if u.organisation_id}:
            users.update({lead.pk: lead for lead in leads_by_org.get(org, [])})
        subject = text("consultations/reminders/urgent_meeting_subject.txt", case=str(case))
        body = text("consultations/reminders/urgent_meeting_body.txt", case=str(case),
                    due_on=wareki(urgency.meeting_due_on))
        for user in users.values():
            if user.is_active:
                planned.append(Planned(
                    user.email, user.pk, Reason.URGENT_MEETING, f"consultations.caseurgency:{urgency.pk}",
                    urgency.meeting_due_on.isoformat(), subject, body, url_for("cases:detail", case.pk),
                ))
    return planned


def urgent_meeting_still_due(delivery: Delivery, today: dt.date) -> bool:
    """Still urgent, with the same date, and still no 支援会議 since it was marked."""
    pk, day = object_id(delivery.object_key), step_day(delivery.step)
    if pk is None or day is None:
        return False
    return (CaseUrgency.objects.filter(pk=pk, cleared_at__isnull=True, meeting_due_on=day)
            .annotate(marked_on=TruncDate("marked_at")).filter(~_met_since()).exists())


KINDS = [ReminderKind(Reason.MONITORING, due=monitoring, still_due=monitoring_still_due),
         ReminderKind(Reason.EVALUATION, due=evaluation_overdue, still_due=evaluation_still_due, digest=None),
         ReminderKind(Reason.URGENT_MEETING, due=urgent_meeting, still_due=urgent_meeting_still_due),
         ReminderKind(Reason.TIMELINE_SILENT, due=timeline_silent, still_due=timeline_silent_still_due),
         ReminderKind(Reason.REFERRAL, due=referral_unanswered, still_due=referral_still_due)]
