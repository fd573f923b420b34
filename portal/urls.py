from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("guide/", views.guide, name="guide"),
]
