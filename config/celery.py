import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()



@task_prerun.connect
def _city_term_for_the_task(**kwargs: object) -> None:
    """What a task writes (mails, PDF sheets) names the coordinator as the city does (municipality/terms.py)."""
    from municipality import terms

    terms.activate()


@task_postrun.connect
def _city_term_done(**kwargs: object) -> None:
    from municipality import terms

    terms.deactivate()
