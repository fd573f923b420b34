"""The disclosure register (提供の記録) of a case: for its assigned staff, CSW and team lead, and a
lookup by case number for the 監査 role that shows the register only (no case contents, not even
the person's name). Every page and download is logged as a read of the case."""

from __future__ import annotations

import dataclasses
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import resolve

from municipality.exports import xlsx_response
from municipality.roles import Role
from municipality.wareki import format_wareki

from . import selectors
from .access import is_assigned, log_read
from .disclosures import Disclosure, disclosures_of
from .models import Case, may_handle_cases

NOT_FOUND = "ページが見つかりません。"
COLUMNS = ["日時", "種類", "提供先", "提供した項目", "根拠", "根拠の詳細"]


def _when(d: Disclosure) -> str:
    return format_wareki(d.local_date)


def _rows(rows: list[Disclosure]) -> list[tuple[str, ...]]:
    return [(_when(d), d.kind, d.to, d.what, d.basis_label, d.basis_detail) for d in rows]


def _team_case_or_404(request: HttpRequest, pk: int, purpose: str) -> Case:
    """The case for its assigned staff, CSW and team lead; an agency that reads it under consent, or
    anyone else, gets 404 (and no read is logged)."""
    user = request.user
    if not may_handle_cases(user):
        raise Http404(NOT_FOUND)
    case = Case.objects.visible_to(user).filter(pk=pk).first()
    if case is None or not (is_assigned(user, case) or selectors.is_team_case_of(user, case)):
        raise Http404(NOT_FOUND)
    log_read(user, case, fields=["disclosures"], purpose=purpose)
    return case


def _linked_for(user, rows: list[Disclosure]) -> list[Disclosure]:
    """The rows, each linking to its record only where the user may open it: an evacuation
    listing's download is for the leads of the team that made it (to others it answers 404)."""
    from .evacuation import exports_of_team

    exports = None
    linked = []
    for d in rows:
        if d.url and resolve(d.url).view_name == "cases:evacuation_export_xlsx":
            if exports is None:
                exports = set(exports_of_team(user).values_list("pk", flat=True))
            if resolve(d.url).kwargs["pk"] not in exports:
                d = dataclasses.replace(d, url="")
        linked.append(d)
    return linked


@login_required
def case_disclosures(request: HttpRequest, pk: int) -> HttpResponse:
    case = _team_case_or_404(request, pk, "提供の記録の閲覧")
    return render(request, "consultations/disclosures.html", {
        "case": case, "rows": _linked_for(request.user, disclosures_of(case)), "auditor": False})


@login_required
def case_disclosures_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    case = _team_case_or_404(request, pk, "提供の記録の出力（xlsx）")
    return xlsx_response(f"disclosures-{case.number}.xlsx", [("提供の記録", COLUMNS, _rows(disclosures_of(case)))])


def auditor_required(view):
    """監査 only: no superuser bypass (superusers see no case, not even its register)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_active and request.user.has_role(Role.AUDITOR)):
            raise Http404(NOT_FOUND)
        return view(request, *args, **kwargs)

    return wrapped


def _case_by_number(request: HttpRequest, purpose: str) -> tuple[str, Case | None]:
    number = request.GET.get("number", "").strip()[:20]
    case = Case.objects.filter(number=number).first() if number else None
    if case is not None:
        log_read(request.user, case, fields=["disclosures"], purpose=purpose)
    return number, case


@auditor_required
def audit_disclosures(request: HttpRequest) -> HttpResponse:
    """監査: the register of a case found by its number; nothing of the case itself is shown."""
    number, case = _case_by_number(request, "提供の記録の確認（監査）")
    return render(request, "consultations/disclosures.html", {
        "case": case, "number": number, "rows": disclosures_of(case) if case else [], "auditor": True,
        "not_found": bool(number) and case is None})


@auditor_required
def audit_disclosures_xlsx(request: HttpRequest) -> HttpResponse:
    _, case = _case_by_number(request, "提供の記録の出力（監査・xlsx）")
    if case is None:
        raise Http404(NOT_FOUND)
    return xlsx_response(f"disclosures-{case.number}.xlsx", [("提供の記録", COLUMNS, _rows(disclosures_of(case)))])
