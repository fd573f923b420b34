"""A test-only task and its publisher for tests/test_broker.py. The worker under test imports this
module (``celery worker -I tests.broker_load``); the publishers run it in processes of their own."""

import os

from celery import Celery, shared_task

QUEUE = "broker-load-test"


@shared_task(name="tests.broker_load.record")
def record(path: str, token: str) -> None:
    """Append ``token`` as one line: a single write to a file opened for appending, so lines written by
    the worker's processes at once never mix."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{token}\n".encode())
    finally:
        os.close(fd)


def publish(*, broker_url: str, transport_options: dict, path: str, publisher: int, count: int) -> None:
    """Send ``count`` record tasks, each with a token of its own (run in a separate process)."""
    app = Celery("publisher", set_as_current=False)
    app.conf.update(broker_url=broker_url, broker_transport_options=transport_options)
    for i in range(count):
        app.send_task(record.name, args=(path, f"{publisher}-{i}"), queue=QUEUE)
