"""A changed meeting is mailed again, in one charset."""

import datetime as dt

import pytest

from councils import services
from councils.models import Council, Meeting, SetupType
from councils.services import invitations_send
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


def test_a_changed_meeting_is_mailed_again_with_one_charset(council, body, secretary, smtp_sink):
    person = people(1)[0]
    person.email = "iin@example.jp"
    person.save()
    add(council, person, body, secretary)
    meeting = Meeting.objects.create(council=council, title="第3回", date=dt.date(2027, 2, 1), start_time=dt.time(14),
                                     end_time=dt.time(16), place="会議室1")
    services.meeting_invite_members(meeting=meeting, by=secretary)
    assert invitations_send(meeting=meeting, base_url="http://testserver") == (1, 0)
    assert invitations_send(meeting=meeting, base_url="http://testserver") == (0, 0)
    Meeting.objects.filter(pk=meeting.pk).update(place="会議室2", sequence=1)
    assert invitations_send(meeting=meeting, base_url="http://testserver") == (1, 0)
    assert send_due() == 2
    _first, second = smtp_sink.messages
    calendar = next(p for p in second.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_params().count(("charset", "utf-8")) == 1
    assert calendar.get_param("method") == "PUBLISH"
    assert "SEQUENCE:1" in calendar.get_payload(decode=True).decode()
    assert "会議室2" in calendar.get_payload(decode=True).decode()
