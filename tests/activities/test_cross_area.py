"""Cooperation across areas (茅ヶ崎 第8条2項): a coordinator may log an activity in another area only
marked as such; it is counted under their own area and, marked, under the other area, and the
lists, reports and downloads show the mark."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from activities import selectors, services
from activities.models import Activity, ActivityCount, Function
from municipality.errors import DomainError
from tests.factories import AreaFactory
from tests.once import once

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def log(coordinator, category, area, **extra):
    values = dict(date=DAY, minutes=60, area=area, category=category, participants=2, narrative="連携の記録",
                  follow_up_on=None)
    values.update(extra)
    return services.activity_log(coordinator=coordinator, by=coordinator.user, **values)


def counts():
    return {(c.area_id, c.function): (c.count, c.cross_count) for c in ActivityCount.objects.all()
            if c.count or c.cross_count}


def test_another_area_is_refused_without_the_mark(coord_a, categories, areas):
    with pytest.raises(DomainError, match=r"テスト2地区は、松本 さくらさんがその日に担当している区域ではありません。"
                                          r"区域を越えて連携・協力した活動なら「区域を越えた連携」に印を付けてください。"):
        log(coord_a, categories[Function.B], areas[1])
    assert not Activity.objects.exists()


def test_the_mark_on_the_coordinators_own_area_is_refused(coord_a, categories, areas):
    with pytest.raises(DomainError, match="テスト1地区は担当区域です。"):
        log(coord_a, categories[Function.B], areas[0], cross_area=True)
    assert not Activity.objects.exists()


def test_a_marked_activity_in_another_area_counts_under_both_areas_without_double_totals(coord_a, categories,
                                                                                        areas):
    activity = log(coord_a, categories[Function.B], areas[1], cross_area=True)
    assert (activity.area, activity.cross_area, activity.home_area) == (areas[1], True, areas[0])
    assert activity.area_label == "テスト2地区（区域を越えた連携：担当 テスト1地区）"
    assert counts() == {(areas[0].pk, Function.B): (1, 0), (areas[1].pk, Function.B): (0, 1)}
    board = selectors.dashboard(today=dt.date(2026, 11, 23))
    assert board.total == 1  # counted once in the city's totals
    rows = {r["area"]: r for r in selectors.area_function_rows(areas[:2], today=dt.date(2026, 11, 23))}
    assert (rows[areas[0]]["total"], rows[areas[0]]["cross"]) == (1, 0)
    assert (rows[areas[1]]["total"], rows[areas[1]]["cross"]) == (0, 1)

    # Back to an ordinary activity in the own area: the other area's mark goes.
    services.activity_update(activity=activity, by=coord_a.user, date=DAY, minutes=60, area=areas[0],
                             category=categories[Function.B], participants=0, narrative="x", follow_up_on=None,
                             cross_area=False, home_area=None)
    activity.refresh_from_db()
    assert (activity.cross_area, activity.home_area) == (False, None)
    assert counts() == {(areas[0].pk, Function.B): (1, 0)}
    services.activity_delete(activity=activity, by=coord_a.user)
    assert counts() == {}


def test_the_rebuilt_counts_equal_the_kept_ones(coord_a, coord_b, categories, areas):
    log(coord_a, categories[Function.B], areas[1], cross_area=True)
    log(coord_a, categories[Function.A], areas[0])
    log(coord_b, categories[Function.B], areas[1], cross_area=True)
    kept = counts()
    services.activity_counts_rebuild()
    assert counts() == kept == {(areas[0].pk, Function.B): (1, 0), (areas[0].pk, Function.A): (1, 0),
                                (areas[2].pk, Function.B): (1, 0), (areas[1].pk, Function.B): (0, 2)}


def test_a_coordinator_of_several_areas_names_the_one_they_came_from(contract_a, contractor_a, city_user,
                                                                     categories, areas):
    from tests.activities.conftest import appoint

    other = AreaFactory(code="T2-9", name="テスト9地区")
    contract_a.areas.add(areas[2])
    two = appoint(contract_a, contractor_a, city_user, username="two", name="二区域 担当", areas=areas[:2])
    with pytest.raises(DomainError, match="連携元の「自分の担当区域」を選んでください"):
        log(two, categories[Function.A], other, cross_area=True)
    with pytest.raises(DomainError, match="テスト3地区は、二区域 担当さんがその日に担当している区域ではありません"):
        log(two, categories[Function.A], other, cross_area=True, home_area=areas[2])
    activity = log(two, categories[Function.A], other, cross_area=True, home_area=areas[1])
    assert activity.home_area == areas[1]


def test_the_database_refuses_a_mark_without_its_own_area(coord_a, categories, areas):
    activity = log(coord_a, categories[Function.B], areas[1], cross_area=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(home_area=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(home_area=areas[1])  # the same area as where it was done


def test_the_portal_form_offers_other_areas_for_the_mark_and_the_pages_show_it(client, coord_a, categories, areas,
                                                                              city_user):
    client.force_login(coord_a.user)
    form = client.get(reverse("activities:create")).content.decode()
    assert '<optgroup label="他の区域（区域を越えた連携のとき）">' in form and "テスト2地区" in form
    assert "区域を越えた連携" in form
    data = {"date": "2026-11-20", "minutes": 60, "area": areas[1].pk, "category": categories[Function.B].pk,
            "narrative": "隣の地区のサロン立上げを支援"}
    refused = client.post(reverse("activities:create"), {**data, **once()})
    assert "「区域を越えた連携」に印を付けてください" in refused.content.decode()
    assert not Activity.objects.exists()
    saved = client.post(reverse("activities:create"), {**data, "cross_area": "on", **once()})
    assert saved.status_code == 302
    activity = Activity.objects.get()
    assert (activity.area, activity.cross_area, activity.home_area) == (areas[1], True, areas[0])

    listing = client.get(reverse("activities:list")).content.decode()
    assert "テスト2地区（区域を越えた連携：担当 テスト1地区）" in listing
    report = client.get(reverse("activities:report", args=[coord_a.pk, 2026, 11])).content.decode()
    assert "テスト2地区（区域を越えた連携：担当 テスト1地区）" in report
    rows = list(csv.reader(io.StringIO(client.get(reverse("activities:list"), {"export": "csv"}).content
                                       .decode("utf-8-sig"))))
    assert rows[1][2] == "テスト2地区" and rows[1][-1] == "区域を越えた連携（担当 テスト1地区）"

    client.force_login(city_user)
    city_user.groups.clear()
    from django.contrib.auth.models import Group

    city_user.groups.add(Group.objects.get(name="市職員"))
    dashboard = client.get(reverse("activities:dashboard")).content.decode()
    assert "区域を越えた連携（他の区域から）" in dashboard and "連携 1" in dashboard
    table = list(csv.reader(io.StringIO(client.get(reverse("activities:dashboard"), {"export": "csv"}).content
                                        .decode("utf-8-sig"))))
    by_area = {row[0]: row for row in table[1:]}
    assert by_area["テスト2地区"][-1] == "1" and by_area["テスト1地区"][-1] == "0"
