"""The menu of every portal page (portal/context_processors.py): what it shows and what it costs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reminders.models import Notice, Reason
from tests.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db


def notice(user, title: str) -> Notice:
    return Notice.objects.create(user=user, reason=Reason.VACANCY, object_key=f"x:{title}", step="1", title=title,
                                 body="本文")


def page_and_queries(client, url: str) -> tuple[str, list[str]]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in queries.captured_queries]


def test_the_unread_count_follows_each_notice_read(client, city_staff):
    first, _second = notice(city_staff, "一件目"), notice(city_staff, "二件目")
    client.force_login(city_staff)
    assert '<span class="nav-count">2<span class="visually-hidden">' in client.get("/portal/").content.decode()
    first.read_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    first.save()
    assert '<span class="nav-count">1<span class="visually-hidden">' in client.get("/portal/").content.decode()
    Notice.objects.update(read_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert "nav-count" not in client.get("/portal/").content.decode()


def test_a_user_who_runs_a_council_finds_it_in_the_menu_without_the_secretariat_role(client):
    user = UserFactory(username="runs-one", roles=["市職員"], is_staff=True)
    client.force_login(user)
    assert 'href="/portal/councils/"' not in client.get("/portal/notices/").content.decode()
    CouncilFactory().secretariat.add(user)
    assert 'href="/portal/councils/"' in client.get("/portal/notices/").content.decode()


def test_the_menu_asks_for_notices_and_councils_in_one_query(client, city_staff):
    notice(city_staff, "未読")
    client.force_login(city_staff)
    page, sqls = page_and_queries(client, "/portal/notices/")
    assert '<span class="nav-count">1<span class="visually-hidden">' in page
    menu = [sql for sql in sqls if "councils_council_secretariat" in sql]
    assert len(menu) == 1 and "reminders_notice" in menu[0]


def test_a_page_without_the_menu_pays_nothing_for_it(client, city_staff):
    notice(city_staff, "未読")
    client.force_login(city_staff)
    _page, sqls = page_and_queries(client, "/admin/reminders/notice/")
    assert not [sql for sql in sqls if "councils_council_secretariat" in sql]
