import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import OrganisationFactory, UserFactory

# Fixtures of the coordinator lifecycle (contracts, accepted appointments) serve later apps too.
pytest_plugins = ["tests.lifecycle", "tests.council_fixtures", "tests.persona_fixtures"]

# Playwright's sync API runs an event loop in the test thread; Django then refuses
# ORM calls from it unless told that this is intended (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _on_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and not _on_postgres():
        pytest.skip("PostgreSQL が必要なテストです（DATABASE_URL=postgres://… で実行すると動きます）")
    if item.get_closest_marker("redis") and not _on_redis():
        pytest.skip("Redis のブローカーが必要なテストです（CELERY_BROKER_URL=redis://… で実行すると動きます）")


@pytest.fixture(scope="session", autouse=True)
def private_broker():
    """Without CELERY_BROKER_URL the tests get a redis-server of their own (config/settings/test.py)."""
    socket = getattr(settings, "TEST_BROKER_SOCKET", None)
    if socket is None:
        yield
        return
    from config import embedded_broker

    process = embedded_broker.start(socket)
    yield
    embedded_broker.stop(process)
    shutil.rmtree(socket.parent, ignore_errors=True)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Personas: organisations and their owners; the rest, and the table of all, in tests/persona_fixtures.py.

@pytest.fixture
def org_a(db):
    return OrganisationFactory(name="社会福祉法人Ａ会")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(name="特定非営利活動法人Ｂ")


@pytest.fixture
def contractor_a(org_a):
    return UserFactory(username="contractor_a", organisation=org_a, roles=["受託団体"])


@pytest.fixture
def contractor_b(org_b):
    return UserFactory(username="contractor_b", organisation=org_b, roles=["受託団体"])


@pytest.fixture
def city_staff(db):
    return UserFactory(username="city", roles=["市職員"], is_staff=True)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", roles=["監査"], is_staff=True)


# --- Browser: Debian's Chromium, one per test session.

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-sandbox",
        ],
    }


def name_city(name: str = "汐見市") -> None:
    from municipality.models import Municipality

    municipality = Municipality.objects.current()
    municipality.name = name
    municipality.save()


@pytest.fixture
def reminder_jobs(db):
    """The reminder jobs on beat's schedule, as their data migration creates them: a transactional
    test empties every table after it, the migrations' rows included, and pytest-playwright
    runs the browser tests (transactional) among the others."""
    from importlib import import_module

    from django.apps import apps

    import_module("reminders.migrations.0003_periodic_tasks").create(apps, None)
