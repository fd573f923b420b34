"""Load: 50 users logged in through the login form drive gunicorn (production settings, 3 workers)
on the bench's data for 60 s with 1–3 s think time (Locust, headless: bench/_locustfile.py).

The users: 38 生活支援コーディネーター (the bench's own, each with an appointment and an area),
8 city staff and 4 case workers of the city's 相談支援 team (the issue's 12 city-side users).
Run alone (``bash bin/dev bench load``) it first builds the data of the municipality, activities,
councils and consultations benchmarks; in a full run it uses theirs.

Prints the throughput, p50/p95/p99 and the count of requests and errors per endpoint, and the
total errors. ``BENCH_LOAD_SECONDS`` shortens the measured window (default 60).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group
from django.db import connection

from councils.models import Council, Meeting
from municipality.models import Organisation, User
from municipality.roles import Role

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = 3
COORDINATORS, CITY_STAFF, CASE_WORKERS = 38, 8, 4
PASSWORD = "bench-load-" + secrets.token_urlsafe(12)
#: The request names of bench/_locustfile.py: one that completed no request in the window is reported too.
ENDPOINTS = (
    "home.coordinator", "activity_list", "activity_create.form", "activity_create.post", "form1_blank_pdf",
    "home.city", "admin_member_list", "admin_meeting_list", "portal_council_list", "portal_council_page",
    "meeting_notice_pdf", "home.case_worker", "case_list",
)


def build() -> None:
    """The other benchmarks' data, each built unless a full run already did."""
    from bench import activities, consultations, councils, municipality

    for module, marker in [
        (municipality, Organisation.objects.filter(name="団体00000")),
        (activities, User.objects.filter(username="bench-c00001")),  # bench-c00000 is also a persona of the municipality bench
        (councils, User.objects.filter(username="bench-secretary")),
        (consultations, User.objects.filter(username="bench-w000")),
    ]:
        if not marker.exists():
            module.build()


def accounts() -> dict[str, list[dict]]:
    """Log-in accounts by role, all with PASSWORD (hashed as production checks it)."""
    coordinators = list(User.objects.filter(username__regex=r"^bench-c\d{5}$", coordinator__isnull=False)
                        .order_by("username")[:COORDINATORS])
    city_group = Group.objects.get(name=Role.CITY_STAFF.value)
    city = []
    for i in range(CITY_STAFF):
        user, _ = User.objects.get_or_create(username=f"bench-load-city{i:02d}",
                                             defaults={"name": f"市職員{i}", "is_staff": True})
        user.groups.add(city_group)
        city.append(user)
    workers = list(User.objects.filter(username__regex=r"^bench-w\d{3}$").order_by("username")[:CASE_WORKERS])
    # One hash for all: production's hasher (PBKDF2) at its full cost, computed once here.
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk__in=[u.pk for u in coordinators + city + workers]).update(
        password=hasher.encode(PASSWORD, hasher.salt()), is_active=True)
    return {
        "coordinator": [{"username": u.username} for u in coordinators],
        "city": [{"username": u.username} for u in city],
        "case_worker": [{"username": u.username} for u in workers],
    }


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production_env(port: int, static_root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "BENCH_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_READ_DOT_ENV": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        # Nothing in the mix publishes a task; a broker that is not there would cost nothing either.
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/11"),
        "EMAIL_URL": "consolemail://",
        "DEFAULT_FROM_EMAIL": "bench@shien.lg.jp",  # a real-looking sender: gunicorn refuses a placeholder
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",  # plain http on 127.0.0.1; the cookies stay Secure (Locust sends them)
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(static_root.parent / "media"),
        "LOG_LEVEL": "WARNING",
    }


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit code {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def _stop(process: subprocess.Popen | None) -> None:
    """Stop a process started here and its children (gunicorn's workers): TERM, then KILL."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _ms(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "-"


def run(report) -> None:
    build()
    users = accounts()
    councils = list(Council.objects.filter(name__startswith="第2層協議体").order_by("pk").values_list("pk", flat=True)[:100])
    meetings = list(Meeting.objects.filter(council__in=councils).order_by("pk").values_list("pk", flat=True)[:200])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()  # the bench's own connection stays out of the way while the server runs
    report("load.users", sum(len(a) for a in users.values()),
           f"users ({COORDINATORS} coordinators, {CITY_STAFF} city staff, {CASE_WORKERS} case workers; "
           f"gunicorn {WORKERS} workers with config/gunicorn.py, production settings)")

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmp_path = Path(tmp)
        port = _free_port()
        env = _production_env(port, tmp_path / "static")
        config = tmp_path / "users.json"
        config.write_text(json.dumps({"password": PASSWORD, "accounts": users, "councils": councils,
                                      "meetings": meetings}), encoding="utf-8")
        out = tmp_path / "summary.json"
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True)
        server = locust = None
        locust_log = (tmp_path / "locust.log").open("w")
        try:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(WORKERS), "--error-logfile", str(tmp_path / "gunicorn.log"),
                 # its own control socket: the default one in the home folder is shared with any other gunicorn
                 "--control-socket", str(tmp_path / "gunicorn.ctl"),
                 *_gunicorn_config()],
                cwd=ROOT, env=env, start_new_session=True)
            host = f"http://127.0.0.1:{port}"
            _wait_until_up(f"{host}/accounts/login/", server)
            locust_env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")} | {
                "BENCH_LOAD_CONFIG": str(config), "BENCH_LOAD_OUT": str(out), "BENCH_LOAD_SECONDS": str(SECONDS)}
            total = sum(len(a) for a in users.values())
            locust = subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "_locustfile.py"), "--headless",
                 "--host", host, "--users", str(total), "--spawn-rate", str(total), "--only-summary",
                 "--loglevel", "WARNING", "--exit-code-on-error", "0"],
                cwd=ROOT, env=locust_env, start_new_session=True, stdout=locust_log, stderr=subprocess.STDOUT)
            locust.wait(timeout=SECONDS + 300)  # the logins come first: 50 password hashes
        finally:
            _stop(locust)
            _stop(server)
            locust_log.close()
        if not out.exists():
            for log in ("gunicorn.log", "locust.log"):
                print((tmp_path / log).read_text(errors="replace")[-3000:], file=sys.stderr)
            raise RuntimeError("Locust wrote no summary")
        summary = json.loads(out.read_text(encoding="utf-8"))
    _report(report, summary)


def _gunicorn_config() -> list[str]:
    config = ROOT / "config" / "gunicorn.py"
    return ["--config", str(config)] if config.exists() else []


def _report(report, summary: dict) -> None:
    if not summary["measured"]:
        raise RuntimeError("the users never all logged in; see the errors: " + json.dumps(summary["errors"]))
    login = summary["login"]
    report("load.login", f"p50 {_ms(login.get('p50'))} ms, p95 {_ms(login.get('p95'))} ms; "
           f"{login.get('requests', 0)} logins, {login.get('errors', 0)} errors", "(before the measured window)")
    report("load.seconds", round(summary["seconds"]), "s")
    total = summary["total"]
    report("load.throughput", total["requests"] / summary["seconds"], "requests/s")
    for name in sorted(set(ENDPOINTS) - {entry["name"] for entry in summary["entries"]}):
        report(f"load.{name}", "no request completed in the window", "")
    for entry in sorted(summary["entries"], key=lambda e: e["name"]):
        report(f"load.{entry['name']}", f"p50 {_ms(entry['p50'])} ms, p95 {_ms(entry['p95'])} ms, "
               f"p99 {_ms(entry['p99'])} ms; {entry['requests']} requests, {entry['errors']} errors", "")
    report("load.all", f"p50 {_ms(total['p50'])} ms, p95 {_ms(total['p95'])} ms, p99 {_ms(total['p99'])} ms; "
           f"{total['requests']} requests", "")
    report("load.errors", total["errors"], "errors")
    for error in summary["errors"]:
        report(f"load.error.{error['name']}", error["occurrences"], f"× {error['error'][:200]}")
