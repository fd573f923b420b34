"""Headers on every response: pages and downloads are never stored by the browser or a proxy
(Cache-Control: no-store), and the site gives up browser features it does not use (Permissions-Policy)."""

import datetime as dt

import pytest
from django.urls import reverse

from consultations import services as cases
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_worker_and_case(db):
    worker = UserFactory(username="worker", roles=["相談支援員"])
    case = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                           person_name="山田 花子", presenting_problems="介護の相談", by=worker)
    return worker, case


def assert_not_stored(response) -> None:
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


def test_case_pages_and_their_pdfs_are_not_stored(client, case_worker_and_case):
    worker, case = case_worker_and_case
    client.force_login(worker)
    for url in [reverse("cases:list"), reverse("cases:detail", args=[case.pk]),
                reverse("cases:pdf", args=[case.pk, "intake"])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_not_stored(response)


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_downloads_are_not_stored(client, contractor_a, export):
    client.force_login(contractor_a)
    response = client.get(reverse("activities:resources"), {"export": export})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert_not_stored(response)


def test_portal_admin_login_and_error_pages_are_not_stored(client, contractor_a, city_staff):
    assert_not_stored(client.get(reverse("login")))
    assert_not_stored(client.get("/portal/no-such-page/"))
    client.force_login(contractor_a)
    assert_not_stored(client.get(reverse("portal:home")))
    client.force_login(city_staff)
    assert_not_stored(client.get(reverse("admin:index")))
    assert_not_stored(client.get(reverse("admin:reminders_delivery_changelist")))


def test_static_files_and_the_public_meeting_page_may_be_cached(client, council):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    meeting = MeetingFactory(council=council)
    response = client.get(reverse("meetings:public", args=[meeting.pk]))
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"] and "private" in response["Cache-Control"]
    response = client.get(reverse("meetings:feed", args=[council.feed_token]))
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/accounts/login/", "/portal/", "/admin/login/", "/portal/no-such-page/"])
def test_the_site_gives_up_browser_features_it_does_not_use(client, url):
    policy = client.get(url)["Permissions-Policy"]
    features = dict(part.strip().split("=") for part in policy.split(","))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "serial", "display-capture"]:
        assert features[feature] == "()", feature
