"""Rules found in review of the councils."""

import datetime as dt

import pytest
from django.urls import reverse

from councils import services
from councils.mail import send_invitations
from councils.models import Council, Meeting, Membership, Office, OfficeRole, Person, SetupType, WorkingGroup
from municipality.errors import DomainError
from reminders.services import send_due
from tests.council_fixtures import people
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


def add(council, person, body, by, start=dt.date(2025, 4, 1)):
    return services.membership_add(council=council, person=person, organisation=body, start=start, by=by)


@pytest.fixture
def other_council(periods):
    secretary = UserFactory(username="other-secretary", roles=["協議体事務局"], is_staff=True)
    council = Council.objects.create(name="別の第2層協議体", layer=2, area=AreaFactory(code="O2"),
                                     setup_type=SetupType.NPO)
    council.secretariat.add(secretary)
    return council, secretary


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


def test_the_cap_is_never_set_below_the_members_in_office(council, body, secretary):
    import time_machine

    with time_machine.travel(dt.datetime(2025, 6, 1, tzinfo=dt.UTC), tick=False):
        for person in people(3):
            add(council, person, body, secretary)
        with pytest.raises(DomainError, match="3人が在任するため、定数を2人にはできません"):
            services.council_set_cap(council=council, cap=2, by=secretary)
        services.council_set_cap(council=council, cap=3, by=secretary)


def test_replacing_a_member_who_already_left_does_not_bring_them_back(council, body, secretary):
    council.cap = 2
    council.save()
    first, second = (add(council, p, body, secretary) for p in people(2))
    services.membership_leave(membership=first, leaves_on=dt.date(2025, 6, 30), reason="辞任", by=secretary)
    with pytest.raises(DomainError, match="翌日から"):
        services.membership_replace(membership=first, successor=people(1, "x")[0], by=secretary,
                                    successor_start=dt.date(2025, 6, 1))
    successor = services.membership_replace(membership=first, successor=people(1, "補欠")[0], by=secretary,
                                            successor_start=dt.date(2025, 9, 1))
    first.refresh_from_db()
    assert first.end == dt.date(2025, 6, 30)
    assert successor.start == dt.date(2025, 9, 1)
    assert max(Membership.objects.active_on(d).filter(council=council).count()
               for d in [dt.date(2025, 5, 1), dt.date(2025, 8, 1), dt.date(2025, 10, 1)]) == 2
    with pytest.raises(DomainError, match="退任日と退任の理由"):
        services.membership_replace(membership=second, successor=people(1, "y")[0], by=secretary)


def test_a_leaving_deputy_leaves_the_office_and_offices_are_not_combined(council, body, secretary):
    member = add(council, people(1)[0], body, secretary)
    services.office_assign(council=council, role=OfficeRole.DEPUTY, holder=member.person,
                           start=dt.date(2025, 4, 1), by=secretary)
    with pytest.raises(DomainError, match="兼ねられません"):
        services.office_assign(council=council, role=OfficeRole.CHAIR, holder=member.person,
                               start=dt.date(2025, 5, 1), title="課長", by=secretary)
    services.membership_leave(membership=member, leaves_on=dt.date(2025, 9, 30), reason="辞任", by=secretary)
    assert Office.objects.get().end == dt.date(2025, 9, 30)


def test_a_leaving_member_loses_the_next_term_not_yet_begun(council, body, secretary):
    member = add(council, people(1)[0], body, secretary)
    services.memberships_reappoint(memberships=[member], by=secretary)
    services.membership_leave(membership=member, leaves_on=dt.date(2026, 12, 31), reason="辞任", by=secretary)
    assert not Membership.objects.filter(plan_period__number=10).exists()


def test_working_groups_and_meetings_stay_within_their_council(client, council, body, secretary, other_council):
    other, _ = other_council
    foreign = add(other, people(1, "他")[0], body, secretary)
    group = WorkingGroup.objects.create(council=council, name="部会")
    client.force_login(UserFactory(username="cityx", roles=["市職員"], is_staff=True))
    response = client.post(reverse("admin:councils_workinggroup_change", args=[group.pk]),
                           {"council": council.pk, "name": "部会", "purpose": "", "members": [foreign.pk]})
    assert "その協議体の構成員から選んでください" in response.content.decode()
    meeting = Meeting(council=other, working_group=group, title="x", date=dt.date(2026, 12, 1),
                      start_time=dt.time(10), end_time=dt.time(11), place="x")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="別の協議体の作業部会"):
        meeting.full_clean()


def test_a_changed_meeting_is_mailed_again_with_one_charset(council, body, secretary, smtp_sink):
    person = people(1)[0]
    person.email = "iin@example.jp"
    person.save()
    add(council, person, body, secretary)
    meeting = Meeting.objects.create(council=council, title="第3回", date=dt.date(2027, 2, 1), start_time=dt.time(14),
                                     end_time=dt.time(16), place="会議室1")
    services.meeting_invite_members(meeting=meeting, by=secretary)
    assert send_invitations(meeting, base_url="http://testserver") == (1, 0)
    assert send_invitations(meeting, base_url="http://testserver") == (0, 0)
    Meeting.objects.filter(pk=meeting.pk).update(place="会議室2", sequence=1)
    assert send_invitations(meeting, base_url="http://testserver") == (1, 0)
    assert send_due() == 2
    _first, second = smtp_sink.messages
    calendar = next(p for p in second.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_params().count(("charset", "utf-8")) == 1
    assert calendar.get_param("method") == "PUBLISH"
    assert "SEQUENCE:1" in calendar.get_payload(decode=True).decode()
    assert "会議室2" in calendar.get_payload(decode=True).decode()


def test_person_count_helper():
    assert Person.objects.count() == 0
