"""The council's rules: terms in plan periods, the cap, one seat per person, replacement,
reappointment, chair and deputy, pledges."""

import datetime as dt

import pytest
from django.db import connection

from councils import selectors, services
from councils.models import Membership, Office, OfficeRole, PledgeContext
from municipality.errors import DomainError
from tests.council_fixtures import P9_END, P9_START, P10_END, P10_START, people

pytestmark = pytest.mark.django_db


def add(council, person, body, secretary, start=dt.date(2025, 4, 1), **kw):
    return services.membership_add(council=council, person=person, organisation=body, start=start,
                                   by=secretary, **kw)


def test_the_default_term_is_the_plan_period_containing_the_start(council, body, secretary):
    membership = add(council, people(1)[0], body, secretary, start=dt.date(2025, 6, 1))
    assert (membership.start, membership.end, membership.plan_period.number) == (dt.date(2025, 6, 1), P9_END, 9)


def test_the_twenty_first_member_is_refused(council, body, secretary):
    for person in people(20):
        add(council, person, body, secretary)
    before = Membership.objects.count()
    with pytest.raises(DomainError, match=r"構成員の定数（20人）を超えるため追加できません。令和7年4月1日には すでに20人"):
        add(council, people(1, "21人目")[0], body, secretary)
    assert Membership.objects.count() == before


def test_the_cap_counts_any_single_day(council, body, secretary):
    group = people(20)
    for person in group[:19]:
        add(council, person, body, secretary)
    add(council, group[19], body, secretary, start=dt.date(2026, 1, 1))
    # A term starting earlier would be the 21st from 2026-01-01 on.
    with pytest.raises(DomainError, match="令和8年1月1日には すでに20人"):
        add(council, people(1, "x")[0], body, secretary, start=dt.date(2025, 6, 1))
    # A term ending before then fits.
    add(council, people(1, "y")[0], body, secretary, start=dt.date(2025, 6, 1), end=dt.date(2025, 12, 31))


def test_the_cap_is_a_setting_per_council(council, body, secretary):
    council.cap = 2
    council.save()
    add(council, people(1, "a")[0], body, secretary)
    add(council, people(1, "b")[0], body, secretary)
    with pytest.raises(DomainError, match="定数（2人）"):
        add(council, people(1, "c")[0], body, secretary)


def test_one_person_twice_at_once_is_refused(council, body, secretary):
    person = people(1)[0]
    add(council, person, body, secretary)
    with pytest.raises(DomainError, match="同じ期間にすでに"):
        add(council, person, body, secretary, start=dt.date(2026, 4, 1))


def test_a_term_outside_its_period_and_an_end_before_the_start_are_refused(council, body, secretary):
    with pytest.raises(DomainError, match=r"計画期間.*の外にはみ出しています"):
        add(council, people(1)[0], body, secretary, start=dt.date(2026, 4, 1), end=dt.date(2027, 9, 30))
    with pytest.raises(DomainError, match=r"始まり.*より前です"):
        add(council, people(1, "z")[0], body, secretary, start=dt.date(2026, 4, 1), end=dt.date(2026, 3, 1))
    with pytest.raises(DomainError, match="計画期間が登録されていません"):
        add(council, people(1, "w")[0], body, secretary, start=dt.date(2031, 4, 1))
    assert not Membership.objects.exists()


def test_a_successor_sits_for_the_rest_of_the_term(council, body, secretary):
    old = add(council, people(1)[0], body, secretary)
    successor = services.membership_replace(membership=old, leaves_on=dt.date(2025, 12, 31), reason="辞任",
                                            successor=people(1, "補欠")[0], by=secretary)
    old.refresh_from_db()
    assert (old.end, old.left_reason) == (dt.date(2025, 12, 31), "辞任")
    assert (successor.start, successor.end, successor.replaces) == (dt.date(2026, 1, 1), P9_END, old)
    assert Membership.objects.active_on(dt.date(2025, 12, 31)).get().person.name == "委員0"
    assert Membership.objects.active_on(dt.date(2026, 1, 1)).get().person.name == "補欠0"
    with pytest.raises(DomainError, match="すでに補欠"):
        services.membership_replace(membership=old, leaves_on=dt.date(2026, 2, 1), reason="x",
                                    successor=people(1, "二人目")[0], by=secretary)


def test_a_replacement_on_a_full_council_keeps_the_cap(council, body, secretary):
    members = [add(council, p, body, secretary) for p in people(20)]
    successor = services.membership_replace(membership=members[0], leaves_on=dt.date(2025, 9, 30), reason="転居",
                                            successor=people(1, "補欠")[0], by=secretary)
    assert successor.pk


def test_reappointment_of_selected_members_into_the_next_period(council, body, secretary):
    first, second, third = (add(council, p, body, secretary) for p in people(3))
    created = services.memberships_reappoint(memberships=[first, third], by=secretary)
    assert [(m.person.name, m.start, m.end, m.plan_period.number) for m in created] == [
        ("委員0", P10_START, P10_END, 10), ("委員2", P10_START, P10_END, 10)]
    assert Membership.objects.get(pk=first.pk).reappointed_as == created[0]
    assert Membership.objects.filter(person=second.person).count() == 1
    assert Membership.objects.get(pk=first.pk).end == P9_END  # history kept
    with pytest.raises(DomainError, match="すでに再任"):
        services.memberships_reappoint(memberships=[first], by=secretary)


def test_reappointment_is_all_or_nothing(council, body, secretary):
    first, second = (add(council, p, body, secretary) for p in people(2))
    services.membership_leave(membership=second, leaves_on=dt.date(2025, 12, 31), reason="辞任", by=secretary)
    second.refresh_from_db()
    with pytest.raises(DomainError, match="任期の途中で退任"):
        services.memberships_reappoint(memberships=[first, second], by=secretary)
    assert not Membership.objects.filter(plan_period__number=10).exists()


def test_chair_may_be_a_non_member_and_the_deputy_must_be_a_member(council, body, secretary):
    chief, member, outsider = people(3)
    add(council, member, body, secretary)
    chair = services.office_assign(council=council, role=OfficeRole.CHAIR, holder=chief, start=dt.date(2025, 4, 1),
                                   title="福祉部高齢福祉介護課介護保険担当課長", by=secretary)
    assert chair.membership is None
    with pytest.raises(DomainError, match="職務代理者は構成員から指名します"):
        services.office_assign(council=council, role=OfficeRole.DEPUTY, holder=outsider, start=dt.date(2025, 4, 1),
                               by=secretary)
    with pytest.raises(DomainError, match="職名"):
        services.office_assign(council=council, role=OfficeRole.CHAIR, holder=outsider, start=dt.date(2025, 6, 1),
                               by=secretary)
    deputy = services.office_assign(council=council, role=OfficeRole.DEPUTY, holder=member, start=dt.date(2025, 4, 1),
                                    by=secretary)
    assert deputy.membership.person == member


def test_one_chair_at_a_time(council, body, secretary):
    first, second = people(2)
    services.office_assign(council=council, role=OfficeRole.CHAIR, holder=first, title="課長",
                           start=dt.date(2025, 4, 1), by=secretary)
    services.office_assign(council=council, role=OfficeRole.CHAIR, holder=second, title="課長",
                           start=dt.date(2026, 4, 1), by=secretary)
    assert Office.objects.filter(council=council, role=OfficeRole.CHAIR, end__isnull=True).get().holder == second
    assert Office.objects.get(holder=first).end == dt.date(2026, 3, 31)


def test_members_without_a_pledge_are_flagged(council, body, secretary):
    signed, unsigned = people(2)
    add(council, signed, body, secretary)
    add(council, unsigned, body, secretary)
    services.pledge_record(person=signed, council=council, context=PledgeContext.MEMBER,
                           signed_on=dt.date(2025, 4, 1), by=secretary)
    flagged = selectors.members_without_pledge(council, dt.date(2025, 5, 1))
    assert [m.person for m in flagged] == [unsigned]
    with pytest.raises(DomainError, match="未来の日付"):
        services.pledge_record(person=unsigned, council=council, context=PledgeContext.MEMBER,
                               signed_on=dt.date(2099, 1, 1), by=secretary)


def test_periods_are_the_ninth_and_tenth(periods):
    assert [(p.start, p.end) for p in periods] == [(P9_START, P9_END), (P10_START, P10_END)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_additions_never_pass_the_cap(council, body, secretary):
    """Ten staff add a member at the same moment to a council of fifteen: exactly twenty, five refusals."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    for person in people(15):
        add(council, person, body, secretary)
    newcomers = people(10, "新任")
    barrier = Barrier(10)

    def add_one(person):
        barrier.wait()
        try:
            add(council, person, body, secretary)
            return "added"
        except DomainError as error:
            return error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(add_one, newcomers))
    assert results.count("added") == 5
    refusals = [r for r in results if r != "added"]
    assert len(refusals) == 5 and all("構成員の定数（20人）を超える" in r for r in refusals)
    assert Membership.objects.active_on(dt.date(2025, 4, 1)).filter(council=council).count() == 20


def test_a_new_person_refused_a_seat_is_not_kept_either(council, body, secretary):
    from councils.models import Person

    for person in people(20):
        add(council, person, body, secretary)
    before = Person.objects.count()
    values = {"name": "定数外 太郎", "name_kana": "", "email": "", "postal_code": "", "address": ""}
    with pytest.raises(DomainError, match="構成員の定数"):
        services.membership_add_new_person(council=council, person_values=values, organisation=body,
                                           start=dt.date(2025, 4, 1), by=secretary)
    assert Person.objects.count() == before
    membership = services.membership_add_new_person(
        council=council, person_values={**values, "name": "任期内 花子"}, organisation=body,
        start=P10_START, by=secretary)
    assert (membership.person.name, membership.plan_period.number) == ("任期内 花子", 10)
