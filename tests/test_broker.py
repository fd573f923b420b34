"""The embedded broker under load: several processes publish while a real worker consumes.

The folder broker the embedded configuration used before could not pass this: its worker read a message
file before it was fully written and died (``Unrecoverable error: JSONDecodeError``, kombu issue 1551).
"""

import multiprocessing
import os
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import redis

from config import embedded_broker
from config.celery import app
from tests import broker_load

ROOT = Path(__file__).resolve().parent.parent
PUBLISHERS, PER_PUBLISHER = 4, 500


def start_worker(broker_url: str) -> tuple[subprocess.Popen, list[str]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_READ_DOT_ENV": "0",
        "CELERY_BROKER_URL": broker_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-I", "tests.broker_load", "-Q", broker_load.QUEUE,
         "-n", "load@%h", "--concurrency=2", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    deadline = time.monotonic() + 60
    while not any(" ready." in line for line in lines):
        assert process.poll() is None and time.monotonic() < deadline, "".join(lines)[-3000:]
        time.sleep(0.1)
    return process, lines


def test_two_thousand_tasks_from_four_processes_each_run_once_and_the_worker_survives(tmp_path):
    broker_url = os.environ.get("CELERY_BROKER_URL", app.conf.broker_url)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(broker_load.QUEUE)  # nothing left by an earlier, broken run
    path = tmp_path / "ran.txt"
    worker, lines = start_worker(broker_url)
    try:
        started = time.monotonic()
        spawn = multiprocessing.get_context("spawn")
        publishers = [
            spawn.Process(target=broker_load.publish, kwargs={
                "broker_url": broker_url, "transport_options": dict(app.conf.broker_transport_options or {}),
                "path": str(path), "publisher": n, "count": PER_PUBLISHER})
            for n in range(PUBLISHERS)
        ]
        for publisher in publishers:
            publisher.start()
        for publisher in publishers:
            publisher.join(timeout=60)
            assert publisher.exitcode == 0
        expected = {f"{n}-{i}" for n in range(PUBLISHERS) for i in range(PER_PUBLISHER)}
        deadline = time.monotonic() + 45
        ran: Counter = Counter()
        while time.monotonic() < deadline and worker.poll() is None:
            ran = Counter(path.read_text().split()) if path.exists() else Counter()
            if len(ran) == len(expected):
                break
            time.sleep(0.2)
        time.sleep(1)  # a duplicate would show now
        ran = Counter(path.read_text().split()) if path.exists() else Counter()
        elapsed = time.monotonic() - started
        output = "".join(lines)
        assert worker.poll() is None, f"the worker died:\n{output[-3000:]}"
        assert "Unrecoverable error" not in output, output[-3000:]
        assert set(ran) == expected, f"{len(ran)} of {len(expected)} tasks ran in {elapsed:.1f} s"
        assert [token for token, times in ran.items() if times > 1] == []
        print(f"{len(expected)} tasks published by {PUBLISHERS} processes and run once each in {elapsed:.1f} s")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_the_private_instance_is_for_its_owner_only_and_keeps_nothing_on_disk(tmp_path):
    socket = tmp_path / "redis" / "redis.sock"
    process = embedded_broker.start(socket)
    try:
        assert stat.S_IMODE(socket.stat().st_mode) == 0o700
        assert stat.S_IMODE(socket.parent.stat().st_mode) == 0o700
        client = redis.Redis(unix_socket_path=str(socket))
        config = client.config_get("*")
        client.close()
        assert (config["port"], config["save"], config["appendonly"]) == ("0", "", "no")
    finally:
        embedded_broker.stop(process)
    assert not socket.exists()  # removed at shutdown; no dump file beside it
    assert list(socket.parent.iterdir()) == []
