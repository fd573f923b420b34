"""System checks of the deployment (``manage.py check --deploy --database default``)."""

from __future__ import annotations

from typing import Any

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
