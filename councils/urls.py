from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("<int:pk>/", views.meeting_public, name="public"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
