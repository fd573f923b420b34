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
    path("figures/", views.figures, name="figures"),
    path("figures/figures.xlsx", views.figures_xlsx, name="figures_xlsx"),
    path("figures/figures.pdf", views.figures_pdf, name="figures_pdf"),
    path("<int:pk>/referral/", views.referral_add, name="referral"),
    path("referrals/", views.referral_inbox, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/referral.pdf", views.referral_pdf, name="referral_pdf"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:pk>/return/", views.referral_return, name="referral_return"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline_add"),
    path("<int:pk>/timeline/<int:entry_pk>/edit/", views.timeline_edit, name="timeline_edit"),
    path("<int:pk>/timeline/<int:entry_pk>/correct/", views.timeline_correct, name="timeline_correct"),
    path("<int:pk>/timeline/pdf/", views.timeline_pdf, name="timeline_pdf"),
    # Team lead: urgency and duplicates at intake
    path("<int:pk>/urgent/", views.urgency_mark, name="urgent"),
    path("<int:pk>/urgent/clear/", views.urgency_clear, name="urgent_clear"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/", views.duplicate_decide, name="duplicate_decide"),
    path("<int:pk>/participation/", views.participation_add, name="participation"),
    path("area-conferences/", area_conferences.area_conference_list, name="area_conferences"),
    path("area-conferences/new/", area_conferences.area_conference_create, name="area_conference_create"),
    path("area-conferences/<int:pk>/", area_conferences.area_conference_detail, name="area_conference_detail"),
    path("area-conferences/<int:pk>/record.pdf", area_conferences.area_conference_pdf, name="area_conference_pdf"),
    path("area-conferences/<int:pk>/regional-issue/", area_conferences.area_conference_regional_issue,
         name="area_conference_regional_issue"),
]
