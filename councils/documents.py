"""The meeting's papers as PDFs: the notice (開催通知), one letter per invitee without e-mail,
and the minutes (or, for a closed meeting, its outline)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from forms_pdf.kinds import register_kind
from forms_pdf.rendering import RenderedDocument, render_pdf
from municipality.models import Municipality
from municipality.wareki import format_wareki

from . import selectors
from .models import Meeting
from .selectors import rsvp_contact


def _context(meeting: Meeting) -> dict:
    return {"meeting": meeting, "municipality": Municipality.objects.current(), "issued_on": timezone.localdate(),
            "agenda": list(meeting.agenda.all()), "papers": list(selectors.papers_current(meeting)),
            "contact": rsvp_contact(meeting),
            # A council's notice goes to its members; another body's to those it invites.
            "notice_addressee": "構成員 各位" if meeting.council_id else "関係者 各位"}


def notice_pdf(meeting: Meeting) -> RenderedDocument:
    return render_pdf("councils/notice_pdf.html", _context(meeting), filename=f"meeting-{meeting.pk}-notice.pdf")


def letters_pdf(meeting: Meeting) -> RenderedDocument:
    letters = [{"person": i.person, "addressee": f"{i.person.name} 様"}
               for i in meeting.invitations.select_related("person").filter(person__email="")]
    return render_pdf("councils/letters_pdf.html", {**_context(meeting), "letters": letters},
                      filename=f"meeting-{meeting.pk}-letters.pdf")


def minutes_pdf(meeting: Meeting) -> RenderedDocument:
    attended = meeting.invitations.filter(attended=True).select_related("person")
    return render_pdf("councils/minutes_pdf.html", {**_context(meeting), "attended": attended},
                      filename=f"meeting-{meeting.pk}-minutes.pdf")


# --- Approved minutes: an issued document (issue 17) ----------------------------------------
# The key is stored in IssuedDocument.kind: never change it.
APPROVED_MINUTES = register_kind(
    key="minutes", label="議事録（承認済み）", template="councils/minutes_approved_pdf.html",
)


def approved_minutes_snapshot(meeting: Meeting, *, number: int, approval: str, approved_on: dt.date,
                              replaces_number: int | None, correction_reason: str) -> dict[str, Any]:
    """What the approved minutes print, formatted as issued: later edits of the meeting, its
    attendees or the city's settings never reach a stored version."""
    attended = meeting.invitations.filter(attended=True).select_related("person")
    return {
        "municipality": Municipality.objects.current().name,
        "council": meeting.host_name,
        "title": meeting.title,
        "date": format_wareki(meeting.date),
        "time": f"{meeting.start_time:%H:%M}〜{meeting.end_time:%H:%M}",
        "place": meeting.place,
        "is_public": meeting.is_public,
        "closed_reason": meeting.closed_reason,
        "attended": [f"{i.person.name}{'（関係者）' if i.kind == 'guest' else ''}" for i in attended],
        "agenda": [f"{item.title}（第12条{item.get_topic_display()}）" for item in meeting.agenda.all()],
        "minutes": meeting.minutes,
        "decisions": meeting.decisions,
        "outline": meeting.outline,
        "number": number,
        "approval": approval,
        "approved_on": format_wareki(approved_on),
        "replaces_number": replaces_number,
        "correction_reason": correction_reason,
    }
