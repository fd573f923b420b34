from django.urls import path

from . import portal

app_name = "councils"

urlpatterns = [
    path("", portal.council_list, name="list"),
    path("<int:pk>/", portal.council_detail, name="detail"),
    path("<int:council_pk>/meetings/new/", portal.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", portal.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/<str:kind>.pdf", portal.meeting_pdf, name="meeting_pdf"),
]
