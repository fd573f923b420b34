"""Error pages: Japanese, in the look of the portal or the admin, with a way back, and nothing of
what went wrong inside (DEBUG is off in tests, as in production)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.conftest import name_city
from tests.portal.error_urls import SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]

HEADINGS = {
    400: "リクエストを処理できませんでした",
    403: "このページを表示する権限がありません",
    404: "ページが見つかりません",
    500: "システムでエラーが発生しました",
}


@pytest.fixture(autouse=True)
def municipality_name(settings):
    settings.DEBUG = False  # as in production (pytest-django's default too)
    name_city()


@pytest.fixture
def failing_client(client):
    client.raise_request_exception = False
    return client


def assert_error_page(body: str, status: int, *, admin: bool) -> None:
    assert '<html lang="ja"' in body
    assert HEADINGS[status] in body
    assert SECRET not in body and "secret-detail" not in body
    assert "Traceback" not in body and "Server Error" not in body and "Not Found" not in body
    if admin:
        assert 'id="site-name"' in body  # the admin's header
        assert 'href="/admin/"' in body and "管理サイトのトップへ" in body
        assert 'class="site-header"' not in body
    else:
        assert 'class="site-header"' in body  # the portal's header
        assert 'href="/portal/"' in body and "ホームへ戻る" in body
        assert "admin/css/base.css" not in body


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_portal_error_pages_are_japanese_in_the_portal_look(failing_client, status):
    response = failing_client.get(f"/portal/fail/{status}/")
    assert response.status_code == status
    assert_error_page(response.content.decode(), status, admin=False)


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_admin_error_pages_are_japanese_in_the_admin_look(failing_client, city_staff, status):
    failing_client.force_login(city_staff)
    response = failing_client.get(f"/admin/fail/{status}/")
    assert response.status_code == status
    assert_error_page(response.content.decode(), status, admin=True)


def test_an_unknown_portal_address_gets_the_japanese_page_without_its_path(client, contractor_a):
    client.force_login(contractor_a)
    response = client.get("/portal/no-such-page-xyz/")
    assert response.status_code == 404
    body = response.content.decode()
    assert_error_page(body, 404, admin=False)
    assert "no-such-page-xyz" not in body


def test_an_unknown_admin_address_gets_the_admin_page(client, city_staff):
    client.force_login(city_staff)
    response = client.get("/admin/no-such-app-xyz/")
    assert response.status_code == 404
    body = response.content.decode()
    assert_error_page(body, 404, admin=True)
    assert "no-such-app-xyz" not in body


def test_the_municipality_name_is_on_the_404_page(client):
    assert "汐見市" in client.get("/portal/no-such-page/").content.decode()


def test_csrf_failure_in_the_portal_is_japanese():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert '<html lang="ja"' in body and "送信を受け付けられませんでした" in body
    assert 'class="site-header"' in body and 'href="/portal/"' in body
    assert "CSRF" not in body and "Forbidden" not in body


def test_csrf_failure_in_the_admin_is_japanese_in_the_admin_look():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert '<html lang="ja"' in body and "送信を受け付けられませんでした" in body
    assert 'id="site-name"' in body and 'href="/admin/"' in body
    assert "CSRF" not in body and "Forbidden" not in body


def test_the_500_page_needs_neither_the_database_nor_a_user(django_assert_num_queries):
    from config.urls import handler500
    from portal.error_pages import server_error

    assert handler500 == "portal.error_pages.server_error"
    request = RequestFactory().get("/portal/cases/1/")  # no session, no user: as when those failed
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert_error_page(response.content.decode(), 500, admin=False)
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/admin/consultations/case/"))
    assert_error_page(response.content.decode(), 500, admin=True)
