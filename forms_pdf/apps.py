from django.apps import AppConfig


class FormsPdfConfig(AppConfig):
    name = "forms_pdf"
    verbose_name = "様式（PDF）"
