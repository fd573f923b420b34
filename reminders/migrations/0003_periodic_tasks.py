"""The reminder jobs on beat's database schedule, created once so that city staff can change
them in the admin (定期処理) and keep their change: a schedule in settings would be written
over the database's at every start of beat."""

from django.db import migrations

SCAN = "リマインダー：期限の近いものを探して送る"
SEND = "メール送信：送信待ちと再送"
# Names under which an earlier version kept these jobs in settings (beat copied them here).
OLD_NAMES = ["reminders-scan", "reminders-send"]


def create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask.objects.filter(name__in=OLD_NAMES).delete()
    # Every hour on the hour from 7:00 to 19:00 in Tokyo: nobody is mailed at night, and a
    # scan missed by an outage is made up by the next one (the reminders are windows).
    daytime, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7-19", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Tokyo")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    # A run that waited longer than its period (worker busy or down) is dropped: the next one
    # does the same work, and the queue does not fill with copies.
    PeriodicTask.objects.get_or_create(name=SCAN, defaults={
        "task": "reminders.tasks.scan_due", "crontab": daytime, "expire_seconds": 3600,
        "description": "任期満了・会議・モニタリング・証と委託期間・研修・後任未選任・月次報告・週のまとめのうち、"
                       "期限が近いものを探してメールとお知らせを送ります。何度実行しても、同じお知らせは1回しか届きません。",
    })
    PeriodicTask.objects.get_or_create(name=SEND, defaults={
        "task": "reminders.tasks.send_pending", "interval": every_minute, "expire_seconds": 60,
        "description": "送信待ちのメール（開催通知、パスワード再設定、リマインダー）と、再送の時期が来たメールを送ります。",
    })


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[SCAN, SEND]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0002_outbox_for_all_mail"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
