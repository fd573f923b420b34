"""Work the minute sweep (tasks.send_pending) runs before it sends, registered by the apps above.

The outbox knows nothing of those apps: an app that queues mail from rows of its own (the portal's
password-reset requests) registers here, in its AppConfig.ready, a function that queues what waits,
so that what a broker that was down never announced is still sent within the minute.
"""

from __future__ import annotations

from collections.abc import Callable

_before_send: list[Callable[[], object]] = []


def before_send(function: Callable[[], object]) -> None:
    """Run ``function`` (no arguments) in every sweep, before the outbox is sent. Registering twice is harmless."""
    if function not in _before_send:
        _before_send.append(function)


def run_before_send() -> None:
    for function in _before_send:
        function()
