"""The application's URLs plus views that fail on purpose, under the portal and under the admin."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.urls import path

from config import urls as app_urls

SECRET = "secret-detail /srv/shien/config/settings/base.py DATABASE_URL"


def bad_request(request):
    raise BadRequest(SECRET)


def forbidden(request):
    raise PermissionDenied(SECRET)


def not_found(request):
    raise Http404(SECRET)


def broken(request):
    raise RuntimeError(SECRET)


# The handlers are looked up in the root URLconf: these must be the application's.
handler400 = getattr(app_urls, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(app_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(app_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(app_urls, "handler500", "django.views.defaults.server_error")

FAILING = {"400": bad_request, "403": forbidden, "404": not_found, "500": broken}

urlpatterns = [
    *[path(f"portal/fail/{status}/", view) for status, view in FAILING.items()],
    *[path(f"admin/fail/{status}/", view) for status, view in FAILING.items()],
    *app_urls.urlpatterns,
]
