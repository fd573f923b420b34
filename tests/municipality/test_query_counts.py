"""List pages make a fixed number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AreaFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_rows(n: int) -> None:
    for _ in range(n):
        organisation = OrganisationFactory()
        UserFactory(organisation=organisation, roles=["受託団体", "コーディネーター"], areas=[AreaFactory()])


@pytest.mark.parametrize(
    "url",
    [
        "/portal/",
        "/admin/municipality/user/",
        "/admin/municipality/organisation/",
        "/admin/municipality/area/",
    ],
)
def test_list_query_count_does_not_grow_with_rows(client, city_staff, url):
    client.force_login(city_staff)
    add_rows(2)
    few = count_queries(client, url)
    add_rows(20)
    many = count_queries(client, url)
    assert many == few
