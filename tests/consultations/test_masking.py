"""Issue 14 item 2 (and the 開示請求 PDF of item 5): every case PDF masks 要配慮 items unless the
team lead approved that output; an approval is decided by someone else than its requester, used once;
each PDF's footer says who printed it, when, and whether it is masked."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from consultations import disclosures, services
from consultations.masking import MASK_ALL, Masker, items_of_output, masked
from consultations.models import (
    ApprovalStatus,
    AssessmentItem,
    Case,
    Evaluation,
    OutputApproval,
    OutputKind,
    Timing,
)
from consultations.outputs import OutputRequest, render_case_output
from consultations.privacy import MASK
from municipality.errors import DomainError
from municipality.models import Organisation
from municipality.once import TOKEN_FIELD
from tests.factories import AgencyFactory, SharingBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 16, 1, 30, tzinfo=dt.UTC)  # 10:30 in Tokyo
PERSON = "開示太郎"


def _text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def _markers(text: str) -> set[str]:
    return set(re.findall(r"MK[a-z]{2}\d", text))


def _read_logged(user, words: str) -> bool:
    entries = LogEntry.objects.filter(actor=user, action=LogEntry.Action.ACCESS)
    return any(words in (e.additional_data or {}).get("purpose", "") for e in entries)


@pytest.fixture
def team(db):
    home = Organisation.objects.create(name="汐見市生活支援相談センター")
    agency = AgencyFactory(organisation__name="汐見中央地域包括支援センター")
    worker = UserFactory(username="worker", name="本田 担当", roles=["相談支援員"], organisation=home)
    lead = UserFactory(username="lead", name="管理 花子", roles=["相談支援員", "相談支援管理者"], organisation=home)
    return {"home": home, "agency": agency, "worker": worker, "lead": lead}


@pytest.fixture
def full(team):
    """A case whose every sensitive item printed by a PDF holds a marker ``MKxx1``."""
    worker, agency = team["worker"], team["agency"]
    with time_machine.travel(dt.datetime(2026, 6, 1, 1, tzinfo=dt.UTC), tick=False):
        case = services.case_open(
            received_on=dt.date(2026, 5, 1), route="phone", domains=["disability"], person_name=PERSON,
            presenting_problems="主訴MKpp1", by=worker, agencies=[agency],
            household=[{"name": "開示花子", "relation": "妻", "note": "状況MKhn1"}])
        services.consent_record(case=case, agencies=[agency], given_on=dt.date(2026, 5, 2), method="written", by=worker)
        item = AssessmentItem.objects.filter(active=True).first()
        assessment = services.assessment_add(
            case=case, by=worker, issues="課題MKai1", situation="概要MKas1", strengths="強みMKat1",
            answers={item: "回答MKaa1"}, household_situation="世帯MKah1", life_history="生活歴MKal1",
            background="背景MKab1", wishes="意向MKaw1")
        plan = services.plan_draft(
            case=case, goals="長期MKpg1", policy="方針MKpo1", contents="内容MKpc1", wishes="意向MKpw1",
            monitoring_on=dt.date(2026, 9, 1), by=worker, short_goals=["短期MKps1"],
            items=[{"agency": agency, "content": "支援MKpi1", "frequency": "月1回"}])
        services.participation_support_add(plan=plan, note="参加MKpn1", by=worker)
        services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                                 attendees=[worker], by=worker)
        services.timeline_entry_add(case=case, contact_at=dt.datetime(2026, 6, 1, 1, tzinfo=dt.UTC), method="phone",
                                    with_whom="本人", content="経過MKtc1", next_step="次MKtn1", by=worker)
        referral = services.referral_send(
            case=case, agency=agency, items=["name_age", "household", "problems", "assessment", "plan"],
            purpose="依頼MKrp1", basis="consent", by=worker)
    plan.refresh_from_db()
    evaluation = services.evaluation_record(
        plan=plan, evaluated_on=dt.date(2026, 9, 1), overall="所見MKeo1", decision="continue",
        next_monitoring_on=dt.date(2026, 12, 1), by=worker,
        goals={None: ("partly", "変化MKec1"), plan.short_goals.get(): ("achieved", "変化MKed1")})
    return {**team, "case": case, "assessment": assessment, "plan": plan, "referral": referral,
            "evaluation": evaluation}


OUTPUTS = {
    # kind: (the markers the unmasked output must print, how to name the output)
    "intake": ({"MKpp1"}, lambda f: OutputRequest("intake")),
    "plan": ({"MKpg1", "MKpo1", "MKpc1", "MKpw1", "MKps1", "MKpi1", "MKpn1"}, lambda f: OutputRequest("plan")),
    "conferences": ({"MKpg1", "MKpo1", "MKpc1"}, lambda f: OutputRequest("conferences")),
    "assessment": ({"MKai1", "MKas1", "MKat1", "MKaa1", "MKah1", "MKal1", "MKab1", "MKaw1", "MKhn1"},
                   lambda f: OutputRequest("assessment", f["assessment"].pk)),
    "evaluation": ({"MKpg1", "MKps1", "MKeo1", "MKec1", "MKed1"},
                   lambda f: OutputRequest("evaluation", f["evaluation"].pk)),
    "referral": ({"MKrp1", "MKpp1", "MKas1", "MKai1", "MKat1", "MKpg1", "MKpo1", "MKpc1"},
                 lambda f: OutputRequest("referral", f["referral"].pk)),
    "timeline": ({"MKtc1", "MKtn1"}, lambda f: OutputRequest("timeline", start=dt.date(2026, 6, 1),
                                                              end=dt.date(2026, 6, 30))),
}


def _granted(f, output, items, *, object_id=None, period=(None, None), basis="consent", recipient="担当の相談員"):
    consent = f["case"].consents.first() if basis == "consent" else None
    approval = services.approval_request(
        case=f["case"], output=output, items=items, recipient=recipient, purpose="審判の資料として提出するため",
        basis=basis, consent=consent, agency=f["agency"], by=f["worker"], object_id=object_id, period_start=period[0],
        period_end=period[1])
    return services.approval_decide(approval=approval, grant=True, note="", by=f["lead"])


# --- The masked PDF ------------------------------------------------------------------------------

@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("kind", sorted(OUTPUTS))
def test_every_case_pdf_masks_every_sensitive_item_and_unmasks_only_the_approved(full, kind):
    expected, what = OUTPUTS[kind]
    case = full["case"]
    plain = _text(render_case_output(case=case, what=what(full), user=full["worker"]).content)
    assert not _markers(plain), f"{kind}: sensitive values printed without approval"
    # Personal items are printed as they are (the meeting record names the case by its number only).
    assert case.number in plain and (PERSON in plain or kind == "conferences")
    assert MASK in plain
    assert "出力：本田担当" in plain and "令和8年11月16日10:30" in plain and "マスクあり" in plain

    # All items approved: every marker of the output is printed (the check above is not vacuous).
    request = what(full)
    approval = _granted(full, kind, items_of_output(kind), object_id=request.object_id,
                        period=(request.start, request.end))
    services.approval_use(approval=approval, by=full["worker"])
    whole = _text(render_case_output(case=case, what=request, user=full["worker"], approval=approval).content)
    assert expected <= _markers(whole), f"{kind}: missing {expected - _markers(whole)}"
    assert f"マスクなし（承認番号{approval.pk}）" in whole


@time_machine.travel(NOW, tick=False)
def test_only_the_approved_items_are_unmasked(full):
    approval = _granted(full, "assessment", ["Assessment.issues"], object_id=full["assessment"].pk)
    services.approval_use(approval=approval, by=full["worker"])
    text = _text(render_case_output(case=full["case"], what=OutputRequest("assessment", full["assessment"].pk),
                                    user=full["worker"], approval=approval).content)
    assert _markers(text) == {"MKai1"}
    assert MASK in text


def test_a_referral_is_masked_item_by_item(full):
    approval = _granted(full, "referral", ["Referral.shared.problems"], object_id=full["referral"].pk)
    rows = dict(masked(full["referral"], Masker(frozenset(approval.items))).shared_rows)
    assert rows["主訴"] == "主訴MKpp1"
    assert rows["氏名・年齢"].startswith(PERSON)
    assert rows["世帯"] == MASK and MASK in rows["アセスメントの要約"]
    assert masked(full["referral"]).purpose == MASK


def test_the_proxy_masks_displays_properties_relations_and_refuses_raw_values(full):
    from consultations.masking import MaskingError

    case = masked(full["case"], MASK_ALL)
    assert isinstance(case, Case) and case.person_name == PERSON
    assert case.presenting_problems == MASK and case.domain_labels == MASK and case.domains == MASK
    assert [str(a) for a in case.agencies.all()] == ["汐見中央地域包括支援センター"]  # personal, printed
    assert [m.note for m in case.household.all()] == [MASK]
    assert [m.name for m in case.household.all()] == ["開示花子"]
    assert case.plans.first().short_goals.first().text == MASK
    # A masked case still names its rows in a query.
    assert Evaluation.objects.filter(plan__case=case).count() == 1
    with pytest.raises(MaskingError):
        case.household.values_list("note")
    with pytest.raises(MaskingError):
        case.save()


# --- Approvals -----------------------------------------------------------------------------------

def test_the_unmasked_pdf_needs_an_approval(client, full):
    case = full["case"]
    client.force_login(full["worker"])
    # A GET never unmasks: the PDF a worker downloads is the masked one.
    text = _text(client.get(reverse("cases:pdf", args=[case.pk, "intake"])).content)
    assert "MKpp1" not in text and MASK in text
    # A POST naming a request not granted yet, or nobody's, prints nothing.
    pending = services.approval_request(case=case, output="intake", items=["Case.presenting_problems"],
                                        recipient="本人", purpose="確認", basis="consent",
                                        consent=case.consents.first(), agency=full["agency"], by=full["worker"])
    response = client.post(reverse("cases:approval_use", args=[pending.pk]), follow=True)
    assert response["Content-Type"].startswith("text/html") and "承認されていません" in response.content.decode()
    assert client.post(reverse("cases:approval_use", args=[999999])).status_code == 404
    pending.refresh_from_db()
    assert pending.used_at is None


def test_someone_elses_approval_is_not_found(client, full):
    approval = _granted(full, "intake", ["Case.presenting_problems"])
    client.force_login(full["lead"])
    assert client.post(reverse("cases:approval_use", args=[approval.pk])).status_code == 404
    approval.refresh_from_db()
    assert approval.used_at is None


@time_machine.travel(NOW, tick=False)
def test_an_approval_prints_once_and_a_second_use_is_refused(client, full):
    approval = _granted(full, "intake", ["Case.presenting_problems"])
    client.force_login(full["worker"])
    url = reverse("cases:approval_use", args=[approval.pk])
    assert client.get(url).status_code == 405  # a GET never uses an approval
    first = client.post(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert "MKpp1" in _text(first.content)
    approval.refresh_from_db()
    assert approval.used_by == full["worker"] and approval.used_at == NOW
    assert _read_logged(full["worker"], f"承認番号 {approval.pk}")
    second = client.post(url, follow=True)
    assert "すでに使われています" in second.content.decode()
    with pytest.raises(DomainError, match="すでに使われています"):
        services.approval_use(approval=approval, by=full["worker"])


@time_machine.travel(NOW, tick=False)
def test_an_approval_on_consent_is_not_used_after_the_consent_is_withdrawn(full):
    approval = _granted(full, "intake", ["Case.presenting_problems"])
    services.consent_withdraw(consent=approval.consent, on=dt.date(2026, 11, 16), by=full["worker"])
    with pytest.raises(DomainError, match="撤回されたか期限が切れた"):
        services.approval_use(approval=approval, by=full["worker"])
    approval.refresh_from_db()
    assert approval.used_at is None


def test_an_approval_not_used_within_the_valid_days_is_refused(full):
    with time_machine.travel(NOW, tick=False):
        approval = _granted(full, "intake", ["Case.presenting_problems"])
    # Decided on 16 November (Tokyo): usable to the end of 30 November, not on 1 December.
    with time_machine.travel(dt.datetime(2026, 11, 30, 14, 59, tzinfo=dt.UTC), tick=False):
        assert approval.usable
    with time_machine.travel(dt.datetime(2026, 11, 30, 15, 0, 1, tzinfo=dt.UTC), tick=False):
        assert not approval.usable
        with pytest.raises(DomainError, match="14日を過ぎた"):
            services.approval_use(approval=approval, by=full["worker"])
    approval.refresh_from_db()
    assert approval.used_at is None


def test_the_requester_cannot_decide_their_own_request(full):
    # A worker who is also the team's lead asks: the service refuses their own decision ...
    services.staff_assign(case=full["case"], worker=full["lead"], by=full["worker"])
    approval = services.approval_request(case=full["case"], output="intake", items=["Case.presenting_problems"],
                                         recipient="本人", purpose="確認", basis="consent",
                                         consent=full["case"].consents.first(), agency=full["agency"], by=full["lead"])
    with pytest.raises(DomainError, match="自分の申請"):
        services.approval_decide(approval=approval, grant=True, note="", by=full["lead"])
    # ... and so does the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        OutputApproval.objects.filter(pk=approval.pk).update(
            status=ApprovalStatus.GRANTED, decided_by=full["lead"], decided_at=NOW)


def test_only_the_team_lead_decides_and_a_refusal_needs_a_reason(full):
    approval = services.approval_request(case=full["case"], output="intake", items=["Case.presenting_problems"],
                                         recipient="本人", purpose="確認", basis="consent",
                                         consent=full["case"].consents.first(), agency=full["agency"], by=full["worker"])
    colleague = UserFactory(username="colleague", roles=["相談支援員"], organisation=full["home"])
    with pytest.raises(DomainError, match="相談支援管理者"):
        services.approval_decide(approval=approval, grant=True, note="", by=colleague)
    with pytest.raises(DomainError, match="理由"):
        services.approval_decide(approval=approval, grant=False, note=" ", by=full["lead"])
    services.approval_decide(approval=approval, grant=False, note="目的に必要な範囲を超える", by=full["lead"])
    with pytest.raises(DomainError, match="承認されていません"):
        services.approval_use(approval=approval, by=full["worker"])


def test_a_request_names_items_of_its_output_and_a_current_consent(full):
    case, worker = full["case"], full["worker"]
    common = {"case": case, "recipient": "本人", "purpose": "確認", "by": worker}
    with pytest.raises(DomainError, match="この出力にない項目"):
        services.approval_request(output="intake", items=["TimelineEntry.content"], basis="swl_106_6", **common)
    with pytest.raises(DomainError, match="一つ以上"):
        services.approval_request(output="intake", items=[], basis="swl_106_6", **common)
    with pytest.raises(DomainError, match="本人同意"):
        services.approval_request(output="intake", items=["Case.presenting_problems"], basis="consent", **common)
    with pytest.raises(DomainError, match="根拠"):
        services.approval_request(output="intake", items=["Case.presenting_problems"], basis="nope", **common)
    # On consent, only to an agency the consent names; on a body's basis, only to a member of that body.
    consent = case.consents.first()
    stranger = AgencyFactory(organisation__name="同意にない事業所")
    for agency in (None, stranger):
        with pytest.raises(DomainError, match="同意の範囲にある関係機関にだけ"):
            services.approval_request(output="intake", items=["Case.presenting_problems"], basis="consent",
                                      consent=consent, agency=agency, **common)
    with pytest.raises(DomainError, match="構成機関"):
        services.approval_request(output="intake", items=["Case.presenting_problems"], basis="child_25_2",
                                  agency=full["agency"], **common)
    SharingBodyFactory(basis="child_25_2", members=[full["agency"]])
    assert services.approval_request(output="intake", items=["Case.presenting_problems"], basis="child_25_2",
                                     agency=full["agency"], **common).agency == full["agency"]
    # The listing's basis and the person's own 開示請求 belong to their own pages, not to an output for others.
    for own_page in ("disaster_49_11", "disclosure_request"):
        with pytest.raises(DomainError, match="この出力の根拠にはできません"):
            services.approval_request(output="intake", items=["Case.presenting_problems"], basis=own_page, **common)
    other = services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                               person_name="別人", presenting_problems="x", by=worker)
    with pytest.raises(DomainError, match="対象の記録"):
        services.approval_request(output="assessment", object_id=full["assessment"].pk, items=["Assessment.issues"],
                                  basis="swl_106_6", **{**common, "case": other})
    outsider = UserFactory(username="outsider", roles=["相談支援員"])
    with pytest.raises(DomainError, match="担当者だけ"):
        services.approval_request(output="intake", items=["Case.presenting_problems"], basis="swl_106_6",
                                  **{**common, "by": outsider})


def test_request_decide_and_use_through_the_pages(client, full):
    case = full["case"]
    client.force_login(full["worker"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "マスクなしで出力を申請" in page
    url = reverse("cases:approval_request", args=[case.pk, "intake"])
    form = client.get(url).content.decode()
    assert "ケース（相談受付）：相談の内容（主訴）" in form
    token = re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', form).group(1)
    data = {"items": ["Case.presenting_problems"], "recipient": "地域包括支援センター", "purpose": "支援の引継ぎ",
            "basis": "consent", "consent": case.consents.first().pk, "agency": full["agency"].pk, TOKEN_FIELD: token}
    assert client.post(url, data).status_code == 302
    approval = OutputApproval.objects.get()
    client.force_login(full["lead"])
    listing = client.get(reverse("cases:approvals")).content.decode()
    assert "支援の引継ぎ" in listing and "地域包括支援センター" in listing
    assert "1件" in client.get(reverse("cases:list")).content.decode()
    client.post(reverse("cases:approval_decide", args=[approval.pk]), {"decision": "grant", "note": ""})
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.GRANTED and approval.decided_by == full["lead"]
    client.force_login(full["worker"])
    assert "マスクなしのPDFを出力する" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


# --- 本人開示 and the register ---------------------------------------------------------------------

@time_machine.travel(NOW, tick=False)
def test_the_self_disclosure_pdf_holds_the_whole_record_and_needs_the_leads_approval(client, full):
    case = full["case"]
    approval = services.approval_request(case=case, output=OutputKind.SELF_DISCLOSURE, items=[], recipient="本人",
                                         purpose="本人から開示請求があった", basis="disclosure_request",
                                         by=full["worker"])
    assert set(approval.items) == set(items_of_output("self_disclosure"))
    client.force_login(full["worker"])
    url = reverse("cases:approval_use", args=[approval.pk])
    assert "承認されていません" in client.post(url, follow=True).content.decode()
    services.approval_decide(approval=approval, grant=True, note="", by=full["lead"])
    response = client.post(url)
    text = _text(response.content)
    every = set().union(*(markers for markers, _ in OUTPUTS.values())) | {"MKhn1"}
    assert every <= _markers(text), every - _markers(text)
    assert "汐見中央地域包括支援センター" in text  # an agency: personal, not 要配慮
    assert f"マスクなし（承認番号{approval.pk}）" in text
    assert _read_logged(full["worker"], "本人開示")


def test_self_disclosure_only_on_a_disclosure_request(full):
    with pytest.raises(DomainError, match="開示請求"):
        services.approval_request(case=full["case"], output="self_disclosure", items=[], recipient="本人",
                                  purpose="x", basis="swl_106_6", by=full["worker"])


@time_machine.travel(NOW, tick=False)
def test_a_used_approval_is_in_the_disclosure_register_and_an_unused_one_is_not(full):
    used = _granted(full, "intake", ["Case.presenting_problems"], recipient="担当の相談員")
    _granted(full, "plan", ["SupportPlan.goals"], recipient="使われない提出先")
    services.approval_use(approval=used, by=full["worker"])
    rows = [d for d in disclosures.disclosures_of(full["case"]) if d.kind.startswith("マスクなし")]
    assert len(rows) == 1
    [row] = rows
    assert row.to == "汐見中央地域包括支援センター：担当の相談員" and row.what == "ケース（相談受付）：相談の内容（主訴）"
    assert row.basis == "consent" and row.basis_label == "本人の同意" and f"承認番号 {used.pk}" in row.basis_detail
    assert "MKpp1" not in row.what


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uses_of_one_approval_at_the_same_moment_print_once(full):
    import threading

    from django.db import connection
    from django.test import Client

    approval = _granted(full, "intake", ["Case.presenting_problems"])
    url = reverse("cases:approval_use", args=[approval.pk])
    barrier = threading.Barrier(2)
    answers: list[str] = []
    errors: list[BaseException] = []

    def use() -> None:
        try:
            client = Client(raise_request_exception=True)
            client.force_login(full["worker"])
            barrier.wait(timeout=10)
            response = client.post(url)
            answers.append(response["Content-Type"] if response.status_code == 200 else str(response.status_code))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(answers) == ["302", "application/pdf"]
    approval.refresh_from_db()
    assert approval.used_at is not None


@time_machine.travel(NOW, tick=False)
def test_the_meeting_record_masks_what_a_change_meeting_decided(full):
    worker = full["worker"]
    draft = services.plan_draft(case=full["case"], goals="長期MKqg1", policy="方針MKqo1", contents="内容MKqc1",
                                monitoring_on=dt.date(2027, 3, 1), by=worker)
    services.conference_hold(case=full["case"], timing=Timing.CHANGE, held_on=dt.date(2026, 11, 10), plan=draft,
                             attendees=[worker], by=worker, situation_change="変化MKcs1", plan_evaluation="評価MKce1")
    what = OutputRequest("conferences")
    plain = _text(render_case_output(case=full["case"], what=what, user=worker).content)
    assert not _markers(plain) and "プラン変更時" in plain and MASK in plain
    approval = _granted(full, "conferences", ["CaseConference.situation_change", "CaseConference.plan_evaluation"])
    services.approval_use(approval=approval, by=worker)
    text = _text(render_case_output(case=full["case"], what=what, user=worker, approval=approval).content)
    assert _markers(text) == {"MKcs1", "MKce1"}  # the plan's goals and policy stay masked


@time_machine.travel(NOW, tick=False)
def test_the_self_disclosure_pdf_leaves_out_what_a_meeting_on_several_people_shared(client, full):
    case, worker = full["case"], full["worker"]
    other = services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                               person_name="第三者 太郎", presenting_problems="x", by=worker)
    attendee = {"name": "民生委員 山川", "organisation": "民生委員児童委員協議会", "confidentiality_acknowledged": True}
    services.support_meeting_record(held_on=dt.date(2026, 6, 10), cases=[case], shared="本人だけMKsa1",
                                    policy="方針MKsb1", attendees=[attendee], by=worker)
    services.support_meeting_record(held_on=dt.date(2026, 6, 11), cases=[case, other], shared="二人のことMKsc1",
                                    policy="方針MKsd1", attendees=[attendee], by=worker)
    approval = services.approval_request(case=case, output=OutputKind.SELF_DISCLOSURE, items=[], recipient="本人",
                                         purpose="開示請求", basis="disclosure_request", by=worker)
    services.approval_decide(approval=approval, grant=True, note="", by=full["lead"])
    client.force_login(worker)
    text = _text(client.post(reverse("cases:approval_use", args=[approval.pk])).content)
    assert {"MKsa1", "MKsb1"} <= _markers(text)
    assert not {"MKsc1", "MKsd1"} & _markers(text)
    assert "ほかの方についても検討した会議" in text.replace("\n", "")


def test_only_outputs_without_personal_data_bypass_the_masking():
    """Every PDF of case data is rendered by outputs.render_case_output (masked, with the footer); a plain
    render_pdf is left only for the outputs that hold no personal data."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "consultations"
    plain = sorted(re.findall(r'render_pdf\(\s*"([^"]+)"', "".join(
        p.read_text(encoding="utf-8") for p in root.glob("*.py") if p.name != "outputs.py")))
    assert plain == ["consultations/area_conference_pdf.html", "consultations/figures_pdf.html",
                     "consultations/file_register_pdf.html"]
