import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from municipality.roles import Role
from tests.conftest import name_city
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def municipality_name():
    name_city()


def test_login_page_is_japanese(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "ログイン" in body
    assert '<label for="id_username">' in body  # every field has its label


def test_wrong_password_gets_a_japanese_message(client, contractor_a):
    response = client.post(reverse("login"), {"username": "contractor_a", "password": "wrong"})
    assert response.status_code == 200
    assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()


def test_login_then_start_page_then_logout(client, contractor_a):
    response = client.post(reverse("login"), {"username": "contractor_a", "password": PASSWORD}, follow=True)
    body = response.content.decode()
    assert "ようこそ、" in body
    assert "受託団体のメニュー" in body
    response = client.post(reverse("logout"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")
    assert client.get(reverse("portal:home")).status_code == 302


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_is_throttled_after_five_failures(client, contractor_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "contractor_a", "password": "wrong"})
    # Even the right password is refused while the lock lasts.
    response = client.post(reverse("login"), {"username": "contractor_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "ログインを一時停止しています" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttling_of_one_user_does_not_lock_out_another(client, contractor_a, contractor_b):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "contractor_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "contractor_b", "password": PASSWORD})
    assert response.status_code == 302


def test_password_change(client, contractor_a):
    client.force_login(contractor_a)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "umi-no-mieru-oka-42", "new_password2": "umi-no-mieru-oka-42",
    })
    assert response.status_code == 302
    contractor_a.refresh_from_db()
    assert contractor_a.check_password("umi-no-mieru-oka-42")


def test_weak_new_password_is_refused_in_japanese(client, contractor_a):
    client.force_login(contractor_a)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678",
    })
    assert response.status_code == 200
    assert "このパスワードは短すぎます" in response.content.decode()
    contractor_a.refresh_from_db()
    assert contractor_a.check_password(PASSWORD)


def test_password_reset_by_mail(client, contractor_a, city_staff):
    from portal.services import password_reset_requests_process
    from reminders.models import Delivery
    from reminders.services import ERASED, send_due

    client.post(reverse("password_reset"), {"email": contractor_a.email})
    password_reset_requests_process()  # the worker, after the response
    # The mail waits in the outbox (a mail server that is down fails nothing); its link is never
    # shown to staff, and it is erased once sent.
    delivery = Delivery.objects.get(recipient=contractor_a.email)
    assert delivery.sensitive and "/accounts/reset/" in delivery.body
    client.force_login(city_staff)
    page = client.get(reverse("admin:reminders_delivery_change", args=[delivery.pk])).content.decode()
    assert "パスワード再設定のご案内" in page and "/accounts/reset/" not in page
    client.logout()
    assert send_due() == 1
    delivery.refresh_from_db()
    assert delivery.body == ERASED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "【汐見市】パスワード再設定のご案内"
    assert "汐見市 地域支え合い・重層的支援 管理システム" in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)
    form_url = client.get(link, follow=True).request["PATH_INFO"]
    response = client.post(form_url, {"new_password1": "aoi-umi-shiroi-nami-7", "new_password2": "aoi-umi-shiroi-nami-7"})
    assert response.status_code == 302
    contractor_a.refresh_from_db()
    assert contractor_a.check_password("aoi-umi-shiroi-nami-7")


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.jp"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("role", "heading", "link"),
    [
        (Role.CITY_STAFF, "市職員のメニュー", "/admin/"),
        (Role.CONTRACTOR, "受託団体のメニュー", "/portal/organisations/"),
        (Role.COORDINATOR, "コーディネーターのメニュー", None),
        (Role.SECRETARIAT, "協議体事務局のメニュー", "/admin/"),
        (Role.CASE_WORKER, "相談支援員のメニュー", None),
        (Role.AUDITOR, "監査のメニュー", "/admin/auditlog/logentry/"),
    ],
)
def test_start_page_per_role(client, org_a, role, heading, link):
    user = UserFactory(username=f"u-{role.name}", organisation=org_a, roles=[role.value])
    client.force_login(user)
    body = client.get(reverse("portal:home")).content.decode()
    assert heading in body
    assert body.count("のメニュー</h2>") == 1
    if link:
        assert f'href="{link}' in body


def test_user_without_role_is_told_so(client, org_a):
    client.force_login(UserFactory(username="norole", organisation=org_a))
    assert "役割が設定されていません" in client.get(reverse("portal:home")).content.decode()


def test_security_headers_and_content_security_policy(client, contractor_a):
    client.force_login(contractor_a)
    response = client.get(reverse("portal:home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_or_stylesheet_loads_anything_from_elsewhere():
    root = Path(settings.BASE_DIR)
    pattern = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//|@import\s+url\(\s*["']?(https?:)?//|url\(\s*["']?https?://""")
    offenders = [
        str(path.relative_to(root))
        for folder in ("templates", "static")
        for path in (root / folder).rglob("*")
        if path.is_file() and path.suffix in {".html", ".css", ".js"} and pattern.search(path.read_text())
    ]
    assert offenders == []


def test_static_files_are_served_by_the_application(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
