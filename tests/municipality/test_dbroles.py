"""The database itself keeps the audit log append-only and issued documents as issued.

The application logs in as a role that owns nothing (``shien_app``); the tables belong to the role
that runs migrate. The test database is created by pytest-django as the superuser, so the tests make
the roles themselves (if missing) and grant the application's role as ``grant_app_role`` does.
"""

from contextlib import contextmanager

import psycopg
import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from forms_pdf.models import IssuedDocument
from municipality.dbroles import APPEND_ONLY_TABLES, grant_app_role

APP_ROLE = "shien_app"
OWNER_ROLE = "shien_owner"


def ensure_role(name: str) -> None:
    """Create a login role unless it exists (CI creates both beforehand; locally the first run does)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL(
            "DO $$ BEGIN CREATE ROLE {} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ).format(sql.Identifier(name)).as_string(cursor.connection))


@contextmanager
def login_as(role: str):
    """A connection of its own to the test database, logged in as ``role`` (trust or PGPASSWORD)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.update(user=role, autocommit=True)
    params.pop("password", None)
    with psycopg.connect(**params) as conn:
        yield conn


def copy_row_sql(model, pk: int) -> str:
    columns = sql.SQL(", ").join(
        sql.Identifier(f.column) for f in model._meta.concrete_fields if not f.primary_key)
    return sql.SQL("INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} WHERE id = {pk} RETURNING id").format(
        table=sql.Identifier(model._meta.db_table), columns=columns, pk=sql.Literal(pk))


@pytest.mark.postgres
def test_the_application_role_may_only_read_and_add_log_entries_and_documents(transactional_db, accepted, org_b):
    ensure_role(APP_ROLE)
    grant_app_role(role=APP_ROLE)
    document = accepted.notice.document
    entry = LogEntry.objects.latest("pk")
    with login_as(APP_ROLE) as app:
        assert app.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
        owners = app.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname = ANY(%s)", [list(APPEND_ONLY_TABLES)]
        ).fetchall()
        assert (APP_ROLE,) not in owners

        forbidden = {
            LogEntry: [
                sql.SQL("UPDATE auditlog_logentry SET changes = '{{}}' WHERE id = {}").format(entry.pk),
                sql.SQL("DELETE FROM auditlog_logentry WHERE id = {}").format(entry.pk),
            ],
            IssuedDocument: [
                # The title and organisation decide whose scope a document is in.
                sql.SQL("UPDATE forms_pdf_issueddocument SET title = 'x', organisation_id = {} WHERE id = {}").format(
                    org_b.pk, document.pk),
                sql.SQL("DELETE FROM forms_pdf_issueddocument WHERE id = {}").format(document.pk),
            ],
        }
        for model, statements in forbidden.items():
            table = sql.Identifier(model._meta.db_table)
            statements += [
                sql.SQL("TRUNCATE {} CASCADE").format(table),
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER ALL").format(table),
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(table),
                sql.SQL("ALTER TABLE {} OWNER TO {}").format(table, sql.Identifier(APP_ROLE)),
                sql.SQL("DROP TABLE {} CASCADE").format(table),
            ]
            for statement in statements:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SET session_replication_role = replica")

        # What the application does: read and add.
        new_entry = app.execute(copy_row_sql(LogEntry, entry.pk)).fetchone()[0]
        new_document = app.execute(copy_row_sql(IssuedDocument, document.pk)).fetchone()[0]
        assert app.execute("SELECT count(*) FROM forms_pdf_issueddocument WHERE id = %s", [new_document]).fetchone() == (1,)
        assert app.execute("SELECT count(*) FROM auditlog_logentry WHERE id = %s", [new_entry]).fetchone() == (1,)

    document.refresh_from_db()
    assert (document.title, document.organisation_id) == (accepted.notice.document.title, accepted.contract.organisation_id)
    assert LogEntry.objects.filter(pk=entry.pk, changes=entry.changes).exists()


@pytest.mark.postgres
def test_every_column_of_an_issued_document_is_immutable(accepted, org_b, city_user):
    document = accepted.notice.document
    for change in [{"title": "件名の修正"}, {"organisation": org_b}, {"organisation": None}, {"issued_by": city_user},
                   {"correction_reason": "訂正"}, {"pdf": b"%PDF-forged"}]:
        with pytest.raises(DatabaseError, match="発行済みの書類は変更できません"), transaction.atomic():
            IssuedDocument.objects.filter(pk=document.pk).update(**change)


@pytest.mark.postgres
def test_truncate_is_refused_even_to_a_role_that_may_truncate(accepted):
    # The owner of the tables (not a superuser) holds TRUNCATE; the statement trigger still says no.
    ensure_role(OWNER_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {OWNER_ROLE}")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks block a TRUNCATE
        cursor.execute(f"SET LOCAL ROLE {OWNER_ROLE}")
        for table, message in [("auditlog_logentry", "監査ログは削除できません"),
                               ("forms_pdf_issueddocument", "発行済みの書類は削除できません")]:
            with pytest.raises(DatabaseError, match=message), transaction.atomic():
                cursor.execute(f"TRUNCATE {table} CASCADE")
        cursor.execute("RESET ROLE")
    assert IssuedDocument.objects.filter(pk=accepted.notice.document.pk).exists()
    assert LogEntry.objects.exists()


@pytest.mark.postgres
def test_grant_refuses_a_role_that_owns_tables_or_is_superuser(db):
    with pytest.raises(CommandError, match="スーパーユーザー"):
        grant_app_role(role=connection.settings_dict["USER"] or "postgres")  # who created the test database
    with pytest.raises(CommandError, match="ロール shien_nobody_here がありません"):
        call_command("grant_app_role", role="shien_nobody_here")


def test_the_owner_url_must_name_the_same_database(db, settings):
    settings.DATABASE_OWNER = {**connection.settings_dict, "NAME": "another_database", "USER": OWNER_ROLE}
    with pytest.raises(CommandError, match="同じデータベース"):
        call_command("grant_app_role", role=APP_ROLE)


@pytest.mark.postgres
def test_the_deploy_check_refuses_the_owner_and_accepts_the_application_role(transactional_db):
    from municipality.checks import application_database_role
    from municipality.dbroles import app_role_problems

    ensure_role(APP_ROLE)
    grant_app_role(role=APP_ROLE)
    # The test database belongs to the role that created it: as that role the check fails.
    errors = application_database_role(databases=["default"])
    assert [e.id for e in errors] == ["municipality.E001"]
    assert "DATABASE_MIGRATE_URL" in errors[0].hint
    with login_as(APP_ROLE) as app, app.cursor() as cursor:
        assert app_role_problems(cursor) == []
