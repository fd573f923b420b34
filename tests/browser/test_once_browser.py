"""A create form sent again from the browser (back, then the button once more) makes nothing new;
the browser loads the page anew and static/js/portal.js puts back the token the form was sent with."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from consultations.models import Case
from municipality.models import FormSubmission
from tests.conftest import name_city
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_filled_intake(page: Page, live_server, username: str) -> None:
    """Log in as a case worker and fill the intake form, ready to send."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server.url}/portal/cases/new/")
    page.get_by_label("受付日").fill(timezone.localdate().isoformat())
    page.get_by_label("高齢").check()
    page.get_by_label("本人氏名", exact=True).fill("山田 花子")
    page.get_by_label("相談の内容（主訴）").fill("母の介護の相談")


def test_the_intake_form_sent_again_after_going_back_makes_one_case(page: Page, live_server):
    name_city()
    UserFactory(username="worker", roles=["相談支援員"])
    open_filled_intake(page, live_server, "worker")
    first_token = page.locator("input[name=once_token]").input_value()
    page.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_role("status")).to_contain_text("相談を受け付けました")
    detail = page.url
    loads = []
    page.on("request", lambda request: loads.append(request.url) if request.method == "GET" else None)
    page.go_back()
    expect(page.get_by_label("本人氏名", exact=True)).to_have_value("山田 花子")
    # The browser loaded the form anew (the server drew a new token) and put back what was typed;
    # portal.js put back the token the form was sent with.
    assert any(url.endswith("/portal/cases/new/") for url in loads)
    assert page.locator("input[name=once_token]").input_value() == first_token
    page.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_role("status")).to_contain_text("この内容はすでに登録されています（二重送信を防ぎました）。")
    assert page.url == detail
    assert Case.objects.count() == 1
    assert FormSubmission.objects.count() == 1
    # A form opened anew is a new form.
    page.goto(f"{live_server.url}/portal/cases/new/")
    assert page.locator("input[name=once_token]").input_value() != first_token


def test_a_form_changed_after_going_back_is_another_record(page: Page, live_server):
    name_city()
    UserFactory(username="worker2", roles=["相談支援員"])
    open_filled_intake(page, live_server, "worker2")
    page.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_role("status")).to_contain_text("相談を受け付けました")
    page.go_back()
    expect(page.get_by_label("本人氏名", exact=True)).to_have_value("山田 花子")
    # Another person's intake typed over the sent one: a new record, not a refused repeat.
    page.get_by_label("本人氏名", exact=True).fill("佐藤 一郎")
    page.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_role("status")).to_contain_text("相談を受け付けました")
    assert sorted(Case.objects.values_list("person_name", flat=True)) == ["佐藤 一郎", "山田 花子"]
