"""Shared helpers: timing a page with a logged-in client and counting its queries."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def measure_page(client: Client, url: str, *, repeat: int = 30) -> tuple[float, int]:
    """Median response time in ms over ``repeat`` warm requests, and the query count of one."""
    response = client.get(url)  # warm caches and templates
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries.captured_queries)  # now: the next request clears the log
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), query_count


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start
