"""The case work's reminder (SPEC §8): a support plan's monitoring date has come. The mail names
the case by its number only: no personal data leaves the case pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from reminders.models import Delivery, Reason
from reminders.registry import ReminderKind
from reminders.scan import Planned, Scan, object_id, step_day, text, url_for, wareki

from .models import Consent, Evaluation, PlanStatus, SupportPlan, current_consent_q


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
        users = {u.pk: u for u in plan.case.assigned_staff.all()}
        if case.csw is not None:
            users[case.csw.pk] = case.csw
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
        users = {u.pk: u for u in case.assigned_staff.all()}
        if case.csw is not None:
            users[case.csw.pk] = case.csw
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


KINDS = [ReminderKind(Reason.MONITORING, due=monitoring, still_due=monitoring_still_due),
         ReminderKind(Reason.EVALUATION, due=evaluation_overdue, still_due=evaluation_still_due, digest=None)]
