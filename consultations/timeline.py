"""The case page's one timeline (支援経過): contacts, consent, assessments, plan versions,
meetings and 連携シート merged newest first, a page at a time.

Each source is one function returning small typed events, ordered newest first and limited to
the rows the page window can need (offset + page size + 1). Merging those lists and cutting the
window gives the page with one query per source, however many rows a case has. Another source
is one more function appended to ``SOURCES``.

Deep pages cost more rows per source (not more queries); a case with thousands of events is read
a few pages at a time, and the PDF of a period is the way to read far back.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .models import Case, SupportMeeting, TimelineEntry

PAGE_SIZE = 20


@dataclass(frozen=True, order=True)
class TimelineEvent:
    """One line of the timeline. ``at`` orders it; a date-only event (a meeting, a consent) sits at
    the end of its day, above the contacts of that day."""

    at: dt.datetime
    kind: str = field(compare=False)  # entry, consent, consent_withdrawn, assessment, plan, conference, support_meeting
    key: int = field(compare=True)  # a tie-breaker that keeps the order stable
    title: str = field(compare=False)
    obj: Any = field(compare=False, default=None)
    dated_only: bool = field(compare=False, default=False)


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


Source = Callable[[Case, int], list[TimelineEvent]]


def entries(case: Case, limit: int) -> list[TimelineEvent]:
    correction = TimelineEntry.objects.filter(corrects=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    rows = (case.timeline_entries.select_related("recorded_by", "agency__organisation", "corrects")
            .annotate(correction_pk=Subquery(correction)).order_by("-contact_at", "-pk")[:limit])
    return [TimelineEvent(e.contact_at, "entry", e.pk, e.get_method_display(), e) for e in rows]


def consents(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(_end_of(c.given_on), "consent", c.pk, f"本人同意（{c.get_method_display()}）", c, True)
            for c in case.consents.order_by("-given_on", "-pk")[:limit]]


def consent_withdrawals(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(_end_of(c.withdrawn_on), "consent_withdrawn", c.pk, "本人同意の撤回", c, True)
            for c in case.consents.filter(withdrawn_on__isnull=False).order_by("-withdrawn_on", "-pk")[:limit]
            if c.withdrawn_on is not None]


def assessments(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(a.created_at, "assessment", a.pk, f"アセスメント第{a.version}版", a)
            for a in case.assessments.order_by("-created_at", "-pk")[:limit]]


def plans(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(p.created_at, "plan", p.pk, f"支援プラン第{p.version}版（{p.get_status_display()}）", p)
            for p in case.plans.order_by("-created_at", "-pk")[:limit]]


def conferences(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(_end_of(c.held_on), "conference", c.pk, f"重層的支援会議（{c.get_timing_display()}）", c, True)
            for c in case.conferences.select_related("plan").order_by("-held_on", "-pk")[:limit]]


def support_meetings(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(_end_of(m.held_on), "support_meeting", m.pk, "支援会議", m, True)
            for m in SupportMeeting.objects.filter(cases=case).order_by("-held_on", "-pk")[:limit]]


def intake(case: Case, limit: int) -> list[TimelineEvent]:
    """相談受付: the case itself (already loaded, no query)."""
    return [TimelineEvent(_end_of(case.received_on), "intake", case.pk, f"相談受付（{case.get_route_display()}）", case, True)]


def referrals_sent(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(r.sent_at, "referral", r.pk,
                          f"連携シートの送付（{r.agency.organisation.name}、{r.get_basis_display()}）", r)
            for r in case.referrals.select_related("agency__organisation").order_by("-sent_at", "-pk")[:limit]]


def referrals_answered(case: Case, limit: int) -> list[TimelineEvent]:
    return [TimelineEvent(r.answered_at, "referral_answer", r.pk,
                          f"連携シートの{r.get_status_display()}（{r.agency.organisation.name}）", r)
            for r in case.referrals.filter(answered_at__isnull=False).select_related("agency__organisation")
            .order_by("-answered_at", "-pk")[:limit] if r.answered_at is not None]


SOURCES: list[Source] = [entries, intake, consents, consent_withdrawals, assessments, plans, conferences, support_meetings,
                         referrals_sent, referrals_answered]


@dataclass(frozen=True)
class TimelinePage:
    events: list[TimelineEvent]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(value: Any) -> int:
    """``?tl_page=``: a bad or out-of-range value is page 1 (never an error)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= 10_000 else 1


def timeline_page(case: Case, number: int = 1, *, page_size: int = PAGE_SIZE,
                  sources: list[Source] | None = None) -> TimelinePage:
    """One page of the case's timeline, newest first: one query per source."""
    offset = (number - 1) * page_size
    limit = offset + page_size + 1  # one more than the window: is there a next page?
    merged = heapq.merge(*(source(case, limit) for source in (sources or SOURCES)), reverse=True)
    window = [event for _, event in zip(range(limit), merged, strict=False)][offset:]
    return TimelinePage(window[:page_size], number, len(window) > page_size)


def entries_in_period(case: Case, start: dt.date, end: dt.date) -> list[TimelineEntry]:
    """The entries of a period (both days included, Asia/Tokyo), oldest first, for the PDF."""
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    correction = TimelineEntry.objects.filter(corrects=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    return list(case.timeline_entries.filter(contact_at__gte=since, contact_at__lt=until)
                .select_related("recorded_by", "agency__organisation", "corrects")
                .annotate(correction_pk=Subquery(correction)).order_by("contact_at", "pk"))
