"""The error pages (400, 403 and the CSRF failure, 404, 500): Japanese, in the look of the part of
the site the address belongs to (the portal, or the admin under /admin/), with a way back, and
nothing of what went wrong inside: no exception text, no path.

They are rendered without the request's context processors: the 500 page must render when the
database is what failed, and no error page may need the user (the session may be what broke).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from municipality.naming import SYSTEM_NAME

log = logging.getLogger(__name__)

PAGES = {
    400: ("リクエストを処理できませんでした",
          "送られた内容に不備があったため、処理できませんでした。前の画面に戻って、もう一度お試しください。"),
    403: ("このページを表示する権限がありません",
          "このページを表示する権限がありません。必要な場合は、市の担当課に連絡してください。"),
    404: ("ページが見つかりません",
          "お探しのページは見つかりませんでした。アドレスに誤りがないか確認してください。"
          "ページが移動または削除されたか、表示する権限がない可能性もあります。"),
    500: ("システムでエラーが発生しました",
          "申し訳ありません。処理の途中でエラーが発生しました。しばらくたってから、もう一度お試しください。"
          "続く場合は、市の担当課に連絡してください。"),
    "csrf": ("送信を受け付けられませんでした",
             "画面を開いてから時間がたったか、ブラウザーでクッキーが無効になっているため、送信を受け付けられませんでした。"
             "前の画面に戻ってページを再読み込みしてから、もう一度送信してください。"),
}


def _admin_prefix() -> str:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return "/admin/"


def _municipality_name() -> str:
    """The city's name for the header, read only (never created here); empty when the database fails."""
    from municipality.models import Municipality

    try:
        return Municipality.objects.filter(pk=Municipality.SINGLETON_PK).values_list("name", flat=True).first() or ""
    except DatabaseError:
        log.warning("the error page is shown without the municipality's name: the database failed")
        return ""


def _page(request: HttpRequest, status: int, kind: int | str, *, read_database: bool = True) -> HttpResponse:
    heading, message = PAGES[kind]
    name = _municipality_name() if read_database else ""
    admin = request.path.startswith(_admin_prefix())
    context = {
        "status": status, "heading": heading, "message": message, "system_name": SYSTEM_NAME,
        "municipality": {"name": name},
        "site_header": f"{name} {SYSTEM_NAME}".strip(), "site_title": f"{name} 管理サイト".strip(),
    }
    template = "errors/admin.html" if admin else "errors/portal.html"
    with translation.override("ja"):
        body = loader.get_template(template).render(context)  # no request: no context processors
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500, 500, read_database=False)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the reason goes to the log (Django logs it), not to the page."""
    return _page(request, 403, "csrf")
