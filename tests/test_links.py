"""The link walk: a link shown to a user must not lead to a 404 (issue 16, must-have 3, problem 1).

Each persona of tests/personas.py starts at the start page (whose menu every page repeats) and
follows every same-site ``<a href>`` the pages it reaches show, GET only; a staff persona walks the
admin too, from its index through the lists to their first objects. Any link that answers 404 or
500 fails, named with the page that showed it. tests/test_crawl.py asks every URL pattern what it
answers; this walk asks only what the pages offer, so it finds a link offered to someone the target
page refuses (e.g. 編集 on a need of another area, which answers 404).

To stay fast, at most ``CAP`` URLs of one URL pattern are requested per persona (the first ones
met: a list's first objects, a few of its filters), and the admin walk of each persona stops after
``ADMIN_REQUESTS`` requests (the portal walk always ends: the world is small). A count, not a
time: the same links are checked on a fast machine and a busy one. Every request is
rolled back, so nothing a page writes (an audit entry) changes what the next one shows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from tests.personas import World, build_world

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo on personas.TODAY
CAP = {"portal": 10, "admin": 3}  # URLs requested per URL pattern and persona
ADMIN_REQUESTS = 150  # admin pages requested per staff persona (the walk takes about 2 minutes)
# Links never followed: they change something (logging out; POST-only today, but a walk must not try).
NEVER_FOLLOW = ("logout", "admin:logout")
SITE_HOSTS = {"", "testserver", urlsplit(settings.SITE_URL).netloc}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str, base: str) -> list[str]:
    """The same-site links of a page, absolute paths with their query, without fragments."""
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        href = href.strip()
        if href.startswith(("#", "mailto:", "tel:", "javascript:", "data:", "webcal:")):
            continue
        url = urljoin(base, urldefrag(href)[0])
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in SITE_HOSTS:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def pattern_of(path: str) -> tuple[str, str | None]:
    """(the URL pattern a path resolves to, its name), or the path itself if nothing resolves it."""
    try:
        match = resolve(path)
    except Resolver404:
        return path, None
    return match.route, match.view_name


@dataclass
class Walk:
    world: World
    persona: str
    client: Client = field(default_factory=Client)
    problems: list[str] = field(default_factory=list)
    # URL -> whether its page was read for links (a page of the other part of the site is only asked)
    visited: dict[str, bool] = field(default_factory=dict)
    per_pattern: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    known: list[str] = field(default_factory=list)

    def get(self, url: str) -> tuple[int, str, str]:
        """(status, Location, HTML text), the request's changes rolled back; a raised error is a 500."""
        self.requests += 1
        try:
            with transaction.atomic():
                response = self.client.get(url)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                transaction.set_rollback(True)
        except Exception as exc:  # the test client re-raises the view's exception
            return 500, f"{type(exc).__name__}: {exc}", ""
        is_html = response.get("Content-Type", "").startswith("text/html")
        text = response.content.decode("utf-8", errors="replace") if is_html and response.status_code == 200 else ""
        return response.status_code, response.get("Location", ""), text

    def admit(self, url: str, read: bool) -> bool:
        """Whether to request this URL: not yet done, not over its pattern's cap, no side effect."""
        if url in self.visited:
            return read and not self.visited[url]  # asked before, now to be read for its links
        route, name = pattern_of(urlsplit(url).path)
        if name in NEVER_FOLLOW or self.per_pattern.get(route, 0) >= CAP[area_of(url)]:
            return False
        self.per_pattern[route] = self.per_pattern.get(route, 0) + 1
        return True

    def walk(self, start: str, area: str, budget: int | None = None) -> None:
        """From ``start``, request every link met; read the pages of ``area`` for more links.

        URLs of a pattern not yet requested go first (every list, then each list's first object,
        its history …), more URLs of a known pattern after them, so the budget (a number of
        requests) cuts repeats."""
        budget = None if budget is None else self.requests + budget
        first: deque[tuple[str, str]] = deque([(start, "(start)")])
        more: deque[tuple[str, str]] = deque()
        while (first or more) and (budget is None or self.requests < budget):
            url, source = (first or more).popleft()
            path = urlsplit(url).path
            read = area_of(path) == area
            if not self.admit(url, read):
                continue
            self.visited[url] = read
            if path.startswith(settings.STATIC_URL):
                if finders.find(path.removeprefix(settings.STATIC_URL)) is None:
                    self.problems.append(f"{self.persona}: {source} links to {url}: no such static file")
                continue
            status, location, text = self.get(url)
            if (status == 404 or status >= 500) and (known := known_dead_link(source, url)):
                self.known.append(f"{self.persona}: {source} links to {url}: {status} (known: {known})")
            elif status == 404 or status >= 500:
                self.problems.append(f"{self.persona}: {source} links to {url}: {status} {location[:200]}")
            links = links_of(f'<a href="{location}">', url) if status in (301, 302) and location else []
            links += links_of(text, url) if read else []
            for link in links:
                seen = pattern_of(urlsplit(link).path)[0] in self.per_pattern
                (more if seen else first).append((link, url))


# Dead links this branch found and left to others: (view name of the page showing it, of the link
# target or a path prefix) -> why. Such a link is printed, not failed; remove the entry once fixed.
KNOWN_DEAD_LINKS: dict[tuple[str, str], str] = {}


def known_dead_link(source: str, url: str) -> str | None:
    source_name = pattern_of(urlsplit(source).path)[1]
    target = urlsplit(url).path
    for (page, link), why in KNOWN_DEAD_LINKS.items():
        if source_name == page and (target.startswith(link) or pattern_of(target)[1] == link):
            return why
    return None


def area_of(path: str) -> str:
    return "admin" if path.startswith("/admin/") else "portal"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=True), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


PERSONAS = ["anonymous", "superuser", "city", "auditor", "sec_1", "sec_2", "contractor_a", "contractor_b",
            "coord_a", "coord_b", "worker_1", "worker_2", "agency_1", "agency_2", "outsider_1", "outsider_2", "lead_1",
            "coord_caseworker"]


def test_the_walk_meets_every_persona_of_the_world(world: World) -> None:
    """A persona added to the world must be walked too (the deactivated one counts as anonymous)."""
    assert set(world.personas) - {"inactive_city"} == set(PERSONAS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_link_shown_leads_to_a_404(world: World, persona: str) -> None:
    walk, started = Walk(world, persona), time.monotonic()
    user = world.personas[persona].user
    if user is not None:
        walk.client.force_login(user)
    walk.walk("/", "portal")
    assert walk.requests > (1 if user is None else 5), "the walk found no links: is the start page empty?"
    if world.personas[persona].is_staff:
        walk.walk("/admin/", "admin", budget=ADMIN_REQUESTS)
    print(*walk.known, sep="\n")
    print(f"\n{persona}: {walk.requests} requests, {len(walk.per_pattern)} patterns, "
          f"{time.monotonic() - started:.1f} s")
    assert not walk.problems, "\n".join(walk.problems)
