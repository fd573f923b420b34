from django.apps import AppConfig


class CoordinatorsConfig(AppConfig):
    name = "coordinators"
    verbose_name = "コーディネーター"
