"""The term rule is a setting per council (SPEC §6): the plan period (茅ヶ崎) or a fixed number of
years from appointment; a 補欠 sits for the predecessor's remaining term under both; reappointment
and the term-expiry reminders follow the rule."""

import datetime as dt

import pytest
from django.urls import reverse

from councils import reminders as council_reminders
from councils import services
from councils.models import Council, Membership, TermRule
from municipality.errors import DomainError
from reminders import scan
from tests.council_fixtures import P9_END, P10_END, people

pytestmark = pytest.mark.django_db


def fixed(council, years):
    council.term_rule, council.term_years = TermRule.FIXED_YEARS, years
    council.save()
    return council


def add(council, person, body, secretary, start, **kw):
    return services.membership_add(council=council, person=person, organisation=body, start=start, by=secretary, **kw)


def test_existing_and_new_councils_use_the_plan_period(council, body, secretary):
    assert Council.objects.get(pk=council.pk).term_rule == TermRule.PLAN_PERIOD
    membership = add(council, people(1)[0], body, secretary, dt.date(2026, 10, 1))
    assert membership.end == membership.planned_end == P9_END


@pytest.mark.parametrize(("years", "start", "end"), [
    (2, dt.date(2026, 10, 1), dt.date(2028, 9, 30)),
    (3, dt.date(2026, 10, 1), dt.date(2029, 9, 30)),
    (2, dt.date(2025, 4, 1), dt.date(2027, 3, 31)),
    (2, dt.date(2024, 2, 29), dt.date(2026, 2, 28)),  # 民法第143条: no 29 February, the month's last day
])
def test_a_fixed_term_runs_the_set_number_of_years_from_appointment(council, body, secretary, years, start, end,
                                                                       periods):
    from tests.factories import PlanPeriodFactory

    if start < dt.date(2024, 4, 1):
        PlanPeriodFactory(number=8)
    fixed(council, years)
    membership = add(council, people(1)[0], body, secretary, start)
    # The term crosses the plan period's end: under this rule it may.
    assert (membership.start, membership.end, membership.planned_end) == (start, end, end)


def test_a_fixed_term_cannot_be_longer_than_the_set_years(council, body, secretary):
    fixed(council, 2)
    with pytest.raises(DomainError, match=r"この協議体の任期（選任から2年、令和10年9月30日まで）を超えています"):
        add(council, people(1)[0], body, secretary, dt.date(2026, 10, 1), end=dt.date(2028, 10, 1))
    assert not Membership.objects.exists()
    shorter = add(council, people(1)[0], body, secretary, dt.date(2026, 10, 1), end=dt.date(2027, 9, 30))
    assert shorter.planned_end == dt.date(2027, 9, 30)


@pytest.mark.parametrize("years", [None, 2, 3])
def test_a_substitute_sits_for_the_predecessors_remaining_term(council, body, secretary, years):
    if years:
        fixed(council, years)
    first = add(council, people(1, "前任")[0], body, secretary, dt.date(2026, 10, 1))
    expected_end = {None: P9_END, 2: dt.date(2028, 9, 30), 3: dt.date(2029, 9, 30)}[years]
    assert first.planned_end == expected_end
    substitute = services.membership_replace(membership=first, successor=people(1, "補欠")[0], by=secretary,
                                             leaves_on=dt.date(2027, 1, 15), reason="辞任")
    first.refresh_from_db()
    assert first.end == dt.date(2027, 1, 15)
    assert (substitute.start, substitute.end, substitute.planned_end) == (
        dt.date(2027, 1, 16), expected_end, expected_end)
    assert substitute.replaces == first


def test_a_substitute_keeps_the_remaining_term_when_the_rule_changed_meanwhile(council, body, secretary):
    first = add(council, people(1, "前任")[0], body, secretary, dt.date(2026, 10, 1))  # plan period: to 2027-03-31
    fixed(council, 3)
    substitute = services.membership_replace(membership=first, successor=people(1, "補欠")[0], by=secretary,
                                             leaves_on=dt.date(2026, 12, 31), reason="辞任")
    assert substitute.end == P9_END


def test_reappointment_under_the_fixed_rule_starts_the_day_after_the_term(council, body, secretary):
    fixed(council, 2)
    first = add(council, people(1)[0], body, secretary, dt.date(2026, 10, 1))
    [renewed] = services.memberships_reappoint(memberships=[first], by=secretary)
    assert (renewed.start, renewed.end, renewed.plan_period.number) == (dt.date(2028, 10, 1), dt.date(2030, 9, 30), 10)
    assert renewed.reappointed_from == first


def test_reappointment_under_the_plan_period_rule_takes_the_next_period(council, body, secretary):
    first = add(council, people(1)[0], body, secretary, dt.date(2026, 10, 1))
    [renewed] = services.memberships_reappoint(memberships=[first], by=secretary)
    assert (renewed.start, renewed.end) == (dt.date(2027, 4, 1), P10_END)


def test_term_reminders_follow_the_fixed_rule(council, body, secretary):
    fixed(council, 2)
    person = people(1)[0]
    person.email = "member@example.jp"
    person.save()
    add(council, person, body, secretary, dt.date(2026, 10, 1))

    def steps(day):
        return sorted({p.step for p in council_reminders.council_terms(scan.Scan(day))})

    # Not at the plan period's end (2027-03-31) but at the term's (2028-09-30).
    assert steps(dt.date(2027, 3, 1)) == []
    assert steps(dt.date(2028, 8, 31)) == ["30日前 2028-09-30"]


def test_term_reminders_of_a_substitute_follow_the_remaining_term(council, body, secretary):
    fixed(council, 3)
    first = add(council, people(1, "前任")[0], body, secretary, dt.date(2026, 10, 1))
    successor = people(1, "補欠")[0]
    successor.email = "hoketsu@example.jp"
    successor.save()
    services.membership_replace(membership=first, successor=successor, by=secretary,
                                leaves_on=dt.date(2027, 1, 15), reason="辞任")
    planned = council_reminders.council_terms(scan.Scan(dt.date(2029, 8, 31)))
    assert {(p.email, p.step) for p in planned if p.email} >= {("hoketsu@example.jp", "30日前 2029-09-30")}


def test_the_admin_refuses_a_fixed_rule_without_years(client, council):
    from tests.factories import UserFactory
    from tests.once import once

    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    client.force_login(city)
    url = reverse("admin:councils_council_change", args=[council.pk])
    data = {"name": council.name, "layer": "1", "area": council.area_id, "setup_type": council.setup_type,
            "cap": "20", "term_rule": "fixed_years", "term_years": "", **once()}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "任期の年数を1から6の間で入力してください。" in response.content.decode()
    assert Council.objects.get(pk=council.pk).term_rule == TermRule.PLAN_PERIOD
    saved = client.post(url, {**data, "term_years": "3", **once()})
    assert saved.status_code == 302
    council.refresh_from_db()
    assert (council.term_rule, council.term_years, council.term_rule_label) == ("fixed_years", 3, "選任から3年")


def test_the_council_ledger_sets_the_term_rule_and_members_follow_it(client, periods, body):
    from tests.factories import AreaFactory, UserFactory
    from tests.imports.helpers import csv_bytes, import_file

    AreaFactory(code="L1", name="市全域", layer=1, parent=None)
    city = UserFactory(username="city_import", roles=["市職員"], is_staff=True)
    client.force_login(city)
    header = ["名称", "層", "区域コード", "設置の類型", "構成員の定数", "任期の年数"]
    import_file(client, "councils", csv_bytes(header, [["年数の協議体", "第1層", "L1", "住民・行政等協働型", "", 2],
                                                      ["計画期間の協議体", "第1層", "L1", "住民・行政等協働型", "", ""]]),
                "councils.csv")
    fixed_council = Council.objects.get(name="年数の協議体")
    assert (fixed_council.term_rule, fixed_council.term_years) == (TermRule.FIXED_YEARS, 2)
    assert Council.objects.get(name="計画期間の協議体").term_rule == TermRule.PLAN_PERIOD
    members = ["協議体", "氏名", "ふりがな", "所属団体", "任期の始まり"]
    import_file(client, "members", csv_bytes(members, [["年数の協議体", "海野 和夫", "うみの かずお", body.name,
                                                       "令和8年10月1日"]]), "members.csv")
    assert Membership.objects.get().end == dt.date(2028, 9, 30)
