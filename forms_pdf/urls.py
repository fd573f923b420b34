from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("<int:pk>.pdf", views.document_pdf, name="pdf"),
    path("files/", views.generated_file_list, name="files"),
    path("files/<int:pk>/", views.generated_file_download, name="file"),
]
