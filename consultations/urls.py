from django.urls import path

from . import area_conferences, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_intake, name="intake"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/consent/", views.consent_add, name="consent"),
    path("<int:pk>/consent/<int:consent_pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/plan/", views.plan_add, name="plan"),
    path("<int:pk>/conference/", views.conference_add, name="conference"),
    path("<int:pk>/assessment/", views.assessment_add, name="assessment"),
    path("<int:pk>/staff/", views.staff_add, name="staff"),
    path("<int:pk>/support-meeting/", views.support_meeting_add, name="support_meeting"),
    path("<int:pk>/regional-issue/", views.regional_issue_add, name="regional_issue"),
    path("conferences/<int:pk>/", views.conference_detail, name="conference_detail"),
    path("support-meetings/<int:pk>/", views.support_meeting_detail, name="support_meeting_detail"),
    path("<int:pk>/<str:kind>.pdf", views.case_pdf, name="pdf"),
    path("<int:pk>/participation/", views.participation_add, name="participation"),
    path("area-conferences/", area_conferences.area_conference_list, name="area_conferences"),
    path("area-conferences/new/", area_conferences.area_conference_create, name="area_conference_create"),
    path("area-conferences/<int:pk>/", area_conferences.area_conference_detail, name="area_conference_detail"),
    path("area-conferences/<int:pk>/record.pdf", area_conferences.area_conference_pdf, name="area_conference_pdf"),
    path("area-conferences/<int:pk>/regional-issue/", area_conferences.area_conference_regional_issue,
         name="area_conference_regional_issue"),
]
