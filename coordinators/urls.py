from django.urls import path

from . import views

app_name = "coordinators"

urlpatterns = [
    path("", views.coordinator_list, name="list"),
    path("<int:pk>/", views.coordinator_detail, name="detail"),
    path("<int:pk>/dismiss/", views.dismissal_notice_create, name="dismiss"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/appointment/new/", views.appointment_notice_create, name="appoint"),
    path("certificates/<int:pk>/card.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/sheet.pdf", views.certificate_sheet, name="certificate_sheet"),
    path("forms/<str:kind>/blank.pdf", views.blank_form, name="blank_form"),
]
