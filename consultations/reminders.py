"""The case work's reminders (SPEC §8): a support plan's monitoring date has come; a 連携シート is
still unanswered. The mail names the case by its number only: no personal data leaves the case pages."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reminders.models import Delivery, Reason
from reminders.registry import ReminderKind
from reminders.scan import Planned, Scan, object_id, step_day, text, url_for, wareki

from .models import Consent, PlanStatus, Referral, ReferralStatus, SupportPlan, current_consent_q
from .services import working_days_after, working_days_before


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


KINDS = [ReminderKind(Reason.MONITORING, due=monitoring, still_due=monitoring_still_due)]


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


KINDS.append(ReminderKind(Reason.REFERRAL, due=referral_unanswered, still_due=referral_still_due))
