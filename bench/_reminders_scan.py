"""One reminder scan in a process of its own, for bench/reminders.py: its memory is then the
scan's, not the benchmark's data. ``python -m bench._reminders_scan DATABASE_NAME YYYY-MM-DD``
prints one line of JSON: seconds, the SQL of its queries, reminders added, and the growth of the
process's RSS during the scan (kB; its peak RSS is read by the parent, from ``wait4``)."""

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
    with open("/proc/self/clear_refs", "w") as clear:  # reset VmHWM (peak RSS) to the current RSS
        clear.write("5")
    rss_before = memory_kb("VmRSS")
    with CaptureQueriesContext(connection) as queries:
        seconds = timed(scan)
    growth = memory_kb("VmHWM") - rss_before
    print(json.dumps({"seconds": seconds, "sqls": [q["sql"] for q in queries.captured_queries], "added": added,
                      "growth_kb": growth}))


if __name__ == "__main__":
    main(*sys.argv[1:])
