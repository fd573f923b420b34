from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("<int:pk>/", views.meeting_public, name="public"),
    path("<int:pk>/papers/<int:paper_pk>/", views.public_paper, name="paper"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("rsvp/<str:token>/papers/<int:paper_pk>/", views.rsvp_paper, name="rsvp_paper"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
