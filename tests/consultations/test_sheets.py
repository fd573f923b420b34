"""The three sheets of case work: アセスメントシート (versioned, items as data), プランシート (goals,
支援内容, agreement, signature line) and 評価シート (per goal, proposal decided by the next
重層的支援会議), their pages, PDFs and the reminder of a missing evaluation."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.urls import reverse

from consultations import reminders as case_reminders
from consultations import services
from consultations.models import (
    AssessmentItem,
    Decision,
    Evaluation,
    PlanStatus,
    SupportItem,
    SupportPlan,
    Timing,
)
from consultations.privacy import MASK
from municipality.errors import DomainError
from reminders import scan
from reminders.models import Delivery, Reason
from tests.once import once

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 16)


@pytest.fixture
def consented(case, case_agency, case_worker):
    services.consent_record(case=case, agencies=[case_agency], given_on=dt.date(2026, 5, 2), method="written",
                            by=case_worker)
    return case


@pytest.fixture
def active_plan(consented, case_agency, case_worker):
    plan = services.plan_draft(
        case=consented, goals="一人で通院できる", policy="包括と分担", monitoring_on=dt.date(2026, 9, 1), by=case_worker,
        short_goals=["介護保険の申請をする", "週2回外出する"], wishes="自宅で暮らし続けたい",
        agreed_on=dt.date(2026, 5, 20), agreement_method="signature",
        items=[{"agency": case_agency, "content": "介護保険の申請支援", "frequency": "月1回",
                "starts_on": dt.date(2026, 6, 1), "ends_on": dt.date(2026, 12, 31)},
               {"bearer": "長男", "content": "通院の付き添い", "frequency": "週1回"}])
    services.conference_hold(case=consented, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                             attendees=[case_worker], by=case_worker)
    plan.refresh_from_db()
    return plan


def _all_goals(plan, degree="partly"):
    return {None: (degree, "変化あり"), **{g: (degree, "") for g in plan.short_goals.all()}}


# --- アセスメントシート -------------------------------------------------------------------------

def test_the_items_of_the_persons_situation_are_data_seeded_with_the_usual_six():
    labels = list(AssessmentItem.objects.filter(active=True).values_list("label", flat=True))
    assert labels == ["健康", "障がい", "住まい", "収入・負債", "就労・日中活動", "社会関係・つながり"]


def test_an_item_the_city_adds_appears_on_the_form_and_a_retired_one_does_not(client, case, case_worker):
    AssessmentItem.objects.create(label="ひきこもりの状況", order=70)
    AssessmentItem.objects.filter(label="障がい").update(active=False)
    client.force_login(case_worker)
    page = client.get(reverse("cases:assessment", args=[case.pk])).content.decode()
    assert "本人の状況：ひきこもりの状況" in page and "本人の状況：障がい" not in page
    assert "山田 一郎" in page  # the household members already on the case


def test_each_save_is_a_new_version_and_the_old_one_stays_viewable(client, case, case_worker):
    client.force_login(case_worker)
    health = AssessmentItem.objects.get(label="健康")
    url = reverse("cases:assessment", args=[case.pk])
    data = {f"item_{health.pk}": "糖尿病で通院中", "issues": "家計の管理", "life_history": "県内で就職", **once()}
    assert client.post(url, data).status_code == 302
    assert "糖尿病で通院中" in client.get(url).content.decode()  # the next version starts from the latest
    assert client.post(url, {**data, f"item_{health.pk}": "入院した", **once()}).status_code == 302
    first, second = case.assessments.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.answers.get().text == "糖尿病で通院中" and second.answers.get().text == "入院した"
    old = client.get(reverse("cases:assessment_detail", args=[first.pk])).content.decode()
    assert "糖尿病で通院中" in old and "入院した" not in old and "第2版" in old


def test_an_answer_keeps_the_label_it_was_asked_under(case, case_worker):
    health = AssessmentItem.objects.get(label="健康")
    assessment = services.assessment_add(case=case, issues="x", answers={health: "通院中"}, by=case_worker)
    health.label = "健康・医療"
    health.save()
    assert assessment.answers.get().label == "健康"


def test_an_assessment_without_issues_is_refused_and_nothing_saved(client, case, case_worker):
    client.force_login(case_worker)
    response = client.post(reverse("cases:assessment", args=[case.pk]), {"issues": "", "wishes": "x" * 4001, **once()})
    assert response.status_code == 200 and not case.assessments.exists()
    page = response.content.decode()
    assert "このフィールドは必須です" in page and "4000 文字以下" in page


def test_an_answer_longer_than_its_limit_is_refused_by_the_database(case, case_worker):
    health = AssessmentItem.objects.get(label="健康")
    assessment = services.assessment_add(case=case, issues="x", by=case_worker)
    from consultations.models import AssessmentAnswer

    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentAnswer.objects.create(assessment=assessment, item=health, label="健康", text="x" * 4001)


# --- プランシート -------------------------------------------------------------------------------

def test_a_plan_keeps_its_short_goals_items_and_agreement(active_plan, case_agency):
    assert [g.text for g in active_plan.short_goals.all()] == ["介護保険の申請をする", "週2回外出する"]
    first, second = active_plan.items.all()
    assert first.agency == case_agency and first.frequency == "月1回" and first.ends_on == dt.date(2026, 12, 31)
    assert second.agency is None and second.who == "長男"
    assert (active_plan.agreed_on, active_plan.get_agreement_method_display()) == (dt.date(2026, 5, 20), "署名")


@pytest.mark.parametrize("item, message", [
    ({"content": "見守り"}, "関係機関か担い手"),
    ({"bearer": "本人", "content": " "}, "内容を入力"),
    ({"bearer": "本人", "content": "x", "starts_on": dt.date(2026, 7, 1), "ends_on": dt.date(2026, 6, 1)}, "より前"),
])
def test_a_support_item_needs_a_bearer_content_and_an_ordered_period(case, case_worker, item, message):
    with pytest.raises(DomainError, match=message):
        services.plan_draft(case=case, goals="g", policy="p", monitoring_on=dt.date(2026, 9, 1), by=case_worker,
                            items=[item])
    assert not SupportPlan.objects.filter(case=case).exists()


def test_the_database_refuses_an_item_without_bearer_or_with_a_reversed_period(active_plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportItem.objects.create(plan=active_plan, order=9, content="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportItem.objects.create(plan=active_plan, order=9, bearer="本人", content="x",
                                   starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 6, 1))


def test_an_agreement_date_needs_its_method(case, case_worker):
    with pytest.raises(DomainError, match="同意の方法"):
        services.plan_draft(case=case, goals="g", policy="p", monitoring_on=dt.date(2026, 9, 1), by=case_worker,
                            agreed_on=dt.date(2026, 5, 1))


def test_the_plan_form_saves_goal_and_item_rows_and_skips_empty_ones(client, case, case_agency, case_worker):
    client.force_login(case_worker)
    data = {"goals": "一人で通院できる", "policy": "分担", "monitoring_on": "2027-01-31", "agreed_on": "2026-11-01",
            "agreement_method": "oral", "goals-TOTAL_FORMS": "3", "goals-INITIAL_FORMS": "0",
            "goals-0-text": "申請する", "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0",
            "items-0-agency": case_agency.pk, "items-0-content": "申請支援", "items-0-frequency": "月1回",
            "items-0-starts_on": "2026-12-01", "items-0-ends_on": "2027-03-31", **once()}
    assert client.post(reverse("cases:plan", args=[case.pk]), data).status_code == 302
    plan = case.plans.get()
    assert plan.short_goals.count() == 1 and plan.items.get().agency == case_agency


@pytest.mark.parametrize("bad", [
    {"items-0-agency": "", "items-0-bearer": ""},
    {"items-0-ends_on": "2026-11-01"},
    {"items-0-starts_on": "9999-12-31"},
    {"goals-0-text": "x" * 1001},
    {"items-TOTAL_FORMS": "31"},
    {"agreement_method": "", "agreed_on": "2026-11-01"},
])
def test_bad_plan_rows_get_a_japanese_message_and_nothing_is_saved(client, case, case_agency, case_worker, bad):
    client.force_login(case_worker)
    data = {"goals": "g", "policy": "p", "monitoring_on": "2027-01-31", "goals-TOTAL_FORMS": "1",
            "goals-INITIAL_FORMS": "0", "goals-0-text": "申請する", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
            "items-0-agency": case_agency.pk, "items-0-content": "申請支援", "items-0-starts_on": "2026-12-01",
            **bad, **once()}
    response = client.post(reverse("cases:plan", args=[case.pk]), data)
    assert response.status_code == 200
    assert "入力内容を確かめてください" in response.content.decode()
    assert not case.plans.exists()


def test_old_plan_roles_became_support_items(case, case_agency, case_worker):
    """The migration copies PlanRole rows into SupportItem; the same helper runs here on a new row."""
    import importlib

    from django.apps import apps

    from consultations.models import PlanRole

    plan = services.plan_draft(case=case, goals="g", policy="p", monitoring_on=dt.date(2026, 9, 1), by=case_worker)
    PlanRole.objects.create(plan=plan, agency=case_agency, role="介護保険の申請")
    migration = importlib.import_module("consultations.migrations.0013_sheets_assessment_plan_evaluation")
    migration.roles_to_items(apps, None)
    item = plan.items.get()
    assert (item.agency, item.content, item.order) == (case_agency, "介護保険の申請", 1)


# --- 評価 ----------------------------------------------------------------------------------------

def test_an_evaluation_rates_every_goal_and_a_missing_one_is_refused(active_plan, case_worker):
    with pytest.raises(DomainError, match="短期目標2"):
        services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="x", decision="change",
                                   goals={None: ("partly", ""), active_plan.short_goals.first(): ("achieved", "")},
                                   by=case_worker)
    evaluation = services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="申請済み",
                                            decision="change", goals=_all_goals(active_plan), by=case_worker)
    assert evaluation.goals.count() == 3 and evaluation.for_monitoring_on == dt.date(2026, 9, 1)
    with pytest.raises(DomainError, match="すでに記録"):
        services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 4), overall="x", decision="change",
                                   goals=_all_goals(active_plan), by=case_worker)


def test_continuing_moves_the_monitoring_date_and_needs_one(active_plan, case_worker):
    with pytest.raises(DomainError, match="次回モニタリング"):
        services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="順調",
                                   decision="continue", goals=_all_goals(active_plan), by=case_worker)
    services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="順調", decision="continue",
                               next_monitoring_on=dt.date(2026, 12, 1), goals=_all_goals(active_plan), by=case_worker)
    active_plan.refresh_from_db()
    assert active_plan.monitoring_on == dt.date(2026, 12, 1) and active_plan.status == PlanStatus.ACTIVE


def test_only_an_active_plan_is_evaluated(consented, case_worker):
    draft = services.plan_draft(case=consented, goals="g", policy="p", monitoring_on=dt.date(2026, 9, 1),
                                by=case_worker)
    with pytest.raises(DomainError, match="実施中のプラン"):
        services.evaluation_record(plan=draft, evaluated_on=dt.date(2026, 9, 3), overall="x", decision="end",
                                   goals={None: ("achieved", "")}, by=case_worker)


def test_the_conference_form_is_prefilled_from_the_proposal_and_the_meeting_decides_it(
        client, active_plan, case_worker):
    evaluation = services.evaluation_record(
        plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="目標を達成し自立した", decision=Decision.END,
        goals=_all_goals(active_plan, "achieved"), by=case_worker)
    client.force_login(case_worker)
    # The case page links straight to the termination form (the second step), which quotes the evaluation.
    url = reverse("cases:conference", args=[active_plan.case.pk]) + "?timing=termination"
    assert url in client.get(reverse("cases:detail", args=[active_plan.case.pk])).content.decode()
    page = client.get(url).content.decode()
    assert 'name="timing" value="termination"' in page and "目標を達成し自立した" in page
    conference = services.conference_hold(
        case=active_plan.case, timing=Timing.TERMINATION, held_on=dt.date(2026, 9, 10), plan=active_plan,
        attendees=[case_worker], by=case_worker, achievement="達成", termination_evaluation="自立",
        follow_up_needed=False)
    evaluation.refresh_from_db()
    assert evaluation.conference == conference
    detail = client.get(reverse("cases:conference_detail", args=[conference.pk])).content.decode()
    assert "「終結」が提案され" in detail


def test_a_continue_proposal_waits_for_no_meeting(client, active_plan, case_worker):
    services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="順調", decision="continue",
                               next_monitoring_on=dt.date(2026, 12, 1), goals=_all_goals(active_plan), by=case_worker)
    client.force_login(case_worker)
    page = client.get(reverse("cases:conference", args=[active_plan.case.pk]) + "?timing=change").content.decode()
    assert "順調" not in page


def test_the_evaluation_form_refuses_bad_input_in_japanese_and_saves_nothing(client, active_plan, case_worker):
    client.force_login(case_worker)
    url = reverse("cases:evaluation", args=[active_plan.case.pk])
    response = client.post(url, {"evaluated_on": "2026-09-03", "overall": "x", "decision": "continue", **once()})
    page = response.content.decode()
    assert response.status_code == 200 and "次回モニタリングの時期を入力" in page and "このフィールドは必須です" in page
    assert not Evaluation.objects.exists()


# --- who sees what ----------------------------------------------------------------------------

def test_agency_workers_read_the_sheets_but_only_assigned_staff_write(client, active_plan, agency_worker,
                                                                      case_outsider, case_worker):
    evaluation = services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="x",
                                            decision="change", goals=_all_goals(active_plan), by=case_worker)
    assessment = services.assessment_add(case=active_plan.case, issues="家計", by=case_worker)
    case = active_plan.case
    reads = [reverse("cases:assessment_detail", args=[assessment.pk]),
             reverse("cases:assessment_pdf", args=[assessment.pk]),
             reverse("cases:evaluation_pdf", args=[evaluation.pk])]
    writes = [reverse("cases:evaluation", args=[case.pk]), reverse("cases:assessment", args=[case.pk]),
              reverse("cases:plan", args=[case.pk])]
    client.force_login(agency_worker)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=agency_worker).count()
    assert [client.get(u).status_code for u in reads] == [200, 200, 200]
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=agency_worker).count() == before + 3
    assert [client.get(u).status_code for u in writes] == [404, 404, 404]
    client.force_login(case_outsider)
    assert [client.get(u).status_code for u in reads + writes] == [404] * 6


# --- PDFs ---------------------------------------------------------------------------------------

def _pdf_text_and_page(content: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftotext, pdftoppm) が必要です")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    from PIL import Image

    with Image.open(png) as image:
        gray = image.convert("L")
        extrema = gray.getextrema()
        dark = sum(1 for p in gray.getdata() if p < 128)
    assert extrema[0] < 100 and dark > 500, "the first page is blank"
    return "".join(text.split())


def test_the_assessment_pdf_shows_every_item(client, case, case_worker, tmp_path):
    answers = {item: f"{item.label}の記入" for item in AssessmentItem.objects.all()}
    assessment = services.assessment_add(
        case=case, issues="課題の記入", strengths="強みの記入", answers=answers, by=case_worker,
        household_situation="世帯の記入", life_history="生活歴の記入", background="背景の記入", wishes="意向の記入")
    client.force_login(case_worker)
    text = _pdf_text_and_page(client.get(reverse("cases:assessment_pdf", args=[assessment.pk])).content, tmp_path)
    for expected in ["アセスメントシート", "山田一郎", "課題の整理", "背景要因", "本人の強み", "本人と家族の意向", "生活歴",
                     *(item.label for item in answers), MASK]:
        assert expected in text, expected
    # What was written is 要配慮: masked without an approval (unmasked: tests/consultations/test_masking.py).
    for written in ["課題の記入", "強みの記入", "世帯の記入", "生活歴の記入", "背景の記入", "意向の記入",
                    *(f"{item.label}の記入" for item in answers)]:
        assert written not in text, written


def test_the_plan_pdf_shows_goals_items_agreement_and_the_signature_line(client, active_plan, case_worker, tmp_path):
    client.force_login(case_worker)
    text = _pdf_text_and_page(client.get(reverse("cases:pdf", args=[active_plan.case.pk, "plan"])).content, tmp_path)
    for expected in ["長期目標", "短期目標", "本人の意向", "地域包括支援センター", "月1回", "長男", "週1回",
                     "次回モニタリングの時期", "本人の同意", "署名", "本人署名欄", "日付", "令和8年12月31日", MASK]:
        assert expected in text, expected
    for written in ["一人で通院できる", "介護保険の申請をする", "週2回外出する", "自宅で暮らし続けたい", "介護保険の申請支援",
                    "通院の付き添い"]:  # 要配慮: masked without an approval
        assert written not in text, written


def test_the_plan_pdf_and_the_intake_sheet_print_the_programs_and_the_participation_support(
        client, active_plan, case_worker, tmp_path):
    from tests.factories import SocialResourceFactory

    services.participation_support_add(plan=active_plan, note="サロンで週1回、体操に参加する", by=case_worker,
                                       resource=SocialResourceFactory(name="汐見南ふれあいサロン"))
    client.force_login(case_worker)
    plan = _pdf_text_and_page(client.get(reverse("cases:pdf", args=[active_plan.case.pk, "plan"])).content, tmp_path)
    for expected in ["事業", "包括的相談支援事業", "参加支援", "汐見南ふれあいサロン"]:
        assert expected in plan, expected
    assert "サロンで週1回、体操に参加する" not in plan  # the note is 要配慮: masked without an approval
    intake = _pdf_text_and_page(client.get(reverse("cases:pdf", args=[active_plan.case.pk, "intake"])).content,
                                tmp_path)
    assert "事業" in intake and "包括的相談支援事業" in intake


def test_the_evaluation_pdf_shows_every_goal_and_the_decision(client, active_plan, case_worker, tmp_path):
    goals = {None: ("achieved", "通院できている"), **{g: ("not_achieved", f"変化{g.order}")
                                                     for g in active_plan.short_goals.all()}}
    evaluation = services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="総合の所見",
                                            decision="change", goals=goals, by=case_worker)
    client.force_login(case_worker)
    text = _pdf_text_and_page(client.get(reverse("cases:evaluation_pdf", args=[evaluation.pk])).content, tmp_path)
    for expected in ["評価シート", "長期目標", "達成", "短期目標1", "短期目標2", "未達成", "プラン変更", "未決定", MASK]:
        assert expected in text, expected
    for written in ["一人で通院できる", "通院できている", "変化1", "変化2", "総合の所見"]:  # 要配慮: masked
        assert written not in text, written


# --- the reminder -------------------------------------------------------------------------------

def test_a_missing_evaluation_reminds_assigned_staff_a_week_after_monitoring(active_plan, case_worker):
    assert case_reminders.evaluation_overdue(scan.Scan(dt.date(2026, 9, 7))) == []
    [planned] = case_reminders.evaluation_overdue(scan.Scan(dt.date(2026, 9, 8)))
    assert planned.user_id == case_worker.pk and planned.reason == Reason.EVALUATION
    case = active_plan.case
    for text in (str(planned.subject_text), str(planned.body_text)):
        assert case.number in text and case.person_name not in text and "山田" not in text
        assert "一人で通院" not in text
    delivery = Delivery(recipient="w@example.jp", reason=Reason.EVALUATION, object_key=planned.object_key,
                        step=planned.step, subject="s", body="b")
    assert case_reminders.evaluation_still_due(delivery, dt.date(2026, 9, 8))
    services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 8), overall="x", decision="change",
                               goals=_all_goals(active_plan), by=case_worker)
    assert not case_reminders.evaluation_still_due(delivery, dt.date(2026, 9, 8))
    assert case_reminders.evaluation_overdue(scan.Scan(dt.date(2026, 9, 9))) == []


# --- retention ----------------------------------------------------------------------------------

def test_retention_blanks_the_sheets_too(active_plan, case_worker):
    import time_machine

    health = AssessmentItem.objects.get(label="健康")
    assessment = services.assessment_add(case=active_plan.case, issues="家計", answers={health: "山田さんは糖尿病"},
                                         life_history="山田家の長女として", wishes="自宅で", by=case_worker)
    evaluation = services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="山田さんは自立",
                                            decision="end", goals=_all_goals(active_plan), by=case_worker)
    services.conference_hold(case=active_plan.case, timing=Timing.TERMINATION, held_on=dt.date(2026, 9, 10),
                             plan=active_plan, attendees=[case_worker], by=case_worker, achievement="達成",
                             termination_evaluation="自立", follow_up_needed=False)
    with time_machine.travel(dt.datetime(2032, 1, 1, tzinfo=dt.UTC), tick=False):
        services.cases_anonymise(closed_before=dt.date(2031, 1, 1))
    assessment.refresh_from_db()
    evaluation.refresh_from_db()
    assert "山田" not in assessment.answers.get().text and assessment.life_history == assessment.wishes == ""
    assert "山田" not in evaluation.overall
    assert all(i.content == services.ANONYMISED for i in active_plan.items.all())
    assert all(g.text == services.ANONYMISED for g in active_plan.short_goals.all())
    assert SupportPlan.objects.get(pk=active_plan.pk).wishes == ""


def test_the_audit_log_holds_no_text_of_the_sheets(active_plan, case_worker):
    import json

    health = AssessmentItem.objects.get(label="健康")
    services.assessment_add(case=active_plan.case, issues="秘密の課題", answers={health: "秘密の病名"},
                            household_situation="秘密の世帯", life_history="秘密の生活歴", background="秘密の背景",
                            wishes="秘密の意向", strengths="秘密の強み", by=case_worker)
    services.evaluation_record(plan=active_plan, evaluated_on=dt.date(2026, 9, 3), overall="秘密の所見",
                               decision="change", goals={None: ("partly", "秘密の変化"),
                                                         **{g: ("partly", "") for g in active_plan.short_goals.all()}},
                               by=case_worker)
    text = json.dumps([e.changes for e in LogEntry.objects.all()], ensure_ascii=False)
    for secret in ["秘密", "一人で通院", "介護保険の申請", "通院の付き添い", "自宅で暮らし続けたい", "長男"]:
        assert secret not in text, secret


@pytest.mark.django_db(transaction=True)
def test_an_emptied_database_gets_the_usual_assessment_items_again():
    """The items are data a migration seeded once; a database emptied by flush (as between
    transactional tests) gets them back after the post_migrate signal, a kept one is not touched."""
    from django.core.management import call_command

    from consultations.models import AssessmentItem

    AssessmentItem.objects.filter(label="健康").update(active=False)
    call_command("migrate", verbosity=0)  # sends post_migrate: nothing to add, nothing changed
    assert AssessmentItem.objects.get(label="健康").active is False
    call_command("flush", interactive=False, verbosity=0)
    assert list(AssessmentItem.objects.order_by("order").values_list("label", flat=True)) == [
        "健康", "障がい", "住まい", "収入・負債", "就労・日中活動", "社会関係・つながり"]
