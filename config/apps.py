from django.contrib.admin.apps import AdminConfig
from django_celery_beat.apps import BeatConfig


class MunicipalityAdminConfig(AdminConfig):
    default_site = "config.admin_site.MunicipalityAdminSite"


class CeleryBeatConfig(BeatConfig):
    """django-celery-beat, with Japanese names in the admin (the package has no Japanese).

    Its strings are translated in locale/ja/LC_MESSAGES/django.po; config/beat_admin.py does the rest.
    """

    verbose_name = "定期処理"

    def ready(self) -> None:
        super().ready()
        from django_celery_beat import models

        names = {
            models.PeriodicTask: "定期処理のスケジュール",
            models.IntervalSchedule: "間隔",
            models.CrontabSchedule: "日時指定（crontab）",
            models.SolarSchedule: "日の出・日の入り",
            models.ClockedSchedule: "日時指定（1回）",
        }
        for model, name in names.items():
            model._meta.verbose_name = model._meta.verbose_name_plural = name

        # Japanese crontab descriptions and the labels the package leaves in English.
        from config import beat_admin

        beat_admin.install()
