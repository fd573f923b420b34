"""Exactly once with the real parts: Celery workers (separate processes) on Redis, beat, the test's
PostgreSQL database and an SMTP sink that counts what arrives."""

import datetime as dt
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from councils import services as council_services
from reminders import scan
from reminders.models import Delivery, DeliveryStatus
from reminders.tasks import scan_due
from tests.council_fixtures import Sink, people
from tests.factories import MeetingFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class CeleryProcess:
    """``celery -A config <worker|beat>`` in a process of its own, on the test database and broker,
    mailing to the sink; its output is kept for the assertions."""

    def __init__(self, *args: str, sink: Sink, ready: str):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_READ_DOT_ENV": "0",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", app.conf.broker_url),
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "CONN_MAX_AGE": "0",  # nothing left connected when the test database is dropped
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(ready, timeout=60)

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.output))

    def wait_for(self, text: str, timeout: float, times: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.output.count(text) < times:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} from celery:\n{self.output[-3000:]}")
            time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def sink():
    with Sink() as sink:
        yield sink


@pytest.fixture
def celery(sink):
    """Start workers (and beat) on demand; all are stopped at the end of the test."""
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge(app.conf.task_default_queue)  # no task left by an earlier run
    started: list[CeleryProcess] = []

    def start(kind: str, name: str = "") -> CeleryProcess:
        if kind == "worker":
            args = ("worker", "-n", f"{name}@%h", "--concurrency=1", "--without-gossip", "--without-mingle",
                    "--without-heartbeat")
            process = CeleryProcess(*args, sink=sink, ready=" ready.")
        else:
            args = ("beat", "--pidfile=", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler")
            process = CeleryProcess(*args, sink=sink, ready="beat: Starting...")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def due_today(council, body, secretary):
    """Twelve members whose term ends in 30 days and a meeting of theirs in 7 days: 36 mails due
    today (each member's term to the member and to the secretary, and the meeting to each member)."""
    secretary.email = "secretary@example.jp"
    secretary.save()
    today = timezone.localdate()
    period = council_services.plan_period_containing(today)
    start, end = today, today + dt.timedelta(days=30)
    if end > period.end:  # near the end of a plan period: take the next one
        start = period.end + dt.timedelta(days=1)
        end = start + dt.timedelta(days=29)
    for i, person in enumerate(people(12)):
        person.email = f"member{i:02d}@example.jp"
        person.save()
        council_services.membership_add(council=council, person=person, organisation=body, start=start, end=end,
                                        by=secretary)
    meeting = MeetingFactory(council=council, date=today + dt.timedelta(days=7))
    if start <= meeting.date:
        council_services.meeting_invite_members(meeting=meeting, by=secretary)
    expected = Counter((p.email, p.subject) for p in scan.due(today) if p.email)
    assert len(expected) >= 24 and set(expected.values()) == {1}
    return expected


def wait_until_settled(sink: Sink, count: int, timeout: float = 60) -> None:
    """Until the sink holds ``count`` messages and nothing waits in the outbox, then a moment more
    in which a duplicate would show."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = Delivery.objects.exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.CANCELLED]).exists()
        if len(sink.messages) >= count and not pending:
            break
        time.sleep(0.25)
    time.sleep(2)


def received(sink: Sink) -> Counter:
    from email.header import decode_header, make_header

    return Counter((m["To"], str(make_header(decode_header(m["Subject"])))) for m in sink.messages)


SCAN_DONE = r"reminders\.tasks\.scan_due\[[^\]]+\] succeeded"


def test_the_scan_run_twice_by_a_worker_delivers_each_reminder_once(celery, sink, due_today):
    worker = celery("worker", "w1")
    scan_due.delay()
    wait_until_settled(sink, len(due_today))
    scan_due.delay()
    deadline = time.monotonic() + 30
    while worker.count(SCAN_DONE) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)
    assert worker.count(SCAN_DONE) == 2, worker.output[-2000:]
    assert received(sink) == due_today
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == len(due_today)


def test_two_workers_scanning_at_once_deliver_each_reminder_once(celery, sink, due_today):
    first, second = celery("worker", "w1"), celery("worker", "w2")
    for _ in range(4):
        scan_due.delay()
    wait_until_settled(sink, len(due_today))
    deadline = time.monotonic() + 30
    while first.count(SCAN_DONE) + second.count(SCAN_DONE) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    # Both workers ran scans: the four were shared between them.
    assert first.count(SCAN_DONE) >= 1 and second.count(SCAN_DONE) >= 1, (first.output, second.output)
    assert received(sink) == due_today


def test_a_mail_queued_while_the_broker_was_down_is_delivered_once_it_is_back(
        celery, sink, client, secretary, meeting_to_announce, monkeypatch, reminder_jobs):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

    meeting = meeting_to_announce

    # The broker is down: the secretariat's click still succeeds, and the mail waits.
    live_broker = os.environ.get("CELERY_BROKER_URL", app.conf.broker_url)
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")
    client.force_login(secretary)
    response = client.post(reverse("councils:meeting", args=[meeting.pk]), {"send": "1"}, follow=True)
    assert response.status_code == 200 and "1人あての開催通知メールを送信します" in response.content.decode()
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED

    # The broker is back. Beat's sweep (city staff set it to every 2 seconds in 定期処理) finds
    # the waiting mail and a worker sends it: once, however many sweeps follow.
    monkeypatch.setenv("CELERY_BROKER_URL", live_broker)
    every_two_seconds = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(task="reminders.tasks.send_pending").update(interval=every_two_seconds)
    PeriodicTask.objects.filter(task="reminders.tasks.scan_due").update(enabled=False)
    PeriodicTasks.update_changed()
    worker = celery("worker", "w1")
    celery("beat")
    deadline = time.monotonic() + 60
    while not sink.messages and time.monotonic() < deadline:
        time.sleep(0.25)
    worker.wait_for("Task reminders.tasks.send_pending", timeout=30)
    time.sleep(6)  # three more sweeps
    assert [m["To"] for m in sink.messages] == ["iin@example.jp"]
    assert Delivery.objects.get().status == DeliveryStatus.SENT
