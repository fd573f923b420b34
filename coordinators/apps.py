from django.apps import AppConfig

from municipality.terms import term


class CoordinatorsConfig(AppConfig):
    name = "coordinators"
    verbose_name = term("コーディネーター")
