"""The city's start page counts what waits (issue 15): the same numbers as the lists they summarise,
worked out in the database in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordinators import selectors
from coordinators.models import Appointment
from tests.factories import AreaFactory, CoordinatorFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)


def appoint(area_list, start, end=None, layer=2):
    appointment = Appointment.objects.create(coordinator=CoordinatorFactory(), layer=layer, start=start, end=end)
    appointment.areas.set(area_list)
    return appointment


@pytest.fixture
def world():
    """Areas in every state of coverage, on and around DAY."""
    a = {name: AreaFactory(name=name) for name in (
        "never", "covered", "vacant", "vacant_twice", "succeeded", "successor_later", "ends_today", "ended_yesterday",
        "starts_tomorrow", "shared_vacant", "inactive_vacant")}
    third = AreaFactory(name="third_vacant", layer=3)
    appoint([a["covered"]], dt.date(2026, 4, 1))
    appoint([a["vacant"]], dt.date(2026, 4, 1), dt.date(2026, 10, 31))
    appoint([a["vacant_twice"]], dt.date(2025, 4, 1), dt.date(2025, 9, 30))
    appoint([a["vacant_twice"]], dt.date(2025, 10, 1), dt.date(2026, 6, 30))
    appoint([a["succeeded"]], dt.date(2026, 4, 1), dt.date(2026, 8, 31))
    appoint([a["succeeded"]], dt.date(2026, 9, 1))
    appoint([a["successor_later"]], dt.date(2026, 4, 1), dt.date(2026, 8, 31))
    appoint([a["successor_later"]], DAY + dt.timedelta(days=10))
    appoint([a["ends_today"]], dt.date(2026, 4, 1), DAY)
    appoint([a["ended_yesterday"]], dt.date(2026, 4, 1), DAY - dt.timedelta(days=1))
    appoint([a["starts_tomorrow"]], DAY + dt.timedelta(days=1))
    appoint([a["shared_vacant"], a["covered"]], dt.date(2026, 4, 1), dt.date(2026, 5, 31))
    appoint([a["inactive_vacant"]], dt.date(2026, 4, 1), dt.date(2026, 5, 31))
    appoint([third], dt.date(2026, 4, 1), dt.date(2026, 5, 31), layer=3)
    a["inactive_vacant"].is_active = False
    a["inactive_vacant"].save()
    return a


@pytest.mark.parametrize("day", [dt.date(2025, 3, 1), dt.date(2025, 12, 1), dt.date(2026, 6, 1), DAY,
                                 DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=30)])
def test_areas_awaiting_successor_are_counted_as_the_coverage_list_finds_them(world, day):
    old = len(selectors.areas_awaiting_successor(day=day))
    assert selectors.waiting_counts(day=day)["awaiting_successor"] == old


@pytest.mark.parametrize("day", [dt.date(2025, 3, 1), dt.date(2025, 12, 1), dt.date(2026, 6, 1), DAY,
                                 DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=30)])
def test_the_areas_awaiting_a_successor_are_those_of_the_coverage_of_every_area(world, day):
    """Narrowed in the database first (the reminder scan asks for them), the same areas in the same
    order, waiting since the same day, as the coverage of every area finds them."""
    every = [(c.area.pk, c.vacant_since) for c in selectors.area_coverage(day=day)
             if c.status == selectors.Coverage.AWAITING_SUCCESSOR]
    assert [(c.area.pk, c.vacant_since) for c in selectors.areas_awaiting_successor(day=day)] == every


def test_the_vacancies_on_the_day_are_the_expected_areas(world):
    vacant = {c.area.name for c in selectors.areas_awaiting_successor(day=DAY)}
    assert vacant == {"vacant", "vacant_twice", "successor_later", "ended_yesterday", "shared_vacant"}
    assert selectors.waiting_counts(day=DAY)["awaiting_successor"] == 5


def test_waiting_counts_take_the_same_queries_whatever_the_rows(world):
    with CaptureQueriesContext(connection) as few:
        selectors.waiting_counts(day=DAY)
    for i in range(10):
        appoint([AreaFactory(name=f"more{i}")], dt.date(2026, 4, 1), dt.date(2026, 5, 31))
    with CaptureQueriesContext(connection) as many:
        selectors.waiting_counts(day=DAY)
    assert len(many) == len(few)
