"""One reminder scan in a process of its own, for bench/reminders.py: its memory is then the
scan's, not the benchmark's data. ``python -m bench._reminders_scan DATABASE_NAME YYYY-MM-DD``
prints one line of JSON: seconds, the SQL of its queries, reminders added, and the growth of the
process's RSS during the scan and the process's peak RSS (kB), both read from /proc/self/status.
The parent's ``wait4`` cannot give the peak: Linux carries the parent's high-water mark over the
``exec`` into the child's ``ru_maxrss``, so it grew with the benchmark's own data."""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main(name: str, day: str) -> None:
    import datetime as dt

    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = name  # the benchmark's database (test_…), before any connection
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench._util import timed
    from bench.reminders import memory_kb
    from reminders import services

    added = 0

    def scan() -> None:
        nonlocal added
        added = services.scan(dt.date.fromisoformat(day))

    connection.ensure_connection()
    peak_before = memory_kb("VmHWM")  # Django, the apps and the connection
    with open("/proc/self/clear_refs", "w") as clear:  # reset VmHWM (peak RSS) to the current RSS
        clear.write("5")
    rss_before = memory_kb("VmRSS")
    with CaptureQueriesContext(connection) as queries:
        seconds = timed(scan)
    peak_during = memory_kb("VmHWM")
    growth = peak_during - rss_before
    print(json.dumps({"seconds": seconds, "sqls": [q["sql"] for q in queries.captured_queries], "added": added,
                      "growth_kb": growth, "peak_kb": max(peak_before, peak_during)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
