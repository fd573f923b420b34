"""Who may see and edit activity logs: a dismissed coordinator, areas of another coordinator or organisation; bad input gets messages."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from activities import services
from activities.models import Activity, Function
from coordinators import services as lifecycle
from tests.factories import NeedFactory, SocialResourceFactory
from tests.once import once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def log(coordinator, category, area, day=dt.date(2026, 11, 20), **extra):
    values = dict(date=day, minutes=60, area=area, category=category, participants=2, narrative="記録",
                  follow_up_on=None)
    values.update(extra)
    return services.activity_log(coordinator=coordinator, by=coordinator.user, **values)


def test_a_dismissed_coordinator_loses_access(client, coord_a, coord_a2, categories, areas, contractor_a):
    log(coord_a2, categories[Function.A], areas[1])
    lifecycle.dismissal_notice_file(organisation=coord_a.employer, coordinator=coord_a,
                                    dismissed_on=dt.date(2026, 10, 31), reason="退職", certificate_returned=True,
                                    filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
    from municipality.scoping import Scope

    user = coord_a.user
    assert Scope.of(user).area_ids == frozenset()
    need = NeedFactory(area=areas[1], recorded_by=coord_a2)
    client.force_login(user)
    assert client.get(reverse("activities:match_create", args=[need.pk])).status_code == 404


def test_edits_are_limited_to_ones_own_areas(client, coord_a, coord_a2, areas):
    colleague_need = NeedFactory(area=areas[1], recorded_by=coord_a2)
    city_resource = SocialResourceFactory(name="市の資源", area=areas[1])
    client.force_login(coord_a.user)
    assert client.get(reverse("activities:need_edit", args=[colleague_need.pk])).status_code == 404
    response = client.post(reverse("activities:resource_edit", args=[city_resource.pk]),
                           {"name": "書換え", "provider_kind": "salon", "area": areas[0].pk, "offers": "y",
                            "status": "active"})
    assert response.status_code == 404
    city_resource.refresh_from_db()
    assert (city_resource.name, city_resource.registered_by_id) == ("市の資源", None)


def test_activity_logs_do_not_follow_an_area_to_another_organisation(client, coord_a, coord_b, categories, areas,
                                                                      contract_a):
    log(coord_b, categories[Function.A], areas[2], narrative="Ｂの十月の記録", day=dt.date(2026, 10, 5))
    contract_a.areas.add(areas[2])  # A now also serves B's old area
    client.force_login(coord_a.user)
    assert "Ｂの十月の記録" not in client.get(reverse("activities:list")).content.decode()


def test_bad_numbers_and_dates_get_messages_not_errors(client, coord_a, categories, areas):
    client.force_login(coord_a.user)
    response = client.post(reverse("activities:create"), {**once(),
        "date": "2026-11-20", "minutes": 60, "area": areas[0].pk, "category": categories[Function.A].pk,
        "narrative": "x", "participants": "99999999999999999999",
    })
    assert response.status_code == 200
    assert "9999 以下" in response.content.decode()
    response = client.post(reverse("activities:create"), {**once(),
        "date": "2026-11-20", "minutes": 60, "area": areas[0].pk, "category": categories[Function.A].pk,
        "narrative": "x", "follow_up_on": "2026-11-01",
    })
    assert "次の対応日が活動日より前です" in response.content.decode()
    assert not Activity.objects.exists()
    assert client.get(reverse("activities:report", args=[coord_a.pk, 1800, 1])).status_code == 404



def test_lists_offer_edit_and_match_links_only_where_they_answer(client, coord_a, coord_a2, coord_b, areas):
    own_needs = {NeedFactory(area=areas[0], recorded_by=coord_a).pk}
    other_needs = {NeedFactory(area=areas[1], recorded_by=coord_a2, title="隣の区域のニーズ").pk,
                   NeedFactory(area=areas[2], recorded_by=coord_b).pk}
    own_resources = {SocialResourceFactory(area=areas[0]).pk}
    other_resources = {SocialResourceFactory(area=areas[1], name="隣の区域の資源").pk,
                       SocialResourceFactory(area=areas[2]).pk}
    client.force_login(coord_a.user)
    need_page = client.get(reverse("activities:needs")).content.decode()
    resource_page = client.get(reverse("activities:resources")).content.decode()
    # The lists show the neighbouring area's items (shared knowledge), only without the links.
    assert "隣の区域のニーズ" in need_page and "隣の区域の資源" in resource_page
    need_links = set(re.findall(r'href="(/[^"]*/needs/(\d+)/(?:edit|match)/)"', need_page))
    resource_links = set(re.findall(r'href="(/[^"]*/resources/(\d+)/edit/)"', resource_page))
    assert {int(pk) for _, pk in need_links} == own_needs
    assert {int(pk) for _, pk in resource_links} == own_resources
    assert not {int(pk) for _, pk in need_links} & other_needs
    assert not {int(pk) for _, pk in resource_links} & other_resources
    assert len(need_links) == 2  # 社会資源につなぐ and 編集
    for url, _ in need_links | resource_links:
        assert client.get(url).status_code == 200, url
