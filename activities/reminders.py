"""The activity reports' reminder (SPEC §8): last month's report not in by the due day."""

from __future__ import annotations

from reminders.models import Reason
from reminders.registry import ReminderKind
from reminders.scan import Planned, Scan, text, url_for, wareki

from .models import month_label
from .selectors import coordinators_without_report, previous_month, report_due


def monthly_reports(scan: Scan) -> list[Planned]:
    """Last month's report not in by the due day: the coordinator and the organisation."""
    due_on = report_due(scan.today)
    if scan.today <= due_on:  # the due day itself is still in time
        return []
    month = previous_month(scan.today)
    label, due_label = month_label(month), wareki(due_on)
    planned = []
    for c in coordinators_without_report(month):
        key, step = f"coordinators.coordinator:{c.pk}", month.strftime("%Y-%m")
        url = url_for("activities:report", c.pk, month.year, month.month)
        for user in scan.contractors.get(c.employer_id, []):
            planned.append(Planned(
                user.email, user.pk, Reason.MONTHLY_REPORT, key, step,
                text("activities/reminders/monthly_report_subject.txt", month=label, name=c.name),
                text("activities/reminders/monthly_report_body.txt", month=label, name=c.name, due_on=due_label),
                url))
        if c.user is not None and c.user.is_active:  # the coordinator, addressed in person
            planned.append(Planned(
                c.user.email, c.user.pk, Reason.MONTHLY_REPORT, key, step,
                text("activities/reminders/monthly_report_coordinator_subject.txt", month=label),
                text("activities/reminders/monthly_report_coordinator_body.txt", month=label, name=c.name,
                       due_on=due_label),
                url))
    return planned


KINDS = [ReminderKind(Reason.MONTHLY_REPORT, due=monthly_reports, digest="overdue")]
