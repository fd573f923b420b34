"""A changed meeting is mailed again, in one charset."""

import datetime as dt

import pytest
import time_machine

from councils import services
from councils.models import Meeting
from councils.services import invitations_send
from reminders.services import send_due
from tests.council_fixtures import people
from tests.factories import CouncilFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


def add(council, person, body, by, start=dt.date(2025, 4, 1)):
    return services.membership_add(council=council, person=person, organisation=body, start=start, by=by)


@pytest.fixture
def other_council(periods):
    secretary = UserFactory(username="other-secretary", roles=["協議体事務局"], is_staff=True)
    return CouncilFactory(layer=2, secretariat=[secretary]), secretary


@time_machine.travel(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC), tick=False)  # before the meeting
def test_a_changed_meeting_is_mailed_again_with_one_charset(council, body, secretary, smtp_sink):
    person = people(1)[0]
    person.email = "iin@example.jp"
    person.save()
    add(council, person, body, secretary)
    meeting = MeetingFactory(council=council, date=dt.date(2027, 2, 1))
    services.meeting_invite_members(meeting=meeting, by=secretary)
    assert invitations_send(meeting=meeting) == (1, 0)
    assert invitations_send(meeting=meeting) == (0, 0)
    Meeting.objects.filter(pk=meeting.pk).update(place="会議室2", sequence=1)
    assert invitations_send(meeting=meeting) == (1, 0)
    assert send_due() == 2
    _first, second = smtp_sink.messages
    calendar = next(p for p in second.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_params().count(("charset", "utf-8")) == 1
    assert calendar.get_param("method") == "PUBLISH"
    assert "SEQUENCE:1" in calendar.get_payload(decode=True).decode()
    assert "会議室2" in calendar.get_payload(decode=True).decode()
