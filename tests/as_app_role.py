"""Opt-in plugin: run the database tests as the application's role instead of the superuser.

    pytest -p tests.as_app_role tests/coordinators ...   (PostgreSQL)

Each test that uses the ``db`` fixture grants ``shien_app`` what grant_app_role grants and then
runs under ``SET ROLE shien_app``, so a service that needs more than the application role has
(an UPDATE of an audit entry, a lock on an issued document) fails. Tests that check a database
trigger fail with "permission denied" instead, which is the stronger refusal. Transactional and
live-server tests keep their own connections and are left as they are.
"""

import pytest

APP_ROLE = "shien_app"


@pytest.fixture(autouse=True)
def _as_app_role(request):
    marker = request.node.get_closest_marker("django_db")
    if ("db" not in request.fixturenames or {"transactional_db", "live_server"} & set(request.fixturenames)
            or (marker and marker.kwargs.get("transaction"))):
        yield
        return
    request.getfixturevalue("db")
    from django.db import connection

    from municipality.dbroles import grant_app_role
    from tests.municipality.test_dbroles import ensure_role

    if connection.vendor != "postgresql":
        yield
        return
    ensure_role(APP_ROLE)
    grant_app_role(role=APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")  # undone with the test's transaction
    yield
