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
    page.get_by_label("受付日").fill(today)
    page.get_by_label("高齢").check()
    page.get_by_label("生活困窮").check()
    page.get_by_label("本人氏名", exact=True).fill("山田 花子")
    page.get_by_label("世帯員（1行に1人：氏名／続柄）").fill("山田 一郎／長男")
    page.get_by_label("相談の内容（主訴）").fill("母の介護と家計の相談")
    page.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_role("status")).to_contain_text("相談を受け付けました")
    case = Case.objects.get()

    def record(link, fields, button):
        page.get_by_role("link", name=link, exact=True).click()
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
    record("重層的支援会議を記録する", [("開催時期", "プラン策定時"), ("開催日", today)], "記録してプランに反映する")
    assert case.plans.get().status == PlanStatus.ACTIVE
    record("プランの案を作る", plan_fields, "案を作る")
    record("重層的支援会議を記録する", [("開催時期", "プラン変更時"), ("開催日", today),
                                   ("本人の状況変化の確認・評価（変更時）", "入院した"),
                                   ("現行プランの評価（変更時）", "申請まで進んだ")], "記録してプランに反映する")
    record("重層的支援会議を記録する", [("開催時期", "支援終結の判断時"), ("開催日", today),
                                   ("目標達成状況・支援者の状況（終結時）", "サービス利用開始"),
                                   ("支援終結の評価（終結時）", "目標を達成した"),
                                   ("フォローアップの必要（終結時）", "あり"),
                                   ("フォローアップの方法（終結時）", "包括が3か月後に訪問")], "記録してプランに反映する")
    expect(page.get_by_role("heading", level=1)).to_contain_text("終結")
    assert list(case.plans.order_by("version").values_list("status", flat=True)) == ["superseded", "ended"]
    page.screenshot(path="test-results/case-detail.png", full_page=True)

    other = page.context.browser.new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("ユーザー名").fill("stranger")
    other.get_by_label("パスワード").fill(PASSWORD)
    other.get_by_role("button", name="ログイン").click()
    assert other.goto(f"{live_server.url}/portal/cases/{case.pk}/").status == 404
