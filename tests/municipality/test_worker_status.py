"""The city's start page on the background worker (issue 16 item 11): right after a start-up the
worker has not reported yet, which is not the fault 「稼働の記録がありません」 warns of."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from municipality import uptime
from municipality.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

STARTING = "起動中です（確認を待っています）"
MISSING = "稼働の記録がありません"


def _worker_line(client) -> str:
    page = client.get("/portal/").content.decode()
    return page.split("<dt>バックグラウンド処理</dt>", 1)[1].split("</dd>", 1)[0]


def test_in_the_first_minutes_after_start_up_no_heartbeat_is_shown_as_starting(client, city_staff):
    client.force_login(city_staff)
    with time_machine.travel(uptime.STARTED_AT + dt.timedelta(seconds=30), tick=False):
        line = _worker_line(client)
    assert STARTING in line and MISSING not in line and "warning" not in line


def test_no_heartbeat_after_the_grace_is_the_warning(client, city_staff):
    client.force_login(city_staff)
    with time_machine.travel(uptime.STARTED_AT + dt.timedelta(minutes=2, seconds=1), tick=False):
        line = _worker_line(client)
    assert MISSING in line and 'class="warning"' in line and STARTING not in line


def test_a_heartbeat_shows_when_the_worker_last_ran_even_right_after_start_up(client, city_staff):
    WorkerHeartbeat.objects.create(hostname="celery@web1", last_seen=dt.datetime(2026, 6, 1, 3, 4, tzinfo=dt.UTC))
    client.force_login(city_staff)
    with time_machine.travel(uptime.STARTED_AT + dt.timedelta(seconds=30), tick=False):
        line = _worker_line(client)
    assert "最終稼働" in line and "12:04" in line and STARTING not in line


def test_the_grace_is_two_beats_of_the_schedule_and_at_least_two_minutes(settings):
    settings.CELERY_BEAT_SCHEDULE = {"worker-heartbeat": {"schedule": dt.timedelta(minutes=5)}}
    assert uptime.heartbeat_grace() == dt.timedelta(minutes=10)
    settings.CELERY_BEAT_SCHEDULE = {"worker-heartbeat": {"schedule": dt.timedelta(seconds=30)}}
    assert uptime.heartbeat_grace() == dt.timedelta(minutes=2)
