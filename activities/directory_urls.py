from django.urls import path

from . import directory

app_name = "directory"

urlpatterns = [
    path("", directory.directory, name="list"),
    path("areas/<int:pk>.pdf", directory.area_pdf, name="area_pdf"),
]
