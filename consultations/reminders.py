"""The case work's reminders (SPEC §8): a support plan's monitoring date has come; an urgent case has
had no 支援会議 by its date. The mail names the case by its number only: no personal data leaves the
case pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.db.models.functions import TruncDate

from municipality.models import User
from municipality.roles import Role
from reminders.models import Delivery, Reason
from reminders.registry import ReminderKind
from reminders.scan import Planned, Scan, object_id, step_day, text, url_for, wareki

from .models import CaseUrgency, Consent, PlanStatus, SupportMeeting, SupportPlan, current_consent_q


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
        users = {u.pk: u for u in case.assigned_staff.all()}
        if case.csw is not None:
            users[case.csw.pk] = case.csw
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
         ReminderKind(Reason.URGENT_MEETING, due=urgent_meeting, still_due=urgent_meeting_still_due)]
