"""Accessibility: axe-core (4.12, shipped inside axe-playwright-python, no download at test time)
on every portal page each demo user reaches from their menu and start page, on the sign-in and
password pages, and on the error page, at phone and desktop width. WCAG 2.1 A and AA rules.

The demo data is the world: it is what a newcomer sees first, and it has a page of every kind
with real content (cases, councils, activities, notices)."""

from __future__ import annotations

import io
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page

from municipality.demo import DEMO_USERS, demo_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
         "resultTypes": ["violations"]}
# Links that are not pages to check: files, the admin (Django's own), signing out, other sites.
NOT_PAGES = (".pdf", ".xlsx", ".csv", ".ics", "export=", "/admin/", "/accounts/logout/")  # downloads, not pages
PAGES_PER_USER = 25


def violations(page: Page, axe: Axe) -> list[str]:
    result = axe.run(page, options=RULES)
    return [f"{urlparse(page.url).path}: {v['id']} ({v['impact']}) {', '.join(n['target'][0] for n in v['nodes'][:3])}"
            for v in result.response["violations"]]


def portal_links(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(base) and not any(mark in url for mark in NOT_PAGES) and url not in found:
            found.append(url)
    return found


@pytest.fixture
def demo(db):
    call_command("load_demo_data", stdout=io.StringIO())


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_pages_before_signing_in_have_no_violation(page: Page, live_server, demo, width, height):
    page.set_viewport_size({"width": width, "height": height})
    axe, found = Axe(), []
    for path in ("/accounts/login/", "/accounts/password_reset/", "/portal/no-such-page/"):
        page.goto(f"{live_server.url}{path}")
        found += violations(page, axe)
    assert found == []


@pytest.mark.parametrize("user", [u.username for u in DEMO_USERS])
def test_every_page_a_demo_user_reaches_from_the_menu_has_no_violation(page: Page, live_server, demo, user):
    axe, found, seen = Axe(), [], []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(user)
    page.get_by_label("パスワード").fill(demo_password(user))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{user} could not sign in"
    base = f"{live_server.url}/"
    queue = [page.url, *portal_links(page, base)]
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        response = page.goto(url)
        assert response is not None and response.status < 500, url
        found += violations(page, axe)
        if len(seen) == 1:  # the start page also at desktop width, where the menu is open
            page.set_viewport_size({"width": 1280, "height": 800})
            found += violations(page, axe)
            page.set_viewport_size({"width": 390, "height": 844})
        queue += [link for link in portal_links(page, base) if link not in seen and link not in queue]
    assert len(seen) >= 3, seen  # the walk reached the user's pages, not only the start page
    assert found == [], "\n".join(found)


def test_the_checker_reports_what_it_should(page: Page):
    """The rules run: an image without alt, an unlabelled field and an empty link are found."""
    page.set_content('<html lang="ja"><head><title>t</title></head><body><main><img src="x.png">'
                     '<input type="text"><a href="/x"></a></main></body></html>')
    found = {v["id"] for v in Axe().run(page, options=RULES).response["violations"]}
    assert {"image-alt", "label", "link-name"} <= found


# The main admin pages staff work in every day: the index, the 処理待ち list, the large lists, a
# change form and the import, at phone and desktop width. On Django's own pages what impairs use
# fails (impact serious or critical); on the pages of this project (the 処理待ち list, the
# import) any violation does.
OWN_ADMIN_PAGES = ("/admin/coordinators/appointmentnotice/waiting/", "/admin/imports/")
ADMIN_PAGES = {
    "city": ["/admin/", "/admin/coordinators/appointmentnotice/waiting/", "/admin/activities/activity/",
             "/admin/coordinators/coordinator/", "/admin/coordinators/appointment/",
             "/admin/coordinators/contract/", "/admin/councils/membership/", "/admin/councils/meeting/",
             "/admin/municipality/area/", "/admin/municipality/organisation/", "/admin/municipality/user/",
             "/admin/municipality/area/add/", "/admin/imports/"],
    "secretariat": ["/admin/", "/admin/councils/membership/", "/admin/councils/meeting/"],
    "auditor": ["/admin/", "/admin/auditlog/logentry/"],
}


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 800)], ids=["phone", "desktop"])
@pytest.mark.parametrize("user", list(ADMIN_PAGES))
def test_the_main_admin_pages_have_no_serious_violation(page: Page, live_server, demo, user, width, height):
    axe, found = Axe(), []
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(user)
    page.get_by_label("パスワード").fill(demo_password(user))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    for path in ADMIN_PAGES[user]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        found += [v for v in violations(page, axe)
                  if path in OWN_ADMIN_PAGES or "(serious)" in v or "(critical)" in v]
    assert found == [], "\n".join(found)
