import datetime as dt

import pytest
from django.utils import timezone

from councils import services as council_services
from tests.council_fixtures import people
from tests.factories import AgencyFactory, MeetingFactory


@pytest.fixture
def member(council, body, secretary):
    """A member of the 第1層 council whose term is the 第9期 plan period (ends 2027-03-31)."""
    person = people(1)[0]
    person.email = "member@example.jp"
    person.save()
    secretary.email = "secretary@example.jp"
    secretary.save()
    return council_services.membership_add(council=council, person=person, organisation=body,
                                           start=dt.date(2025, 4, 1), by=secretary)


@pytest.fixture
def case_worker(db):
    from tests.factories import UserFactory

    return UserFactory(username="worker", roles=["相談支援員"], email="worker@example.jp")


@pytest.fixture
def monitored_plan(case_worker):
    """An active plan, decided at a 重層的支援会議 under consent, with monitoring due 2026-09-01."""
    from consultations import services as cases
    from consultations.models import Timing

    agency = AgencyFactory()
    case = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["other"], person_name="架空 太郎",
                           presenting_problems="生活の困りごと", by=case_worker)
    cases.consent_record(case=case, agencies=[agency], given_on=dt.date(2026, 5, 1), method="oral", by=case_worker)
    plan = cases.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1),
                            by=case_worker)
    cases.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                          attendees=[case_worker], by=case_worker)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def meeting_to_announce(council, body, secretary):
    """A meeting in ten days with one invitee who has an address, not yet mailed."""
    person = people(1)[0]
    person.email = "iin@example.jp"
    person.save()
    day = timezone.localdate() + dt.timedelta(days=10)
    council_services.membership_add(council=council, person=person, organisation=body,
                                    start=council_services.plan_period_containing(day).start, by=secretary)
    meeting = MeetingFactory(council=council, date=day)
    council_services.meeting_invite_members(meeting=meeting, by=secretary)
    return meeting
