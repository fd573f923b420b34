"""Every PDF of case data, rendered in one place: masked (consultations/masking.py) unless an approval
is being used, and with the footer that says who printed it, when, and whether it is masked.

The views decide who may print; this module decides what the paper shows. A template that does
not include the footer is refused here, so a new case PDF cannot go out without it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from forms_pdf.rendering import RenderedDocument, html_to_pdf
from municipality.models import Municipality
from municipality.wareki import format_wareki

from . import selectors
from .masking import MASK_ALL, Masker, masked
from .models import Case, Evaluation, OutputApproval, OutputKind, Referral, SupportMeeting

FOOTER_MARK = 'class="print-footer"'

SHEETS = {
    OutputKind.INTAKE.value: "consultations/intake_pdf.html",
    OutputKind.PLAN.value: "consultations/plan_pdf.html",
    OutputKind.CONFERENCES.value: "consultations/conferences_pdf.html",
}


@dataclass(frozen=True)
class Footer:
    by: str
    at: str
    mask: str

    @property
    def text(self) -> str:
        return f"出力：{self.by}　{self.at}　{self.mask}"


def footer_for(user: Any, approval: OutputApproval | None, now: dt.datetime | None = None) -> Footer:
    """Who printed (their name), when (Asia/Tokyo, 和暦 and time), and whether masked."""
    local = timezone.localtime(now or timezone.now())
    name = getattr(user, "name", "") or user.get_username()
    mask = f"マスクなし（承認番号 {approval.number}）" if approval is not None else "マスクあり"
    return Footer(by=name, at=f"{format_wareki(local.date())} {local:%H:%M}", mask=mask)


@dataclass(frozen=True)
class OutputRequest:
    """Which output: its kind and, for some, the record or the period."""

    kind: str
    object_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def of(cls, approval: OutputApproval) -> OutputRequest:
        return cls(approval.output, approval.object_id, approval.period_start, approval.period_end)


def render_case_output(*, case: Case, what: OutputRequest, user: Any,
                       approval: OutputApproval | None = None) -> RenderedDocument:
    """The PDF of one output of a case, masked unless ``approval`` (already marked used) unmasks items."""
    masker = Masker(frozenset(approval.items)) if approval is not None else MASK_ALL
    template, context, filename = _content(case, what, masker)
    context = {**masked(context, masker), "municipality": Municipality.objects.current(),
               "footer": footer_for(user, approval)}
    html = render_to_string(template, context)
    if FOOTER_MARK not in html:
        raise ImproperlyConfigured(f"{template} has no print footer (consultations/_pdf_footer.html)")
    return html_to_pdf(html, filename=filename)


def _content(case: Case, what: OutputRequest, masker: Masker) -> tuple[str, dict[str, Any], str]:
    from .timeline import entries_in_period

    m_case = masked(case, masker)
    kind, number = what.kind, case.number
    if kind in SHEETS:
        return SHEETS[kind], {"case": m_case, **selectors.case_sheet(m_case, kind)}, f"case-{number}-{kind}.pdf"
    if kind == OutputKind.ASSESSMENT:
        assessment = selectors.assessment_of(case, what.object_id or 0)
        if assessment is None:
            raise Http404("ページが見つかりません。")
        return ("consultations/assessment_pdf.html",
                {"case": m_case, **selectors.assessment_sheet(masked(assessment, masker))},
                f"case-{number}-assessment-{assessment.version}.pdf")
    if kind == OutputKind.EVALUATION:
        evaluation = (Evaluation.objects.select_related("plan", "conference")
                      .filter(pk=what.object_id or 0, plan__case=case).first())
        if evaluation is None:
            raise Http404("ページが見つかりません。")
        return ("consultations/evaluation_pdf.html",
                {"case": m_case, **selectors.evaluation_sheet(masked(evaluation, masker))},
                f"case-{number}-evaluation-{evaluation.pk}.pdf")
    if kind == OutputKind.REFERRAL:
        referral = (Referral.objects.select_related("case", "agency__organisation", "sent_by", "support_meeting")
                    .filter(pk=what.object_id or 0, case=case).first())
        if referral is None:
            raise Http404("ページが見つかりません。")
        return "consultations/referral_pdf.html", {"r": referral}, f"referral-{number}-{referral.pk}.pdf"
    if kind == OutputKind.TIMELINE:
        assert what.start is not None and what.end is not None
        return ("consultations/timeline_pdf.html",
                {"case": m_case, "start": what.start, "end": what.end,
                 "entries": entries_in_period(case, what.start, what.end)},
                f"case-{number}-timeline-{what.start:%Y%m%d}-{what.end:%Y%m%d}.pdf")
    if kind == OutputKind.SELF_DISCLOSURE:
        return "consultations/self_disclosure_pdf.html", _whole_record(case), f"case-{number}-disclosure.pdf"
    raise Http404("ページが見つかりません。")


def _whole_record(case: Case) -> dict[str, Any]:
    """本人開示: everything the case file holds about the person."""
    return {
        "case": case,
        "programs": selectors.in_law_order(case.program_rows.all()),
        "household": case.household.order_by("pk"),
        "consents": case.consents.prefetch_related("agencies__organisation"),
        "assessments": case.assessments.prefetch_related("answers").order_by("version"),
        "plans": case.plans.prefetch_related("short_goals", "items__agency__organisation", "roles__agency__organisation",
                                             "participation_supports__resource").order_by("version"),
        "evaluations": Evaluation.objects.filter(plan__case=case).select_related("plan")
                                         .prefetch_related("goals__goal").order_by("evaluated_on", "pk"),
        "conferences": case.conferences.select_related("plan").order_by("held_on", "pk"),
        # A 支援会議 on several people: its shared information and policy concern the others too (不開示情報,
        # 個人情報保護法第78条第1項第2号), so the PDF names the meeting and leaves its texts to the city's decision.
        "support_meetings": SupportMeeting.objects.filter(cases=case).annotate(shares_others=Exists(
            SupportMeeting.cases.through.objects.filter(supportmeeting=OuterRef("pk")).exclude(case=case)))
        .order_by("held_on", "pk"),
        "timeline": case.timeline_entries.select_related("recorded_by", "agency__organisation", "corrects")
                                         .order_by("contact_at", "pk"),
        "referrals": case.referrals.select_related("agency__organisation", "sent_by").order_by("sent_at", "pk"),
        "urgencies": case.urgencies.order_by("marked_at", "pk"),
    }
