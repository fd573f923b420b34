"""One case from intake through a 重層的支援会議 at plan creation, a change, to termination."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from consultations.models import Case, PlanStatus
from tests.conftest import name_city
from tests.factories import PASSWORD, AgencyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_case_from_intake_to_termination(page: Page, live_server):
    name_city()
    AgencyFactory(organisation__name="汐見中央地域包括支援センター")  # ticked by name in the consent form
    UserFactory(username="worker", roles=["相談支援員"])
    UserFactory(username="stranger", roles=["相談支援員"])
    today = timezone.localdate().isoformat()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("worker")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ケース").click()
    page.get_by_role("link", name="相談を受け付ける").click()
    expect(page.get_by_label("受付日")).to_have_value(today)  # opens on today
    page.get_by_label("高齢").check()
    page.get_by_label("生活困窮").check()
    page.get_by_label("本人氏名", exact=True).fill("山田 花子")
    page.get_by_label("世帯員（1行に1人：氏名／続柄）").fill("山田 一郎／長男")
    page.get_by_label("相談の内容（主訴）").fill("母の介護と家計の相談")
    page.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_role("status")).to_contain_text("相談を受け付けました")
    case = Case.objects.get()

    def record(link, fields, button, timing=None):
        page.get_by_role("link", name=link, exact=True).click()
        if timing is not None:  # the meeting's first step: its timing, then only that timing's fields
            page.get_by_label(timing, exact=True).check()
            page.get_by_role("button", name="次へ").click()
            expect(page.locator("main")).to_contain_text(f"開催時期：{timing}")
        for label, value in fields:
            field = page.get_by_label(label, exact=True)
            if value is True:
                field.check()
            elif field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        page.get_by_role("button", name=button).click()
        expect(page.get_by_role("status")).to_be_visible()

    record("同意を記録する", [("汐見中央地域包括支援センター", True), ("同意日", today)], "記録する")
    plan_fields = [("長期目標", "介護サービスにつながる"), ("支援方針", "包括と分担して支える"),
                   ("プランの内容（補足）", "介護保険の申請、家計相談"), ("次回モニタリングの時期", today)]
    record("プランの案を作る", plan_fields, "案を作る")
    record("重層的支援会議を記録する", [("開催日", today)], "記録してプランに反映する", timing="プラン策定時")
    assert case.plans.get().status == PlanStatus.ACTIVE
    record("プランの案を作る", plan_fields, "案を作る")
    record("重層的支援会議を記録する", [("開催日", today), ("本人の状況変化の確認・評価", "入院した"),
                                   ("現行プランの評価", "申請まで進んだ")], "記録してプランに反映する",
           timing="プラン変更時")
    record("重層的支援会議を記録する", [("開催日", today), ("目標達成状況・支援者の状況", "サービス利用開始"),
                                   ("支援終結の評価", "目標を達成した"), ("フォローアップの必要", "あり"),
                                   ("フォローアップの方法", "包括が3か月後に訪問")], "記録してプランに反映する",
           timing="支援終結の判断時")
    expect(page.get_by_role("heading", level=1)).to_contain_text("終結")
    assert list(case.plans.order_by("version").values_list("status", flat=True)) == ["superseded", "ended"]
    page.screenshot(path="test-results/case-detail.png", full_page=True)

    other = page.context.browser.new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("ユーザー名").fill("stranger")
    other.get_by_label("パスワード").fill(PASSWORD)
    other.get_by_role("button", name="ログイン").click()
    assert other.goto(f"{live_server.url}/portal/cases/{case.pk}/").status == 404


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_the_meetings_first_step_chooses_the_timing_and_has_no_violation(page: Page, live_server, width, height):
    from axe_playwright_python.sync_playwright import Axe

    from tests.factories import CaseFactory, ConsentFactory

    name_city()
    agency = AgencyFactory(organisation__name="汐見中央地域包括支援センター")
    worker = UserFactory(username="worker", roles=["相談支援員"])
    case = CaseFactory(by=worker)
    ConsentFactory(case=case, agencies=[agency], by=worker)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("worker")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server.url}/portal/cases/{case.pk}/")
    page.get_by_role("link", name="重層的支援会議を記録する", exact=True).click()
    expect(page.get_by_role("group", name="開催時期")).to_be_visible()
    expect(page.get_by_label("開催日", exact=True)).to_have_count(0)
    axe = Axe()
    rules = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
             "resultTypes": ["violations"]}
    found = [f"step 1: {v['id']} ({v['impact']})" for v in axe.run(page, options=rules).response["violations"]]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"test-results/conference-timing-{width}.png", full_page=True)
    page.get_by_label("支援中断の決定時", exact=True).check()
    page.get_by_role("button", name="次へ").click()
    expect(page.get_by_label("中断の理由", exact=True)).to_be_visible()
    expect(page.get_by_label("支援終結の評価", exact=True)).to_have_count(0)
    found += [f"step 2: {v['id']} ({v['impact']})" for v in axe.run(page, options=rules).response["violations"]]
    assert found == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_the_intake_opens_on_today_and_a_meeting_without_consent_says_so_first(page: Page, live_server, width,
                                                                             height):
    """Issue 16 item 9: 受付日 is filled in; a 重層的支援会議 recorded for a case with neither consent nor
    plan is refused for the consent (the thing to fix first), not for the plan."""
    from tests.factories import CaseFactory

    name_city()
    worker = UserFactory(username="worker", roles=["相談支援員"])
    case = CaseFactory(by=worker)  # no consent, no plan
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("worker")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server.url}/portal/cases/new/")
    expect(page.get_by_label("受付日")).to_have_value(timezone.localdate().isoformat())
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(f"{live_server.url}/portal/cases/{case.pk}/")
    page.get_by_role("link", name="重層的支援会議を記録する", exact=True).click()
    page.get_by_label("プラン策定時", exact=True).check()
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("開催日", exact=True).fill(timezone.localdate().isoformat())
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_text("本人の同意（有効なもの）がないため")).to_be_visible()
    expect(page.get_by_text("この開催時期の会議にかけるプランがありません")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not case.conferences.exists()
