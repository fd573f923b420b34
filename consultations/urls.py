from django.urls import path

from . import views

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
    path("<int:pk>/evaluation/", views.evaluation_add, name="evaluation"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>.pdf", views.assessment_pdf, name="assessment_pdf"),
    path("evaluations/<int:pk>.pdf", views.evaluation_pdf, name="evaluation_pdf"),
]
