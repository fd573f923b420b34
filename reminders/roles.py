from municipality.roles import Role

PERMISSIONS = {
    Role.CITY_STAFF: [
        "reminders.view_delivery",
        "reminders.retry_delivery",
        # To change when the reminder jobs run (定期処理): pick or add a schedule.
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.add_crontabschedule",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.add_intervalschedule",
    ],
}
