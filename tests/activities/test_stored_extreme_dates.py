"""A need saved before the range check (year 1, year 9999) still prints in the list and its exports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

EXTREMES = [dt.date(1, 1, 1), dt.date(9999, 12, 31)]


@pytest.mark.parametrize("day", EXTREMES, ids=str)
def test_the_needs_list_and_its_exports_print_a_stored_extreme_date(client, coord_a, areas, day):
    NeedFactory(title="古いニーズ", area=areas[0], raised_on=day, recorded_by=coord_a)
    client.force_login(coord_a.user)
    for params in ({}, {"export": "csv"}, {"export": "xlsx"}):
        response = client.get(reverse("activities:needs"), params)
        assert response.status_code == 200, params
    assert "古いニーズ" in client.get(reverse("activities:needs")).content.decode()
