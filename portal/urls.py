from django.urls import path

from . import meetings, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("guide/", views.guide, name="guide"),
    path("meetings/<int:pk>/invite-coordinators/", meetings.invite_coordinators, name="invite_coordinators"),
    path("coordinators/<int:pk>/meetings/", meetings.coordinator_meetings, name="coordinator_meetings"),
    path("issues/<int:pk>/", meetings.issue_detail, name="issue"),
]
