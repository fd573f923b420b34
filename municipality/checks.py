"""System checks of the deployment (``manage.py check --deploy --database default``)."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database, deploy=True)
def application_database_role(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    """On PostgreSQL the application logs in as the role that owns nothing (README: Database roles)."""
    from .dbroles import app_role_problems

    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            problems = app_role_problems(cursor)
        if problems:
            errors.append(Error(
                "アプリケーションが、権限の強すぎるデータベースのロールで接続しています：" + " ".join(problems),
                hint="DATABASE_URL にはテーブルを所有しないアプリケーション用のロール（例 shien_app）を指定し、"
                     "所有者は DATABASE_MIGRATE_URL に指定して migrate だけに使ってください（README の Database roles）。",
                id="municipality.E001",
            ))
    return errors


# Names no real mailbox has: RFC 2606 / RFC 6761 reserved domains and this machine.
_PLACEHOLDER_DOMAINS = ("localhost", "localdomain", "example.com", "example.net", "example.org")
_PLACEHOLDER_SUFFIXES = (".localhost", ".example", ".invalid", ".test", ".local")


def _placeholder_address(address: str) -> bool:
    _, at, domain = parseaddr(address)[1].rpartition("@")
    domain = domain.lower().rstrip(".")
    return (not at or not domain or domain in _PLACEHOLDER_DOMAINS
            or domain.endswith(tuple(f".{d}" for d in _PLACEHOLDER_DOMAINS) + _PLACEHOLDER_SUFFIXES))


@register("email", deploy=True)
def real_sender_address(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Mail to members and staff goes out from an address that can receive their replies and bounces."""
    errors = []
    for name in ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL"):
        value = str(getattr(settings, name, "") or "")
        if _placeholder_address(value):
            errors.append(Error(
                f"送信元のメールアドレス {name} が本番用に設定されていません（現在：「{value or '未設定'}」）。",
                hint=f"{name} に、返信や不達の通知を受け取れる市の実在のアドレス（例 shien@city.example.lg.jp）を"
                     "設定してください。noreply@localhost や example.com のアドレスでは、メールが届かないか迷惑メールになります。",
                id="municipality.E002",
            ))
    return errors
