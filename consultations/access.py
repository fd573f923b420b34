"""Who may see a case (need-to-know), and the log of every read.

A case is seen only by a user with the 相談支援員 role who is
* assigned to it (担当者 or CSW), or
* a member of an agency that the person's current consent covers, or
* a member of an agency that accepted a 連携シート sent on a 支援会議's decision (read only).
A 連携シート itself is seen by those who see its case and by the receiving agency's 相談支援員,
who before accepting it see the sheet (the items shared) and nothing else of the case.
* the team lead (相談支援管理者) of the organisation of an assigned worker or the CSW.
Attendees of a meeting see that meeting's record (see meetings_visible_to). Nobody else:
not city staff, not superusers, not coordinators or the council secretariat.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from municipality.audit import note_read

from .models import (
    AreaConference,
    Case,
    CaseConference,
    InIds,
    Referral,
    SupportMeeting,
    may_handle_cases,
    visible_case_ids,
    visible_case_q,
)

__all__ = ["area_conference_visible_or_404", "area_conferences_visible_to", "cases_visible_to", "conference_visible_or_404", "few_cases_visible_to", "figures_viewer_required", "get_case_or_404", "is_assigned", "log_disclosure", "log_read", "log_reads", "may_handle_cases", "may_record_area_conference", "may_see_figures", "referral_for_recipient_or_404", "referral_visible_or_404", "support_meeting_visible_or_404"]


def is_assigned(user: Any, case: Any) -> bool:
    """Assigned staff and the CSW change a case; an agency sees it through consent, read only."""
    return case.csw_id == user.pk or case.assigned_staff.filter(pk=user.pk).exists()


def cases_visible_to(user: Any, queryset: QuerySet) -> QuerySet:
    """The rule itself is the case queryset's (``Case.objects.visible_to``), so that the models need not import
    this module."""
    return queryset.visible_to(user)


def few_cases_visible_to(user: Any, queryset: QuerySet) -> QuerySet:
    """``cases_visible_to`` for a queryset of a few cases (the urgent ones): the same rule, checked
    case by case through indexes instead of gathering every case the user may see."""
    if not may_handle_cases(user):
        return queryset.none()
    return queryset.filter(visible_case_q(user))


def get_case_or_404(user: Any, pk: int, *, fields: list[str], purpose: str, assigned_only: bool = False):
    """The case if the user may see it (otherwise 404), with the read logged.

    ``assigned_only``: pages that change the case answer 404 to an agency that only reads it
    under consent, and such a refusal is not logged as a read.
    """
    # The same rule as cases_visible_to, asked of this one case only (not the user's every case).
    case = Case.objects.filter(pk=pk).filter(InIds(F("pk"), visible_case_ids(user, case_id=pk))).first() \
        if may_handle_cases(user) else None
    if case is None or (assigned_only and not is_assigned(user, case)):
        raise Http404("ページが見つかりません。")
    log_read(user, case, fields=fields, purpose=purpose)
    return case


def log_read(user: Any, obj: Any, *, fields: list[str], purpose: str) -> None:
    """Record that a user read these fields of a case record (who, when, which record, which fields).
    Within a request the page's reads are written at its end, one entry per record (note_read)."""
    if note_read(user, obj, fields=fields, purpose=purpose):
        return
    LogEntry.objects.log_create(
        obj, force_log=True, action=LogEntry.Action.ACCESS, actor=user,
        changes={"read_fields": fields}, additional_data={"purpose": purpose},
    )


def log_reads(user: Any, objects: list, *, fields: list[str], purpose: str) -> None:
    """One log entry per record shown in a list, written in one statement."""
    from django.contrib.contenttypes.models import ContentType

    if not objects:
        return
    if all([note_read(user, o, fields=fields, purpose=purpose) for o in objects]):
        return
    content_type = ContentType.objects.get_for_model(objects[0])
    LogEntry.objects.bulk_create(
        LogEntry(content_type=content_type, object_pk=str(o.pk), object_id=o.pk, object_repr=str(o),
                 action=LogEntry.Action.ACCESS, actor=user, changes={"read_fields": fields},
                 additional_data={"purpose": purpose}, timestamp=timezone.now())
        for o in objects
    )


def conference_visible_or_404(user: Any, pk: int):
    """A 重層的支援会議 record: for those who see its case, and for its attendees (that meeting only)."""
    if not may_handle_cases(user):
        raise Http404("ページが見つかりません。")
    visible_cases = cases_visible_to(user, Case.objects.all()).values("pk")
    conference = (CaseConference.objects.select_related("case", "plan")
                  .filter(Q(case__in=visible_cases) | Q(attendees=user)).filter(pk=pk).first())
    if conference is None:
        raise Http404("ページが見つかりません。")
    log_read(user, conference.case, fields=["conference", "plan"], purpose=f"会議記録の閲覧（{conference.pk}）")
    return conference


def support_meeting_visible_or_404(user: Any, pk: int):
    """A 支援会議 record: for those who see one of its cases, and for its attendees with a login."""
    if not may_handle_cases(user):
        raise Http404("ページが見つかりません。")
    visible_cases = cases_visible_to(user, Case.objects.all()).values("pk")
    meeting = (SupportMeeting.objects.filter(Q(cases__in=visible_cases) | Q(attendees__user=user))
               .filter(pk=pk).distinct().first())
    if meeting is None:
        raise Http404("ページが見つかりません。")
    log_read(user, meeting, fields=["shared", "policy", "attendees", "cases"], purpose="支援会議の記録の閲覧")
    return meeting


# --- Yearly figures (aggregates only, no case) ---

def may_see_figures(user: Any) -> bool:
    """The yearly figures hold no personal data: city staff and 監査 see them although they see no case;
    a 相談支援員 who handles cases too. Coordinators and the council secretariat do not (as for cases)."""
    from municipality.roles import Role

    return bool(user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_role(Role.CITY_STAFF, Role.AUDITOR) or may_handle_cases(user)))


def figures_viewer_required(view):
    """The page and both downloads of the yearly figures: one rule (``may_see_figures``), others 404."""
    from functools import wraps

    from municipality.access import role_required
    from municipality.roles import Role

    @role_required(Role.CITY_STAFF, Role.AUDITOR, Role.CASE_WORKER)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_see_figures(request.user):
            raise Http404("ページが見つかりません。")
        return view(request, *args, **kwargs)

    return wrapped


def _basis_of(referral: Referral) -> dict[str, Any]:
    """The legal basis of a 連携シート as the log records it (ids, never names)."""
    return {"basis": referral.basis, "support_meeting": referral.support_meeting_id, "consent": referral.consent_id,
            "referral": referral.pk,
            "case": referral.case_id, "agency": referral.agency_id}


def log_disclosure(user: Any, referral: Referral) -> LogEntry:
    """A 連携シート sent: which items of the case went to which agency, on which legal basis."""
    return LogEntry.objects.log_create(
        referral.case, force_log=True, action=LogEntry.Action.ACCESS, actor=user,
        changes={"disclosed_fields": list(referral.items)},
        additional_data={"purpose": f"連携シートの送付（{referral.pk}）", **_basis_of(referral)},
    )


def _log_referral_read(user: Any, referral: Referral, purpose: str) -> None:
    LogEntry.objects.log_create(
        referral, force_log=True, action=LogEntry.Action.ACCESS, actor=user,
        changes={"read_fields": list(referral.items)},
        additional_data={"purpose": purpose, **_basis_of(referral)},
    )


def _is_recipient(user: Any, referral: Referral) -> bool:
    return bool(user.organisation_id) and referral.agency.organisation_id == user.organisation_id


def referral_visible_or_404(user: Any, pk: int, *, purpose: str) -> Referral:
    """A 連携シート: for those who see its case and for the receiving agency's 相談支援員; the read
    is logged with the sheet's legal basis."""
    if not may_handle_cases(user):
        raise Http404("ページが見つかりません。")
    visible_cases = cases_visible_to(user, Case.objects.all()).values("pk")
    query = Q(case__in=visible_cases)
    if user.organisation_id:
        query |= Q(agency__organisation_id=user.organisation_id)
    referral = (Referral.objects.select_related("case", "agency__organisation", "support_meeting", "sent_by")
                .filter(query).filter(pk=pk).first())
    if referral is None:
        raise Http404("ページが見つかりません。")
    role = "受け手" if _is_recipient(user, referral) else "送り手"
    _log_referral_read(user, referral, f"{purpose}（{role}）")
    return referral


def referral_for_recipient_or_404(user: Any, pk: int, *, purpose: str) -> Referral:
    """A 連携シート for the receiving agency's 相談支援員 only (to accept or return it)."""
    if not may_handle_cases(user) or not user.organisation_id:
        raise Http404("ページが見つかりません。")
    referral = (Referral.objects.select_related("case", "agency__organisation", "support_meeting")
                .filter(pk=pk, agency__organisation_id=user.organisation_id).first())
    if referral is None:
        raise Http404("ページが見つかりません。")
    _log_referral_read(user, referral, purpose)
    return referral


# --- 重層的支援会議 on a 地域生活課題 (issue 13, item 7) ---
# No case and no personal data (the text is checked when recorded), so not need-to-know: the team
# that held it and its attendees see it, and so do city-wide users — seed 003 makes the city's
# 福祉総合相談担当 the host of every 重層的支援会議, and these meetings are where 社会資源の開発 starts,
# which the city plans and reports on. Coordinators and council secretariats do not: it is the case side.

def may_record_area_conference(user: Any) -> bool:
    return may_handle_cases(user) and bool(user.organisation_id)


def area_conferences_visible_to(user: Any) -> QuerySet:
    conferences = AreaConference.objects.all()
    if user.is_authenticated and user.is_active and user.is_city_wide:
        return conferences
    if not may_handle_cases(user):
        return conferences.none()
    team = Q(organisation_id=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    attended = AreaConference.attendees.through.objects.filter(user_id=user.pk).values("areaconference_id")
    return conferences.filter(team | Q(pk__in=attended))


def area_conference_visible_or_404(user: Any, pk: int, *, purpose: str = "会議記録の閲覧"):
    """The meeting if the user may see it (otherwise 404), with the read logged like a case record's."""
    conference = area_conferences_visible_to(user).select_related("area", "organisation", "recorded_by").filter(
        pk=pk).first()
    if conference is None:
        raise Http404("ページが見つかりません。")
    log_read(user, conference, fields=["issue", "decisions", "attendees", "agencies"], purpose=purpose)
    return conference
