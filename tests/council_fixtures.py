"""Fixtures of councils (plan periods, a council, its secretary, an SMTP sink), shared as a pytest plugin."""

import datetime as dt

import pytest

from councils.models import SetupType
from tests.factories import (
    AreaFactory,
    CouncilFactory,
    OrganisationFactory,
    PersonFactory,
    PlanPeriodFactory,
    UserFactory,
)

P9_START, P9_END = dt.date(2024, 4, 1), dt.date(2027, 3, 31)
P10_START, P10_END = dt.date(2027, 4, 1), dt.date(2030, 3, 31)


@pytest.fixture
def periods(db):
    return [PlanPeriodFactory(number=n) for n in (9, 10)]


@pytest.fixture
def secretary(db):
    return UserFactory(username="secretary", roles=["協議体事務局"], is_staff=True)


@pytest.fixture
def council(periods, secretary):
    area = AreaFactory(code="C1", name="市全域", layer=1, parent=None)
    return CouncilFactory(name="汐見市第1層協議体", layer=1, area=area, setup_type=SetupType.RESIDENTS_GOVERNMENT,
                          secretariat=[secretary])


@pytest.fixture
def body(db):
    return OrganisationFactory(name="汐見市老人クラブ連合会", legal_form="その他")  # as before: the model default


def people(n, prefix="委員"):
    return [PersonFactory(name=f"{prefix}{i}", name_kana=f"いいん{i}") for i in range(n)]


class Sink:
    """A real SMTP server on localhost (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        import socket

        with socket.socket() as probe:  # a free port (aiosmtpd cannot report one chosen by port=0)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.handler(), hostname="127.0.0.1", port=self.port)

    def handler(self):
        """Keeps every message it receives (a subclass may answer otherwise)."""
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email

                sink.messages.append(email.message_from_bytes(envelope.content))
                return "250 OK"

        return Handler()

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def smtp_sink(settings):
    with Sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield sink
