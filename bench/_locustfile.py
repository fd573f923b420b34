"""The users of the load benchmark (bench/load.py runs ``locust -f`` on this file, headless).

Not imported by the bench runner (the leading underscore): importing Locust patches the standard
library for gevent, which the Django process of the bench must not get.

Every user logs in through the login form first. Measuring starts once all of them are logged
in (the statistics of the logins are kept apart: a password check costs a PBKDF2 hash, ~0.5 s of
CPU, and 50 of them at once would swamp the first seconds); it lasts BENCH_LOAD_SECONDS, then the
summary is written as JSON to BENCH_LOAD_OUT. The accounts and the objects to open come from the
JSON file BENCH_LOAD_CONFIG that bench/load.py writes.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import gevent
from gevent.event import Event
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text(encoding="utf-8"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
OUT = os.environ["BENCH_LOAD_OUT"]
PERCENTILES = (0.5, 0.95, 0.99)

_accounts = {role: list(accounts) for role, accounts in CONFIG["accounts"].items()}
_total = sum(len(accounts) for accounts in _accounts.values())
_logged_in = 0
_measuring = Event()
_window: dict[str, float] = {}
_logins: dict = {}

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _BehindTls(DefaultCookiePolicy):
    """Production marks the session and CSRF cookies Secure; a browser behind the TLS proxy sends
    them back. The bench speaks plain http to gunicorn, so the client sends them all the same."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


def _field(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    return found.group(1) if found else ""


def _entry_summary(entry) -> dict:
    return {
        "name": entry.name, "method": entry.method, "requests": entry.num_requests, "errors": entry.num_failures,
        **{f"p{round(p * 100)}": entry.get_response_time_percentile(p) for p in PERCENTILES},
    }


def _start_measuring(environment) -> None:
    """All users are logged in: keep the logins' figures, clear the statistics, measure SECONDS."""
    stats = environment.runner.stats
    _logins.update(_entry_summary(stats.get("login", "POST")))
    stats.reset_all()
    _window["start"] = time.time()
    _measuring.set()

    def stop() -> None:
        _window["end"] = time.time()
        environment.runner.quit()

    gevent.spawn_later(SECONDS, stop)


@events.quitting.add_listener
def _write_summary(environment, **_kwargs) -> None:
    stats = environment.runner.stats
    end = _window.get("end", time.time())
    seconds = end - _window["start"] if "start" in _window else 0.0
    summary = {
        "measured": "start" in _window,
        "seconds": seconds,
        "login": _logins,
        "entries": [_entry_summary(entry) for entry in stats.entries.values() if entry.num_requests],
        "total": _entry_summary(stats.total),
        "errors": [{"name": error.name, "method": error.method, "error": str(error.error),
                    "occurrences": error.occurrences} for error in stats.errors.values()],
    }
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump(summary, out, ensure_ascii=False, indent=1)


class PortalUser(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        global _logged_in
        account = _accounts[self.role].pop()
        self.username = account["username"]
        self.client.cookiejar.set_policy(_BehindTls())
        try:
            self._login(account["username"], CONFIG["password"])
        finally:
            _logged_in += 1
            if _logged_in == _total:
                _start_measuring(self.environment)
        _measuring.wait()
        gevent.sleep(random.uniform(0, 3))  # the first requests spread like the think time

    def _login(self, username: str, password: str) -> None:
        page = self.client.get("/accounts/login/", name="login_form")
        with self.client.post("/accounts/login/", name="login", allow_redirects=False, catch_response=True, data={
            "csrfmiddlewaretoken": _field(page.text or "", CSRF.pattern),
            "username": username, "password": password, "next": "",
        }) as response:
            if response.status_code != 302:
                response.failure(f"login of {username} answered {response.status_code}")

    def get(self, url: str, name: str, *, pdf: bool = False) -> None:
        """A page (or a PDF) that must answer 200 and be what it claims."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")
            elif pdf and not (response.content or b"").startswith(b"%PDF"):
                response.failure("not a PDF")


class Coordinator(PortalUser):
    """A 生活支援コーディネーター: start page, activity log, a new activity, a form PDF."""

    role = "coordinator"
    fixed_count = len(CONFIG["accounts"]["coordinator"])

    @task(3)
    def home(self) -> None:
        self.get("/portal/", "home.coordinator")

    @task(4)
    def activity_list(self) -> None:
        self.get("/portal/activities/", "activity_list")

    @task(2)
    def activity_create(self) -> None:
        """Open the form, fill in the usual five fields, send it: a real create must redirect to the list."""
        with self.client.get("/portal/activities/new/", name="activity_create.form", catch_response=True) as page:
            html = page.text or ""
            values = {
                "csrfmiddlewaretoken": _field(html, CSRF.pattern),
                "once_token": _field(html, r'name="once_token" value="([^"]+)"'),
                "date": _field(html, r'name="date" value="([^"]*)"'),
                "area": _field(html, r'name="area"[^>]*>.*?<option value="(\d+)"'),
                "category": _field(html, r'name="category"[^>]*>.*?<option value="(\d+)"'),
            }
            if page.status_code != 200 or not all(values.values()):
                page.failure(f"form incomplete ({page.status_code}): {[k for k, v in values.items() if not v]}")
                return
        values |= {"minutes": "60", "participants": "3", "narrative": "サロンで地域の支え合い活動を紹介した。"}
        with self.client.post("/portal/activities/new/", name="activity_create.post", data=values,
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302 or not response.headers.get("Location", "").endswith("/portal/activities/"):
                response.failure(f"not saved: {response.status_code}")

    @task(1)
    def form_pdf(self) -> None:
        self.get("/portal/coordinators/forms/form1/blank.pdf", "form1_blank_pdf", pdf=True)


class CityStaff(PortalUser):
    """City staff: start page, the councils' members and meetings in the admin and the portal, a
    meeting notice PDF."""

    role = "city"
    fixed_count = len(CONFIG["accounts"]["city"])

    @task(2)
    def home(self) -> None:
        self.get("/portal/", "home.city")

    @task(2)
    def admin_members(self) -> None:
        self.get("/admin/councils/membership/", "admin_member_list")

    @task(2)
    def admin_meetings(self) -> None:
        self.get("/admin/councils/meeting/", "admin_meeting_list")

    @task(1)
    def portal_councils(self) -> None:
        self.get("/portal/councils/", "portal_council_list")

    @task(2)
    def portal_council(self) -> None:
        self.get(f"/portal/councils/{random.choice(CONFIG['councils'])}/", "portal_council_page")

    @task(1)
    def notice_pdf(self) -> None:
        self.get(f"/portal/councils/meetings/{random.choice(CONFIG['meetings'])}/notice.pdf", "meeting_notice_pdf",
                 pdf=True)


class CaseWorker(PortalUser):
    """A 相談支援 worker: start page and the case list."""

    role = "case_worker"
    fixed_count = len(CONFIG["accounts"]["case_worker"])

    @task(2)
    def home(self) -> None:
        self.get("/portal/", "home.case_worker")

    @task(4)
    def case_list(self) -> None:
        self.get("/portal/cases/", "case_list")
