from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("<int:pk>/", views.meeting_public, name="public"),
    path("<int:pk>/papers/<int:paper_pk>/", views.public_paper, name="paper"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("rsvp/<str:token>/papers/<int:paper_pk>/", views.rsvp_paper, name="rsvp_paper"),
    path("minutes/<str:token>/", views.minutes_confirm, name="minutes_confirm"),
    path("<int:pk>/minutes/v<int:number>.pdf", views.minutes_public_pdf, name="minutes_pdf"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
