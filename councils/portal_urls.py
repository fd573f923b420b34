from django.urls import path

from . import portal

app_name = "councils"

urlpatterns = [
    path("", portal.council_list, name="list"),
    path("<int:pk>/", portal.council_detail, name="detail"),
    path("<int:council_pk>/meetings/new/", portal.meeting_create, name="meeting_create"),
    path("<int:pk>/members/new/", portal.member_add, name="member_add"),
    path("meetings/", portal.meeting_list, name="meetings"),
    path("bodies/<int:pk>/", portal.body_detail, name="body"),
    path("bodies/<int:body_pk>/meetings/new/", portal.meeting_create, name="body_meeting_create"),
    path("meetings/<int:pk>/issues/new/", portal.issue_raise, name="issue_raise"),
    path("meetings/<int:pk>/guests/new/", portal.guest_invite, name="guest_invite"),
    path("meetings/<int:pk>/", portal.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/papers/new/", portal.paper_add, name="paper_add"),
    path("meetings/<int:pk>/papers/<int:paper_pk>/", portal.paper_download, name="paper"),
    path("meetings/<int:pk>/papers/<int:paper_pk>/remove/", portal.paper_remove, name="paper_remove"),
    path("meetings/<int:pk>/<str:kind>.pdf", portal.meeting_pdf, name="meeting_pdf"),
    path("meetings/<int:pk>/minutes/<str:step>/", portal.minutes_step, name="minutes_step"),
    path("meetings/<int:pk>/minutes/v<int:number>.pdf", portal.minutes_version_pdf, name="minutes_version_pdf"),
]
