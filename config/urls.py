from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from portal.views import LogoutView, PasswordResetView

urlpatterns = [
    path("favicon.ico", lambda request: redirect(static("img/favicon.svg"))),
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("portal/", include("portal.urls")),
    path("portal/coordinators/", include("coordinators.urls")),
    path("portal/documents/", include("forms_pdf.urls")),
    path("portal/activities/", include("activities.urls")),
    path("portal/councils/", include("councils.portal_urls")),
    path("portal/cases/", include("consultations.urls")),
    path("portal/notices/", include("reminders.urls")),
    path("meetings/", include("councils.urls")),
    path("resources/", include("activities.directory_urls")),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

# Japanese error pages in the portal's or the admin's look (portal/error_pages.py).
handler400 = "portal.error_pages.bad_request"
handler403 = "portal.error_pages.permission_denied"
handler404 = "portal.error_pages.page_not_found"
handler500 = "portal.error_pages.server_error"
