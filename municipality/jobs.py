"""Publishing Celery tasks from web requests: only after the transaction commits, and never at
the cost of the request.

What a task is about is always written to the database first (an outbox row), in the request's
transaction; the task only says "look now". So a publish that fails (broker down) or times out
(broker hung) loses nothing: the periodic sweep finds the row. The publish uses its own
short-lived connection with tight timeouts and no retries, so a hung broker costs a request
about two seconds (measured; tests/reminders/test_jobs.py holds it under ten), not minutes.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)


def publish(task: Task, *args: Any, **kwargs: Any) -> bool:
    """Send ``task`` to the broker now; False (and a warning in the log) when the broker did not take it."""
    try:
        with task.app.connection_for_write(transport_options=settings.CELERY_PUBLISH_TRANSPORT_OPTIONS) as connection:
            task.apply_async(args=args, kwargs=kwargs, connection=connection, retry=False)
    except Exception as error:  # any broker failure: the outbox row waits for the periodic sweep
        log.warning("task %s not published (%s); the periodic sweep will pick up its work", task.name, error)
        return False
    return True


def publish_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Publish ``task`` once the current transaction commits (at once outside a transaction);
    nothing is published when it rolls back."""
    transaction.on_commit(partial(publish, task, *args, **kwargs))
