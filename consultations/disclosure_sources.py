"""The sources of the disclosure register (consultations/disclosures.py): one function per kind of
sharing, each reading the records that kind leaves. Rows name the recipients and the items by their
labels, never the contents, so that the 監査 role can read the register of any case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from municipality.roles import Role
from municipality.wareki import format_wareki

from . import legal_bases
from .disclosures import Disclosure
from .models import Case, ReferralItem, ReferralStatus


def _consent_detail(consent: Any) -> str:
    if consent is None:
        return "（根拠とした同意の記録なし：記録開始前の会議）"
    names = "、".join(str(a) for a in consent.agencies.all())
    return f"{format_wareki(consent.given_on)}の本人同意（範囲：{names}）"


def conferences(case: Case) -> Iterable[Disclosure]:
    """重層的支援会議: the agencies and the staff who attended, on the consent the meeting relied on."""
    rows = (case.conferences.select_related("consent").prefetch_related("agencies__organisation", "attendees",
                                                                          "consent__agencies__organisation"))
    for conference in rows:
        to = [str(a) for a in conference.agencies.all()] + [
            f"{u.get_full_name() or u.username}（相談支援員）" for u in conference.attendees.all()]
        yield Disclosure(
            at=conference.held_on, kind=f"重層的支援会議（{conference.get_timing_display()}）", to="、".join(to),
            what=f"ケースの記録（プラン第{conference.plan.version}版、{conference.get_timing_display()}に検討する事項）",
            basis=legal_bases.CONSENT, basis_detail=_consent_detail(conference.consent),
            url=reverse("cases:conference_detail", args=[conference.pk]))


def support_meetings(case: Case) -> Iterable[Disclosure]:
    """支援会議 (of 社会福祉法第106条の6 or of a body): the attendees and their organisations, the basis
    and the duty each acknowledged."""
    for meeting in case.support_meetings.select_related("body").prefetch_related("attendees"):
        to = "、".join(f"{a.name}（{a.organisation}）" for a in meeting.attendees.all())
        kind = f"支援会議（{meeting.body.name}の会議）" if meeting.body_id and meeting.body else "支援会議"
        duty = meeting.duty
        detail = (f"{meeting.body.name}の構成機関として" if meeting.body_id and meeting.body else "") + (
            f"出席者全員が守秘義務（{duty}）の説明を受けた" if duty else "")
        yield Disclosure(at=meeting.held_on, kind=kind, to=to, what="共有した情報・決定した支援方針",
                         basis=meeting.basis, basis_detail=detail,
                         url=reverse("cases:support_meeting_detail", args=[meeting.pk]))


def referrals(case: Case) -> Iterable[Disclosure]:
    """連携シート: the agency, the items shared (by label), the basis, the consent or the deciding meeting."""
    labels = dict(ReferralItem.choices)
    rows = case.referrals.select_related("agency__organisation", "consent", "support_meeting__body") \
        .prefetch_related("consent__agencies__organisation")
    for referral in rows:
        if referral.basis == legal_bases.CONSENT:
            detail = _consent_detail(referral.consent)
        else:
            meeting = referral.support_meeting
            where = f"{meeting.body.name}の会議" if meeting and meeting.body_id and meeting.body else "支援会議"
            detail = f"{format_wareki(meeting.held_on)}開催の{where}で共有を決定" if meeting else ""
        yield Disclosure(at=referral.sent_at, kind=f"連携シート（{referral.get_status_display()}）",
                         to=str(referral.agency), what="、".join(str(labels.get(i, i)) for i in referral.items),
                         basis=referral.basis, basis_detail=detail,
                         url=reverse("cases:referral_detail", args=[referral.pk]))


def _field_labels(fields: Iterable[str]) -> list[str]:
    names = {f.name: str(f.verbose_name) for f in Case._meta.get_fields() if hasattr(f, "verbose_name")}
    extra = {"household": "世帯員", "consents": "本人同意", "assessments": "アセスメント", "plans": "支援プラン",
             "conferences": "会議の記録", "timeline": "支援経過記録", "conference": "会議の記録", "plan": "支援プラン",
             "number": "ケース番号", "status": "状態", "referrals": "連携シート", "support_meetings": "支援会議"}
    return [extra.get(f) or names.get(f) or f for f in fields]


def reads_by_agencies(case: Case) -> Iterable[Disclosure]:
    """Reads of the case by 相談支援員 outside its team (an agency under consent, or one that accepted a
    連携シート on a statutory basis), from the access log: one row per user and day."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from . import selectors

    team = set(case.assigned_staff.values_list("pk", flat=True))
    if case.csw_id:
        team.add(case.csw_id)
    team |= set(selectors.team_leads_of(selectors.team_organisation_ids(case)).values_list("pk", flat=True))
    entries = (LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_pk=str(case.pk),
                                       action=LogEntry.Action.ACCESS, actor__groups__name=Role.CASE_WORKER.value)
               .exclude(actor_id__in=team).exclude(actor=None)
               .select_related("actor__organisation").order_by("timestamp"))
    days: dict[tuple[int, dt.date], dict[str, Any]] = {}
    for entry in entries:
        day = timezone.localdate(entry.timestamp)
        row = days.setdefault((entry.actor_id, day), {"at": entry.timestamp, "actor": entry.actor, "fields": []})
        for name in (entry.changes or {}).get("read_fields", []) if isinstance(entry.changes, dict) else []:
            if name not in row["fields"]:
                row["fields"].append(name)
    consents = list(case.consents.prefetch_related("agencies__organisation"))
    statutory = list(case.referrals.filter(status=ReferralStatus.ACCEPTED).exclude(basis=legal_bases.CONSENT)
                     .select_related("agency", "support_meeting"))
    for (_, day), row in days.items():
        actor = row["actor"]
        organisation_id = actor.organisation_id
        agency_name = actor.organisation.name if organisation_id else "（所属なし）"
        covering = [c for c in consents if organisation_id and c.is_current(day)
                    and any(a.organisation_id == organisation_id for a in c.agencies.all())]
        if covering:
            basis, detail = legal_bases.CONSENT, _consent_detail(covering[0])
        else:
            sheet = next((r for r in statutory if r.agency.organisation_id == organisation_id), None)
            basis, detail = ((sheet.basis, f"受理した連携シート {sheet.pk} による閲覧") if sheet
                             else (legal_bases.CONSENT, "（閲覧の日に有効な同意を確認できません）"))
        yield Disclosure(at=row["at"], kind="関係機関による閲覧",
                         to=f"{agency_name}（{actor.get_full_name() or actor.username}）",
                         what="、".join(_field_labels(row["fields"])) or "ケースの記録", basis=basis,
                         basis_detail=detail)
