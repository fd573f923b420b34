"""One case walked on a phone: intake, consent, 支援経過, アセスメントシート, プランシート,
重層的支援会議 (策定), 連携シート accepted by the agency, 評価 proposing 終結, 重層的支援会議 (終結).

Every step clicks the real pages as a 相談支援員 would on a 390 px wide screen, and checks what
the person sees, that nothing scrolls sideways and that the page logs no console error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from consultations.models import REFERRAL_MINIMUM, Case, CaseStatus, PlanStatus, ReferralItem, ReferralStatus
from municipality.wareki import format_wareki
from tests.conftest import name_city
from tests.factories import PASSWORD, AgencyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
AGENCY = "汐見中央地域包括支援センター"
AXE_RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
             "resultTypes": ["violations"]}
SHOTS = Path("test-results")


class Phone:
    """A signed-in phone-width page that records console errors and checks each page it shows."""

    def __init__(self, page: Page, base_url: str, username: str, prefix: str):
        page.set_viewport_size(PHONE)
        self.page = page
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"{self.page.url}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))
        self.base_url, self.prefix, self.shots = base_url, prefix, 0
        self.page.goto(f"{base_url}/accounts/login/")
        self.page.get_by_label("ユーザー名").fill(username)
        self.page.get_by_label("パスワード").fill(PASSWORD)
        self.page.get_by_role("button", name="ログイン").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("ようこそ")

    def check(self, name: str, heading: str) -> None:
        """On the page titled ``heading`` (so a click has landed): it fits the phone (no sideways
        scrolling), no console error so far, and a screenshot to look at."""
        page = self.page
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide = page.evaluate(f"""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > {PHONE['width']})
                .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
            pytest.fail(f"{name}: {page.url} is {width}px wide on a phone: {wide}")
        assert self.errors == [], name
        self.shots += 1
        page.screenshot(path=str(SHOTS / f"case-course-{self.prefix}{self.shots:02d}-{name}.png"), full_page=True)

    def message(self, text: str) -> None:
        expect(self.page.get_by_role("status")).to_contain_text(text)

    def timeline(self, text: str) -> None:
        """A line of the 支援経過 on the case page."""
        expect(self.page.locator("ol.timeline")).to_contain_text(text)

    def close(self) -> None:
        self.page.context.close()


def test_a_case_walked_on_a_phone_from_intake_to_termination(page: Page, live_server):
    name_city()
    agency = AgencyFactory(organisation__name=AGENCY)
    UserFactory(username="worker", name="相談 一郎", roles=["相談支援員"])
    UserFactory(username="houkatsu", name="包括 花子", organisation=agency.organisation, roles=["相談支援員"])
    today = timezone.localdate().isoformat()
    SHOTS.mkdir(exist_ok=True)

    me = Phone(page, live_server.url, "worker", "a")
    me.check("start", "ようこそ")

    # The menu is folded on a phone.
    page.get_by_role("button", name="メニュー").click()
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ケース").click()
    me.check("case-list", "のケース")

    # 相談受付
    page.get_by_role("link", name="相談を受け付ける").click()
    me.check("intake-form", "相談受付")
    expect(page.get_by_label("受付日")).to_have_value(today)  # opens on today
    page.get_by_label("高齢").check()
    page.get_by_label("生活困窮").check()
    page.get_by_label("本人氏名", exact=True).fill("山田 花子")
    page.get_by_label("世帯員（1行に1人：氏名／続柄）").fill("山田 一郎／長男")
    page.get_by_label("相談の内容（主訴）").fill("母の介護と家計の相談")
    page.get_by_role("button", name="受け付ける").click()
    me.message("相談を受け付けました")
    case = Case.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text("支援中")
    me.timeline("相談受付")
    me.check("case-opened", "（支援中）")

    # 本人同意, with the agency
    page.get_by_role("link", name="同意を記録する", exact=True).click()
    me.check("consent-form", "本人同意（")
    page.get_by_label(AGENCY).check()
    page.get_by_label("同意日").fill(today)
    page.get_by_role("button", name="記録する").click()
    me.message("本人同意を記録しました。")
    me.timeline("本人同意")
    expect(page.locator("#consent").locator("..")).to_contain_text(AGENCY)
    me.check("consented", "（支援中）")

    # 支援経過
    page.get_by_role("link", name="支援経過を記録する").click()
    me.check("timeline-form", "支援経過（")
    page.get_by_label("方法").select_option(label="電話")
    page.get_by_label("相手（例：本人・長女・地域包括支援センター）").fill("本人")
    page.get_by_label("内容", exact=True).fill("介護保険の申請について説明した")
    page.get_by_role("button", name="記録する").click()
    me.message("支援経過を記録しました。")
    me.timeline("介護保険の申請について説明した")
    me.check("timeline-recorded", "（支援中）")

    # アセスメントシート
    page.get_by_role("link", name="アセスメントを記録する").click()
    me.check("assessment-form", "アセスメントシート（")
    page.get_by_label("課題の整理").fill("介護と家計の二つの課題がある")
    page.get_by_label("本人の強み").fill("長男が近くに住む")
    page.get_by_role("button", name="新しい版として記録する").click()
    me.message("アセスメント第1版を記録しました。")
    expect(page.get_by_role("heading", level=1)).to_have_text("アセスメントシート 第1版")
    me.check("assessment-sheet", "アセスメントシート 第1版")
    page.get_by_role("link", name=f"ケース {case.number}").click()
    me.timeline("アセスメント第1版")
    expect(page.locator("#assessment").locator("..")).to_contain_text("介護と家計の二つの課題がある")
    me.check("assessed", "（支援中）")

    # プランシート: a short goal and a support item in the formsets
    page.get_by_role("link", name="プランの案を作る").click()
    me.check("plan-form", "プランシート（")
    page.get_by_label("長期目標").fill("安心して在宅生活を続ける")
    page.get_by_label("支援方針").fill("包括と分担して支える")
    page.get_by_label("次回モニタリングの時期").fill(today)
    page.get_by_label("短期目標").first.fill("介護保険のサービスを使い始める")
    page.get_by_label("関係機関", exact=True).first.select_option(label=AGENCY)
    page.get_by_label("支援内容・役割").first.fill("要介護認定の申請を手伝う")
    page.get_by_role("button", name="案を作る").click()
    me.message("支援プランの案を記録しました。")
    me.timeline("支援プラン第1版（案）")
    plans = page.locator("#plans").locator("..")
    expect(plans).to_contain_text("介護保険のサービスを使い始める")
    expect(plans).to_contain_text(f"{AGENCY}：要介護認定の申請を手伝う")
    me.check("plan-drafted", "（支援中）")

    # 重層的支援会議 at プラン策定時: the plan becomes active
    page.get_by_role("link", name="重層的支援会議を記録する").click()
    me.check("conference-timing", "重層的支援会議（")
    result = Axe().run(page, options=AXE_RULES)
    assert [v["id"] for v in result.response["violations"]] == []
    page.get_by_label("プラン策定時", exact=True).check()
    page.get_by_role("button", name="次へ").click()
    me.check("conference-creation-form", "重層的支援会議（")
    expect(page.locator("main")).to_contain_text("開催時期：プラン策定時")
    page.get_by_label("開催日", exact=True).fill(today)
    page.get_by_role("button", name="記録してプランに反映する").click()
    me.message("重層的支援会議を記録しました。")
    me.timeline("重層的支援会議（プラン策定時）")
    expect(plans).to_contain_text("第1版（実施中）")
    assert case.plans.get().status == PlanStatus.ACTIVE
    me.check("plan-active", "（支援中）")

    # 連携シート to the consented agency: the minimum is what is ticked unless the worker ticks more
    page.get_by_role("link", name="連携シートを作成して送る").click()
    me.check("referral-form", "連携シート（")
    ticked = [label for _, label in ReferralItem.choices
              if page.get_by_label(label, exact=True).is_checked()]
    assert ticked == [ReferralItem(v).label for v in REFERRAL_MINIMUM]
    page.get_by_label("送付先の関係機関").select_option(label=AGENCY)
    page.get_by_label("依頼の内容・目的").fill("要介護認定の申請の支援をお願いします")
    page.get_by_role("button", name="送付する").click()
    me.message(f"連携シートを送付しました（{AGENCY}）。")
    referral = case.referrals.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"連携シート {referral.pk}（送付済）")
    sent = page.locator("#shared").locator("..")
    expect(sent).to_contain_text("氏名・年齢")
    expect(sent).to_contain_text("主訴")
    expect(sent).not_to_contain_text("世帯")
    me.check("referral-sent", "（送付済）")
    page.get_by_role("link", name="ケースを開く").click()
    me.timeline(f"連携シートの送付（{AGENCY}")
    expect(page.locator("#referrals").locator("..")).to_contain_text("送付済")
    assert sorted(referral.items) == sorted(REFERRAL_MINIMUM)

    # The agency's worker, on their own phone (a second browser context: own cookies), accepts it.
    them = Phone(page.context.browser.new_context().new_page(), live_server.url, "houkatsu", "b")
    other = them.page
    other.get_by_role("button", name="メニュー").click()
    other.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ケース").click()
    other.get_by_role("link", name="受け取った連携シート").click()
    them.check("inbox", "受け取った連携シート")
    other.get_by_role("link", name=f"連携シート {referral.pk}").click()
    them.check("referral", "（送付済）")
    shared = other.locator("#shared").locator("..")
    expect(shared).to_contain_text("山田 花子")
    expect(shared).to_contain_text("母の介護と家計の相談")
    expect(shared).not_to_contain_text("山田 一郎")  # the household was not shared
    other.get_by_role("button", name="受理する").click()
    them.message("連携シートを受理しました")
    expect(other.get_by_role("heading", level=1)).to_contain_text("受理")
    them.check("accepted", "（受理）")
    other.get_by_role("link", name="ケースを開く").click()
    expect(other.get_by_role("heading", level=1)).to_contain_text(case.number)
    expect(other.get_by_role("link", name="支援経過を記録する")).to_have_count(0)  # reads, never writes
    them.check("case-read-only", "（支援中）")
    them.close()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED

    # Back as the worker: the answer is on the case page.
    page.reload()
    me.timeline(f"連携シートの受理（{AGENCY}）")

    # 評価 proposing 終結
    page.get_by_role("link", name="評価（モニタリング）を記録する").click()
    me.check("evaluation-form", "評価シート（")
    # The sheet opens on today; the meeting form quotes the date the sheet holds.
    evaluated_on = page.get_by_label("評価日").input_value()
    page.get_by_label("長期目標の達成度").select_option(label="達成")
    page.get_by_label("短期目標1の達成度").select_option(label="達成")
    page.get_by_label("短期目標1：見られた変化").fill("デイサービスに週2回通い始めた")
    page.get_by_label("総合所見").fill("サービスにつながり、家計も落ち着いた")
    page.get_by_label("今後の方針（案）").select_option(label="終結")
    page.get_by_role("button", name="評価を記録する").click()
    me.message("次の重層的支援会議で決定してください")
    expect(plans).to_contain_text("評価シート（終結・会議で決定待ち）")
    me.check("evaluated", "（支援中）")

    # 重層的支援会議 at 支援終結の判断時, prefilled from the evaluation
    # The link goes straight to the second step, at the timing the evaluation proposed.
    page.get_by_role("link", name="重層的支援会議を記録する").click()
    expect(page.locator("main")).to_contain_text("開催時期：支援終結の判断時")
    expect(page.get_by_label("目標達成状況・支援者の状況")).to_have_value(
        f"{format_wareki(dt.date.fromisoformat(evaluated_on))}の評価（今後の方針の案：終結）\nサービスにつながり、家計も落ち着いた")
    expect(page.get_by_label("本人の状況変化の確認・評価")).to_have_count(0)
    me.check("conference-termination-form", "重層的支援会議（")
    page.get_by_label("開催日", exact=True).fill(today)
    page.get_by_label("支援終結の評価").fill("目標を達成した")
    page.get_by_label("フォローアップの必要").select_option(label="あり")
    page.get_by_label("フォローアップの方法").fill("包括が3か月後に訪問")
    page.get_by_role("button", name="記録してプランに反映する").click()
    me.message("重層的支援会議を記録しました。")

    # The case shows 終結.
    expect(page.get_by_role("heading", level=1)).to_contain_text("終結")
    me.timeline("重層的支援会議（支援終結の判断時）")
    expect(plans).to_contain_text("第1版（終結）")
    expect(plans).to_contain_text("会議で決定済み")
    expect(page.get_by_role("link", name="連携シートを作成して送る")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    me.check("closed", "（終結）")

    result = Axe().run(page, options=AXE_RULES)
    found = [f"{v['id']} ({v['impact']}) {', '.join(n['target'][0] for n in v['nodes'][:3])}"
             for v in result.response["violations"]]
    assert found == []
