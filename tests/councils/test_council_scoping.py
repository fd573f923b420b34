"""A secretary sees and runs only their own council: people, the second layer, the cap, working groups and meetings."""

import datetime as dt

import pytest
from django.urls import reverse

from councils import services
from councils.models import Meeting
from tests.council_fixtures import people
from tests.factories import CouncilFactory, UserFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db


def add(council, person, body, by, start=dt.date(2025, 4, 1)):
    return services.membership_add(council=council, person=person, organisation=body, start=start, by=by)


@pytest.fixture
def other_council(periods):
    secretary = UserFactory(username="other-secretary", roles=["協議体事務局"], is_staff=True)
    return CouncilFactory(layer=2, secretariat=[secretary]), secretary


def test_people_of_another_council_stay_hidden(client, council, body, secretary, other_council):
    other, other_secretary = other_council
    stranger = people(1, "別協議体の委員")[0]
    stranger.email, stranger.address = "private@example.jp", "汐見市秘密町1-1"
    stranger.save()
    add(other, stranger, body, other_secretary)
    client.force_login(secretary)
    listing = client.get(reverse("admin:councils_person_changelist")).content.decode()
    assert "private@example.jp" not in listing
    assert client.get(reverse("admin:councils_person_change", args=[stranger.pk])).status_code == 404
    client.post(reverse("admin:councils_person_change", args=[stranger.pk]), {"name": "x", "email": "evil@x.jp"})
    stranger.refresh_from_db()
    assert stranger.email == "private@example.jp"


def test_the_first_layer_secretary_does_not_run_the_second_layer(client, secretary, other_council):
    other, _ = other_council
    secretary.areas.add(other.area.parent)
    client.force_login(secretary)
    assert client.get(reverse("admin:councils_council_change", args=[other.pk])).status_code == 404
    assert other.name not in client.get(reverse("admin:councils_meeting_changelist")).content.decode()


def test_the_secretariat_cannot_change_the_cap(client, council, secretary):
    client.force_login(secretary)
    body = client.get(reverse("admin:councils_council_change", args=[council.pk])).content.decode()
    assert 'name="cap"' not in body


def test_working_groups_and_meetings_stay_within_their_council(client, council, body, secretary, other_council):
    other, _ = other_council
    foreign = add(other, people(1, "他")[0], body, secretary)
    group = WorkingGroupFactory(council=council)
    client.force_login(UserFactory(username="cityx", roles=["市職員"], is_staff=True))
    response = client.post(reverse("admin:councils_workinggroup_change", args=[group.pk]),
                           {"council": council.pk, "name": "部会", "purpose": "", "members": [foreign.pk]})
    assert "その協議体の構成員から選んでください" in response.content.decode()
    meeting = Meeting(council=other, working_group=group, title="x", date=dt.date(2026, 12, 1),
                      start_time=dt.time(10), end_time=dt.time(11), place="x")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="別の協議体の作業部会"):
        meeting.full_clean()
