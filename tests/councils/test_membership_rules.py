"""Members in office: the cap, replacing a member who left, leaving offices and the next term, the count helper."""

import datetime as dt

import pytest

from councils import services
from councils.models import Membership, Office, OfficeRole, Person
from municipality.errors import DomainError
from tests.council_fixtures import people
from tests.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db


def add(council, person, body, by, start=dt.date(2025, 4, 1)):
    return services.membership_add(council=council, person=person, organisation=body, start=start, by=by)


@pytest.fixture
def other_council(periods):
    secretary = UserFactory(username="other-secretary", roles=["協議体事務局"], is_staff=True)
    return CouncilFactory(layer=2, secretariat=[secretary]), secretary


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


def test_person_count_helper():
    assert Person.objects.count() == 0
