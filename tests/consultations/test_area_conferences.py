"""重層的支援会議 on a 地域生活課題 (issue 13, item 7; seed 003 3.会議内容③): a meeting without an
individual case, recording the issue and what was decided, able to raise a 地域の課題. Its text is
checked like a regional issue's; the team and its attendees see it, city-wide users read it."""

import datetime as dt
import subprocess

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from consultations import services
from consultations.models import AreaConference, CaseConference, RegionalIssue
from municipality.errors import DomainError
from tests.once import once
from tests.personas import build_world

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def client_of(w, name):
    client = Client()
    client.force_login(w.user(name))
    return client


def test_a_case_worker_records_a_meeting_for_their_team(world):
    w = world
    response = client_of(w, "worker_2").post(reverse("cases:area_conference_create"), {
        **once(), "held_on": "2026-11-10", "area": w["area_B1"].pk, "issue": "坂の多い地区で買い物に行けない高齢者が多い",
        "decisions": "移動販売の誘致を協議体に提案する", "attendees": [w.user("agency_2").pk],
        "agencies": [w["case_2"].agencies.first().pk]})
    conference = AreaConference.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("cases:area_conference_detail",
                                                                            args=[conference.pk])
    assert conference.organisation_id == w.user("worker_2").organisation_id
    assert set(conference.attendees.all()) == {w.user("worker_2"), w.user("agency_2")}
    assert not CaseConference.objects.filter(held_on=dt.date(2026, 11, 10)).exists()  # no case, no plan moved


@pytest.mark.parametrize("text", ["架空 1子さんの見守りについて", "架空 1郎さんが通える場", "架空 2子さんの件"])
def test_a_meeting_record_naming_a_person_of_the_workers_cases_is_refused(world, text):
    w = world
    before = AreaConference.objects.count()
    with pytest.raises(DomainError, match="個人が特定できる情報"):
        services.area_conference_record(held_on=dt.date(2026, 11, 10), issue=text, decisions="x",
                                        by=w.user("worker_1") if "1" in text else w.user("worker_2"))
    response = client_of(w, "worker_1").post(reverse("cases:area_conference_create"), {
        **once(), "held_on": "2026-11-10", "issue": "地域の居場所", "decisions": "架空 1子さんを誘う"})
    assert response.status_code == 200 and "個人が特定できる情報" in response.content.decode()
    assert AreaConference.objects.count() == before


def test_a_meeting_cannot_be_recorded_before_it_is_held(world):
    with pytest.raises(DomainError, match="開催前"):
        services.area_conference_record(held_on=dt.date(2026, 12, 1), issue="x", decisions="y",
                                        by=world.user("worker_1"))


@pytest.mark.parametrize(("persona", "status"), [
    ("worker_1", 200), ("outsider_2", 200), ("city", 200), ("auditor", 200), ("superuser", 200),
    ("worker_2", 404), ("agency_1", 404), ("coord_a", 404), ("coord_caseworker", 404), ("sec_1", 404),
    ("contractor_a", 404),
])
def test_who_sees_the_meeting(world, persona, status):
    w = world
    conference = w["area_conference_1"]
    client = client_of(w, persona)
    assert client.get(reverse("cases:area_conference_detail", args=[conference.pk])).status_code == status
    assert client.get(reverse("cases:area_conference_pdf", args=[conference.pk])).status_code == status
    listing = client.get(reverse("cases:area_conferences"))
    if persona in ("coord_a", "coord_caseworker", "sec_1", "contractor_a"):
        assert listing.status_code == 404
    else:
        assert (conference.issue[:20] in listing.content.decode()) == (status == 200)


@pytest.mark.parametrize(("persona", "status"), [
    ("worker_1", 200), ("worker_2", 200), ("outsider_1", 200), ("outsider_2", 404), ("city", 404),
    ("auditor", 404), ("coord_caseworker", 404),
])
def test_who_may_record_a_meeting(world, persona, status):
    # outsider_2 belongs to no organisation: a meeting belongs to a team.
    assert client_of(world, persona).get(reverse("cases:area_conference_create")).status_code == status


def test_reading_the_meeting_is_logged(world):
    w = world
    conference = w["area_conference_1"]
    client_of(w, "city").get(reverse("cases:area_conference_detail", args=[conference.pk]))
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(conference.pk),
                                    content_type__model="areaconference").latest("pk")
    assert entry.actor == w.user("city")


def test_a_regional_issue_is_raised_from_the_meeting(world):
    w = world
    conference = w["area_conference_1"]
    url = reverse("cases:area_conference_regional_issue", args=[conference.pk])
    response = client_of(w, "outsider_2").post(url, {**once(), "title": "居場所の不足",
                                                     "description": "駅前地区に日中集える場所がない"})
    assert response.status_code == 302
    issue = RegionalIssue.objects.latest("pk")
    assert (issue.area_conference, issue.area, issue.raised_by) == (conference, conference.area, w.user("outsider_2"))
    page = client_of(w, "city").get(reverse("cases:area_conference_detail", args=[conference.pk])).content.decode()
    assert "居場所の不足" in page
    # City staff read the meeting but do not raise issues from it.
    assert client_of(w, "city").get(url).status_code == 404


def test_a_regional_issue_from_the_meeting_naming_a_person_is_refused(world):
    w = world
    before = RegionalIssue.objects.count()
    response = client_of(w, "worker_1").post(
        reverse("cases:area_conference_regional_issue", args=[w["area_conference_1"].pk]),
        {**once(), "title": "居場所の不足", "description": "架空 1郎さんのような若者が集える場所がない"})
    assert response.status_code == 200 and "個人が特定できる情報" in response.content.decode()
    assert RegionalIssue.objects.count() == before


def test_the_meeting_pdf_prints_the_record(world, tmp_path):
    w = world
    conference = w["area_conference_1"]
    response = client_of(w, "worker_1").get(reverse("cases:area_conference_pdf", args=[conference.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(b"".join(response.streaming_content) if hasattr(response, "streaming_content")
                    else response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for expected in ("重層的支援会議（地域生活課題）記録", "駅前地区で日中に集える場所が足りない", "協議体に居場所づくりを提案する",
                     "日中の居場所の不足", "Ａ第一地区", "汐見中央地域包括支援センター"):
        assert expected in flat, expected
    assert "架空" not in flat
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5000
