"""check --deploy refuses a production without a real sender address (municipality.E002)."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from municipality.checks import real_sender_address


@pytest.mark.parametrize("address", ["", "noreply@localhost", "webmaster@localhost", "shien@example.com",
                                     "支援 <shien@mail.example.org>", "noreply@shien.test", "noreply"])
def test_a_placeholder_sender_is_an_error(address):
    with override_settings(DEFAULT_FROM_EMAIL=address, SERVER_EMAIL=address):
        errors = real_sender_address()
    assert [e.id for e in errors] == ["municipality.E002"] * 2
    assert "DEFAULT_FROM_EMAIL" in errors[0].msg and "SERVER_EMAIL" in errors[1].msg


def test_server_email_is_checked_on_its_own():
    with override_settings(DEFAULT_FROM_EMAIL="shien@city.shiomi.lg.jp", SERVER_EMAIL="root@localhost"):
        assert [e.msg.split()[1] for e in real_sender_address()] == ["SERVER_EMAIL"]


@pytest.mark.parametrize("address", ["shien@city.shiomi.lg.jp", "地域支援課 <shien@example.lg.jp>"])
def test_a_real_sender_passes(address):
    with override_settings(DEFAULT_FROM_EMAIL=address, SERVER_EMAIL=address):
        assert real_sender_address() == []


def test_the_check_runs_with_check_deploy_only():
    with override_settings(DEFAULT_FROM_EMAIL="noreply@localhost", SERVER_EMAIL="noreply@localhost"):
        assert "municipality.E002" not in {e.id for e in run_checks(tags=["email"])}
        assert "municipality.E002" in {e.id for e in run_checks(tags=["email"], include_deployment_checks=True)}


def test_gunicorn_refuses_to_start_with_a_placeholder_sender(settings):
    """Production must not mail from noreply@localhost: config/gunicorn.py stops before serving."""
    from config import gunicorn

    settings.DEFAULT_FROM_EMAIL = settings.SERVER_EMAIL = "noreply@localhost"
    with pytest.raises(SystemExit, match=r"municipality\.E002"):
        gunicorn.on_starting(server=None)
    settings.DEFAULT_FROM_EMAIL = settings.SERVER_EMAIL = "shien@city.shiomi.lg.jp"
    gunicorn.on_starting(server=None)  # starts
