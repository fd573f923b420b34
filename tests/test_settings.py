"""The production configuration: check --deploy is clean; a missing secret stops it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k" * 20 + "Zq8-v!r2Lp0@x7Tn5Wm3Yb9Hc6Jf4Gd1Se_QaUo",
    "ALLOWED_HOSTS": "shien.example.lg.jp",
    "DATABASE_URL": "postgres://shien@127.0.0.1:5432/shien",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.lg.jp:587",
    "DEFAULT_FROM_EMAIL": "shien@example.lg.jp",
    "SITE_URL": "https://shien.example.lg.jp",
}


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    dropped = {*PRODUCTION_ENV, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_READ_DOT_ENV": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for():
    code = "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    result = run_manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1] == "False True", result.stderr


def test_production_check_refuses_a_placeholder_sender():
    result = run_manage("check", "--deploy", env={**PRODUCTION_ENV, "DEFAULT_FROM_EMAIL": "noreply@localhost"})
    assert result.returncode != 0
    assert "municipality.E002" in result.stderr and "DEFAULT_FROM_EMAIL" in result.stderr
