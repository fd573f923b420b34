"""The public 社会資源 directory (issue 17, must-have 8) in Chromium at phone (390 px) and desktop
(1366 px) width: read and searched without logging in, no serious or critical axe finding, no sideways
scrolling, the same search without JavaScript, only the list on paper; and a coordinator marking a
resource public through the portal form."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from activities.models import ProviderKind
from tests.browser.test_accessibility_browser import violations
from tests.browser.test_daily_screens_browser import coordinator_in, fits, log_in
from tests.conftest import name_city
from tests.factories import AreaFactory, SocialResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)], ids=["phone", "desktop"])
PERSON = "山田花子"


def listed(area, name, kind, description):
    return SocialResourceFactory(
        area=area, name=name, provider_kind=kind, is_public=True, public_description=description,
        public_window="汐見市社会福祉協議会 地域福祉課", public_phone="0467-00-1234",
        contact=f"担当 {PERSON} 090-1111-2222", offers=f"{PERSON}さんが世話役")


@pytest.fixture
def directory(db):
    name_city()
    north, south = AreaFactory(code="BR-N", name="北地区", sort_order=1), AreaFactory(code="BR-S", name="南地区",
                                                                                      sort_order=2)
    listed(north, "ひだまりサロン", ProviderKind.SALON, "毎週水曜 10時〜12時、北公民館で茶話会と体操。")
    listed(south, "おたすけ隊しおみ", ProviderKind.VOLUNTEER, "ごみ出し・電球交換など30分程度の困りごとのお手伝い。")
    listed(south, "汐見生協 移動販売", ProviderKind.COOPERATIVE, "火曜・金曜に移動販売車が南地区の3か所をまわります。")
    SocialResourceFactory(area=north, name="内部だけの集まり", contact=f"{PERSON} 090-1111-2222")
    return {"north": north, "south": south}


@WIDTHS
def test_anyone_reads_and_searches_the_directory(page: Page, live_server, directory, width, height):
    page.set_viewport_size({"width": width, "height": height})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}{reverse('directory:list')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("社会資源一覧")
    expect(page.get_by_role("heading", name="ひだまりサロン")).to_be_visible()
    assert PERSON not in page.content() and "内部だけの集まり" not in page.content()
    fits(page)
    axe = Axe()
    found = violations(page, axe)

    page.get_by_label("区域", exact=True).select_option(label="南地区")
    page.get_by_label("キーワード").fill("電球")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_role("heading", name="おたすけ隊しおみ")).to_be_visible()
    expect(page.get_by_role("heading", name="ひだまりサロン")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("1件")
    fits(page)
    found += violations(page, axe)

    page.goto(f"{live_server.url}{reverse('directory:list')}?area=x&q={'あ' * 200}")
    expect(page.get_by_role("alert")).to_contain_text("キーワードは100文字以内で入力してください。")
    expect(page.get_by_role("alert")).to_contain_text("区域は一覧から選んでください。")
    fits(page)
    found += violations(page, axe)
    assert not found, "\n".join(found)
    assert not console, console

    # On paper: the list without the search, the page links or the menu.
    page.goto(f"{live_server.url}{reverse('directory:list')}")
    page.emulate_media(media="print")
    expect(page.get_by_role("search")).to_be_hidden()
    expect(page.get_by_role("heading", name="区域ごとの一覧を印刷する（PDF）")).to_be_hidden()
    expect(page.get_by_role("heading", name="ひだまりサロン")).to_be_visible()


@WIDTHS
def test_the_directory_works_without_javascript(browser: Browser, live_server, directory, width, height):
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{reverse('directory:list')}")
        page.get_by_label("種類", exact=True).select_option(label="協同組合")
        page.get_by_role("button", name="検索").click()
        expect(page.get_by_role("heading", name="汐見生協 移動販売")).to_be_visible()
        expect(page.get_by_role("heading", name="おたすけ隊しおみ")).to_have_count(0)
        fits(page)
        href = page.get_by_role("link", name="南地区の社会資源一覧（PDF）").get_attribute("href")
        response = context.request.get(f"{live_server.url}{href}")
        assert response.ok and response.headers["content-type"] == "application/pdf"
    finally:
        context.close()


def test_a_coordinator_marks_a_resource_public(page: Page, live_server, org_a):
    name_city()
    city = UserFactory(username="city-br", roles=["市職員"])
    area = AreaFactory(code="BR-C", name="中央地区")
    coordinator_in(org_a, area, "coord-br", "松本 さくら", city)
    resource = SocialResourceFactory(area=area, name="ふれあい食堂", registered_by=org_a,
                                     contact=f"担当 {PERSON} 090-1111-2222")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "coord-br")
    page.goto(f"{live_server.url}{reverse('activities:resource_edit', args=[resource.pk])}")
    page.get_by_label("社会資源一覧（公開）に載せる").check()
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("公開するには、公開用の説明を入力してください。")).to_be_visible()
    page.get_by_label("公開用の説明").fill("第2・第4土曜の昼、集会所で食事会（300円）。")
    page.get_by_label("問い合わせ先（団体・窓口の名称）").fill("汐見市社会福祉協議会")
    page.get_by_label("問い合わせ先の電話番号").fill("0467-00-4444")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("社会資源「ふれあい食堂」を保存しました。")).to_be_visible()
    page.get_by_role("link", name="社会資源一覧（公開）を見る").click()
    expect(page.get_by_role("heading", name="ふれあい食堂")).to_be_visible()
    expect(page.get_by_text("第2・第4土曜の昼、集会所で食事会（300円）。")).to_be_visible()
    assert PERSON not in page.content()
    found = violations(page, Axe())
    assert not found, "\n".join(found)
