"""The council pages of the portal: only the council's own secretariat (or its coordinator)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from councils.models import Meeting, SetupType
from tests.factories import (
    AreaFactory,
    CoordinatorFactory,
    CouncilFactory,
    MeetingFactory,
    OrganisationFactory,
    UserFactory,
    WorkingGroupFactory,
)
from tests.once import once

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_layer(periods):
    from coordinators.models import Appointment

    coordinator = UserFactory(username="coord2", roles=["コーディネーター"])
    person = CoordinatorFactory(name="松本 さくら", name_kana="まつもと さくら", birth_date=dt.date(1984, 6, 12),
                                employer=OrganisationFactory(name="汐見市社会福祉協議会"), user=coordinator)
    Appointment.objects.create(coordinator=person, layer=2, start=dt.date(2024, 4, 1))
    council = CouncilFactory(name="汐見中央地区 支え合い協議体", layer=2, area=AreaFactory(code="S2"),
                             setup_type=SetupType.SOCIAL_WELFARE_COUNCIL, secretariat=[coordinator])
    return council, coordinator


def test_a_second_layer_council_is_run_by_its_coordinator(client, second_layer):
    council, coordinator = second_layer
    client.force_login(coordinator)
    assert council.name in client.get(reverse("councils:list")).content.decode()
    response = client.post(reverse("councils:meeting_create", args=[council.pk]), {**once(),
        "title": "第1回 汐見中央地区 支え合い協議体", "date": "2026-12-10", "start_time": "10:00", "end_time": "11:30",
        "place": "汐見中央公民館", "is_public": "on", "public_seats": 3, "agenda_1": "見守り活動の情報共有", "topic_1": "5",
    })
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert list(meeting.agenda.values_list("title", "topic")) == [("見守り活動の情報共有", "5")]


def test_bad_meeting_input_is_refused_in_japanese(client, second_layer):
    council, coordinator = second_layer
    client.force_login(coordinator)
    response = client.post(reverse("councils:meeting_create", args=[council.pk]), {**once(),
        "title": "x", "date": "2026-12-10", "start_time": "11:00", "end_time": "10:00", "place": "x",
        "public_seats": 0, "agenda_1": "x",
    })
    body = response.content.decode()
    assert "終了時刻は開始時刻より後にしてください" in body
    assert "非公開にする場合は、その理由を入力してください" in body
    assert not Meeting.objects.exists()


def test_other_secretaries_and_coordinators_get_404(client, second_layer, council):
    other_council, _ = second_layer
    meeting = MeetingFactory(council=other_council, date=dt.date(2026, 12, 1))
    for user in [UserFactory(username="another-coord", roles=["コーディネーター"]),
                 UserFactory(username="another-sec", roles=["協議体事務局"])]:
        client.force_login(user)
        assert client.get(reverse("councils:detail", args=[other_council.pk])).status_code == 404
        assert client.get(reverse("councils:meeting", args=[meeting.pk])).status_code == 404
        assert client.get(reverse("councils:meeting_pdf", args=[meeting.pk, "notice"])).status_code == 404
    client.force_login(UserFactory(username="cw", roles=["相談支援員"]))
    assert client.get(reverse("councils:list")).status_code == 404


def test_member_list_query_count_is_fixed(client, council, body, secretary):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from councils import services
    from tests.council_fixtures import people

    client.force_login(secretary)

    def count(url):
        client.get(url)  # warm: the first request of a session reads more
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [reverse("councils:detail", args=[council.pk]), reverse("admin:councils_membership_changelist"),
            reverse("admin:councils_meeting_changelist")]
    services.membership_add(council=council, person=people(1, "a")[0], organisation=body,
                            start=dt.date(2025, 4, 1), by=secretary)
    MeetingFactory(council=council, date=dt.date(2026, 12, 1))
    before = [count(u) for u in urls]
    for person in people(8, "b"):
        services.membership_add(council=council, person=person, organisation=body, start=dt.date(2025, 4, 1),
                                by=secretary)
    for i in range(5):
        MeetingFactory(council=council, date=dt.date(2026, 12, 2 + i))
    assert [count(u) for u in urls] == before


def test_the_coordinator_registers_members_under_the_cap(client, second_layer):
    from councils.models import Membership, Person

    council, coordinator = second_layer
    council.cap = 1
    council.save()
    body = OrganisationFactory()
    client.force_login(coordinator)
    url = reverse("councils:member_add", args=[council.pk])
    form = {"name": "山本 清", "organisation": body.pk, "start": "2025-04-01"}
    assert client.post(url, {**form, **once()}).status_code == 302
    response = client.post(url, {**form, **once(), "name": "二人目 太郎"})
    assert "構成員の定数（1人）を超えるため追加できません" in response.content.decode()
    assert Membership.objects.count() == 1
    assert not Person.objects.filter(name="二人目 太郎").exists()  # nothing saved


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "99"])
def test_a_member_with_an_impossible_start_is_refused_in_japanese(client, second_layer, start):
    from councils.models import Membership, Person

    council, coordinator = second_layer
    body = OrganisationFactory()
    client.force_login(coordinator)
    response = client.post(reverse("councils:member_add", args=[council.pk]),
                           {"name": "山本 清", "organisation": body.pk, "start": start})
    assert response.status_code == 200
    assert "日付を" in response.content.decode()
    assert not Membership.objects.exists() and not Person.objects.exists()


def test_a_guest_is_invited_to_a_meeting(client, second_layer):
    council, coordinator = second_layer
    meeting = MeetingFactory(council=council, date=dt.date(2099, 1, 1))
    client.force_login(coordinator)
    client.post(reverse("councils:guest_invite", args=[meeting.pk]), {**once(), "name": "地域包括支援センター 職員"})
    invitation = meeting.invitations.get()
    assert (invitation.person.name, invitation.kind) == ("地域包括支援センター 職員", "guest")


def test_a_working_group_meeting_invites_the_group(council, body, secretary):
    from councils import services
    from tests.council_fixtures import people

    members = [services.membership_add(council=council, person=p, organisation=body, start=dt.date(2025, 4, 1),
                                       by=secretary) for p in people(4)]
    group = WorkingGroupFactory(council=council, members=members[:2])
    meeting = MeetingFactory(council=council, working_group=group, title="部会", date=dt.date(2026, 12, 1))
    services.meeting_invite_members(meeting=meeting, by=secretary)
    assert set(meeting.invitations.values_list("person__name", flat=True)) == {"委員0", "委員1"}


def test_a_dismissed_coordinator_no_longer_runs_the_council(client, second_layer):
    council, coordinator = second_layer
    coordinator.coordinator.appointments.update(end=dt.date(2025, 3, 31))
    client.force_login(coordinator)
    assert client.get(reverse("councils:detail", args=[council.pk])).status_code == 404


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31)], ids=str)
def test_a_meeting_stored_with_an_extreme_date_still_prints(client, second_layer, day):
    council, coordinator = second_layer
    meeting = MeetingFactory(council=council, title="古い会議", date=day, is_public=True)
    client.force_login(coordinator)
    for url in (reverse("councils:detail", args=[council.pk]), reverse("councils:meeting", args=[meeting.pk]),
                f"/meetings/calendar/{council.feed_token}.ics", f"/meetings/{meeting.pk}/"):
        assert client.get(url).status_code == 200, url


def test_the_council_list_comes_50_a_page_searchable_in_a_fixed_number_of_queries(client, city_staff):
    client.force_login(city_staff)
    CouncilFactory(name="汐見中央地区 支え合い協議体")
    url = reverse("councils:list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(60):
        CouncilFactory(name=f"第2層協議体{i:02d}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few)
    assert page.count('class="card"><a href=') == 50
    assert "1 / 2ページ（61件）" in page
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="card"><a href=') == 11
    found = client.get(url, {"q": "汐見中央"}).content.decode()
    assert found.count('class="card"><a href=') == 1 and "汐見中央地区 支え合い協議体" in found
    assert "「該当なし」を名称に含む協議体はありません。" in client.get(url, {"q": "該当なし"}).content.decode()


def test_the_public_checkbox_has_its_own_label_and_the_reason_its_own_field(client, second_layer):
    council, coordinator = second_layer
    client.force_login(coordinator)
    body = client.get(reverse("councils:meeting_create", args=[council.pk])).content.decode()
    assert re.search(r'<input type="checkbox" name="is_public"[^>]*>\s*<label for="id_is_public">公開する</label>', body)
    # The reason's label is not next to the checkbox: it opens its own field group.
    assert not re.search(r'name="is_public"[^>]*>\s*(<div[^>]*>[^<]*</div>\s*)?<label for="id_closed_reason"', body)
    assert '<label for="id_closed_reason">非公開の理由</label>' in body
    assert re.search(r'<input type="number" name="public_seats"(?![^>]*value=)[^>]*>', body)


def test_a_public_meeting_without_seats_says_only_public(client, second_layer):
    council, coordinator = second_layer
    client.force_login(coordinator)
    response = client.post(reverse("councils:meeting_create", args=[council.pk]), {**once(),
        "title": "第2回", "date": "2026-12-10", "start_time": "10:00", "end_time": "11:30",
        "place": "汐見中央公民館", "is_public": "on", "public_seats": "", "agenda_1": "見守り", "topic_1": "5",
    })
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.public_seats is None
    body = client.get(reverse("meetings:public", args=[meeting.pk])).content.decode()
    assert "<dd>公開</dd>" in body and "席" not in body.split("<dt>公開</dt>")[1].split("</dd>")[0]
    with_seats = MeetingFactory(council=council, public_seats=5)
    assert "公開（傍聴席 5席）" in client.get(reverse("meetings:public", args=[with_seats.pk])).content.decode()


def test_zero_seats_for_a_public_meeting_is_refused_in_japanese(client, second_layer):
    council, coordinator = second_layer
    client.force_login(coordinator)
    response = client.post(reverse("councils:meeting_create", args=[council.pk]), {**once(),
        "title": "第2回", "date": "2026-12-10", "start_time": "10:00", "end_time": "11:30",
        "place": "汐見中央公民館", "is_public": "on", "public_seats": "0", "agenda_1": "見守り", "topic_1": "5",
    })
    assert "傍聴席を設けない場合は空欄にしてください" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_member_whose_term_starts_later_is_announced_and_listed_as_upcoming(client, council, body, secretary):
    import time_machine

    client.force_login(secretary)
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        response = client.post(reverse("councils:member_add", args=[council.pk]), {
            **once(), "name": "来月 始", "organisation": body.pk, "start": "2026-12-01"}, follow=True)
        body_html = response.content.decode()
        assert "来月 始さんを構成員に登録しました。任期は令和8年12月1日から始まります。" in body_html
        current, upcoming = body_html.split('<h2 id="members">')[1].split('<h3 id="upcoming">これから任期が始まる構成員')
        assert "来月 始" not in current  # not counted among today's members
        assert "来月 始" in upcoming and "令和8年12月1日から" in upcoming
        admin_list = client.get(reverse("admin:councils_membership_changelist"), {"active_on": "future"})
        assert "来月 始" in admin_list.content.decode()


def test_the_secretariats_start_page_links_to_its_councils(client, council, secretary):
    other = CouncilFactory(name="他の協議体")
    client.force_login(secretary)
    body = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("councils:detail", args=[council.pk])}"' in body
    assert council.name in body and other.name not in body
    assert client.get(reverse("councils:detail", args=[council.pk])).status_code == 200
