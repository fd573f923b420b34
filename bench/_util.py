"""Shared helpers: the scale of the data, timing a page with a logged-in client, counting its
queries, and reading their plans for sequential scans over large tables."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable, Iterable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

#: 1 for the bench's data, 10 for ten times the rows (``python -m bench --scale 10``).
SCALE = int(os.environ.get("BENCH_SCALE", "1"))

#: A sequential scan over a table with more rows than this is reported (issue 15: none may).
LARGE_TABLE_ROWS = 100_000


def scaled(count: int) -> int:
    """``count`` rows at 1×, ten times as many at 10×."""
    return count * SCALE


def measure_page(client: Client, url: str, *, repeat: int = 30) -> tuple[float, int]:
    """Median response time in ms over ``repeat`` warm requests, and the query count of one."""
    median, queries = _measure(client, url, repeat=repeat)
    return median, len(queries)


def _measure(client: Client, url: str, *, repeat: int) -> tuple[float, list[str]]:
    response = client.get(url)  # warm caches and templates
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    sqls = [query["sql"] for query in captured.captured_queries]  # now: the next request clears the log
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), sqls


def report_page(report, name: str, client: Client, url: str, *, repeat: int = 20) -> float:
    """Report a page's median, its query count and the large tables its queries scan whole."""
    median, sqls = _measure(client, url, repeat=repeat)
    report(f"{name}.median", median, "ms")
    report(f"{name}.queries", len(sqls), "queries")
    report_seq_scans(report, name, sqls)
    return median


def report_seq_scans(report, name: str, sqls: Iterable[str]) -> list[str]:
    """Report ``name.seq_scans``: the tables of more than LARGE_TABLE_ROWS rows that any of the
    queries reads by a sequential scan according to EXPLAIN ("none" is the target)."""
    found = sorted(set(seq_scans(sqls)))
    report(f"{name}.seq_scans", ", ".join(found) if found else "none", "")
    return found


def seq_scans(sqls: Iterable[str]) -> list[str]:
    """Tables of more than LARGE_TABLE_ROWS rows read by a sequential scan in the plans of ``sqls``."""
    found: list[str] = []
    with connection.cursor() as cursor:
        for sql in sqls:
            text = sql.lstrip()
            if not text.upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + text)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for node in _nodes(plan[0]["Plan"]):
                if node.get("Node Type") == "Seq Scan" and _rows(cursor, node["Relation Name"]) > LARGE_TABLE_ROWS:
                    found.append(node["Relation Name"])
    return found


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


_row_counts: dict[str, int] = {}


def _rows(cursor, table: str) -> int:
    if table not in _row_counts:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
        _row_counts[table] = row[0] if row else 0
    return _row_counts[table]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start
