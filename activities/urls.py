from django.urls import path

from . import field, views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:coordinator_pk>/<int:year>/<int:month>/", views.report_detail, name="report"),
    path("reports/<int:coordinator_pk>/<int:year>/<int:month>/report.pdf", views.report_pdf, name="report_pdf"),
    path("reports/<int:coordinator_pk>/<int:year>/<int:month>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("reports/organisation/<int:organisation_pk>/<int:year>/<int:month>/report.pdf",
         views.organisation_report_pdf, name="organisation_report_pdf"),
    path("reports/organisation/<int:organisation_pk>/<int:year>/<int:month>/report.xlsx",
         views.organisation_report_xlsx, name="organisation_report_xlsx"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("resources/", views.resource_list, name="resources"),
    path("resources/new/", views.resource_edit, name="resource_create"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
    path("needs/", views.need_list, name="needs"),
    path("needs/new/", views.need_edit, name="need_create"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:need_pk>/match/", views.match_create, name="match_create"),
    # 現地での記録: the installable page that records without signal (activities/field.py).
    path("field/", field.page, name="field"),
    path("field/choices/", field.choices, name="field_choices"),
    path("field/send/", field.send, name="field_send"),
    path("field/sw.js", field.service_worker, name="field_sw"),
    path("field/manifest.webmanifest", field.manifest, name="field_manifest"),
]
