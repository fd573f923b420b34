"""The meeting's papers as PDFs: the notice (開催通知), one letter per invitee without e-mail,
and the minutes (or, for a closed meeting, its outline)."""

from __future__ import annotations

from django.utils import timezone

from forms_pdf.rendering import RenderedDocument, render_pdf
from municipality.models import Municipality

from .models import Meeting


def _context(meeting: Meeting) -> dict:
    return {"meeting": meeting, "municipality": Municipality.objects.current(), "issued_on": timezone.localdate(),
            "agenda": list(meeting.agenda.all()),
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
