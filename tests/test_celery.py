"""The Celery wiring end to end: a real worker consumes a task from the configured broker.

Locally that is the tests' private redis-server on a Unix socket (tests/conftest.py); in CI, the
machine's Redis (CELERY_BROKER_URL=redis://…).
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app
from municipality.models import WorkerHeartbeat
from municipality.tasks import record_worker_heartbeat


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_heartbeat_task_from_the_broker():
    assert not WorkerHeartbeat.objects.exists()
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        record_worker_heartbeat.delay()
        deadline = time.monotonic() + 30
        while not WorkerHeartbeat.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.last_seen is not None


def test_beat_schedules_the_heartbeat_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == record_worker_heartbeat.name
    assert entry["schedule"].total_seconds() == 60
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.redis
def test_broker_is_redis_with_timeouts_so_a_hung_broker_cannot_hang_a_request():
    options = app.conf.broker_transport_options
    assert app.conf.broker_url.startswith(("redis://", "redis+socket://"))
    assert options["socket_timeout"] <= 5
    assert options["socket_connect_timeout"] <= 5
