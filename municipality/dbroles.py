"""Two database roles on PostgreSQL: the owner of the tables and the application's role.

The application (web, worker, beat) connects as ``DATABASE_URL``'s role, which owns nothing:
on the audit log and the issued documents it may only read and add rows, so that "append-only"
and "immutable" hold against the application's database login, not only against its code.
``migrate``, ``grant_app_role``, ``backup`` and ``restore`` connect as the owner given by
``DATABASE_MIGRATE_URL`` (same database, another role).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections, transaction
from psycopg import sql

# Tables whose rows are never changed or removed: the application may read and add, nothing more.
APPEND_ONLY_TABLES = ("auditlog_logentry", "forms_pdf_issueddocument")
# Django's record of applied migrations: the application reads it (runserver's warning), migrate writes it.
READ_ONLY_TABLES = ("django_migrations",)


def use_owner_connection(alias: str = "default") -> str | None:
    """Reconnect ``alias`` as the owner of the tables when ``DATABASE_MIGRATE_URL`` is set.

    Only the login changes, never the database: an owner URL naming another database, host or
    port is refused. Returns the application's role (``DATABASE_URL``'s user) when it differs from
    the owner, so that the caller can grant it its privileges; None without an owner URL.
    """
    owner = settings.DATABASE_OWNER
    if not owner:
        return None
    connection = connections[alias]
    current = connection.settings_dict
    if owner["ENGINE"] != current["ENGINE"] or any(
        str(owner.get(key) or "") != str(current.get(key) or "") for key in ("NAME", "HOST", "PORT")
    ):
        raise CommandError(
            "DATABASE_MIGRATE_URL は DATABASE_URL と同じデータベース（ホスト・ポート・名前）を指し、"
            "ユーザーだけが異なるようにしてください。"
        )
    if connection.in_atomic_block:
        raise CommandError("トランザクションの途中では所有者の接続に切り替えられません。")
    app_user = current.get("USER") or None
    connection.close()
    # The handler's settings and the connection share this dict: every later connection of this
    # process (other threads included) logs in as the owner.
    current.update(USER=owner.get("USER", ""), PASSWORD=owner.get("PASSWORD", ""))
    if owner.get("OPTIONS"):
        current.setdefault("OPTIONS", {}).update(owner["OPTIONS"])
    return app_user if app_user != owner.get("USER") else None


@dataclass(frozen=True)
class RoleCheck:
    exists: bool
    superuser: bool = False
    owns: int = 0
    member_of_owner: bool = False


def _check_role(cursor, role: str) -> RoleCheck:
    cursor.execute(
        """
        SELECT r.rolsuper OR r.rolbypassrls OR r.rolcreaterole,
               (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)
             + (SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid)
             + (SELECT count(*) FROM pg_proc p WHERE p.proowner = r.oid)
             + (SELECT count(*) FROM pg_database d WHERE d.datdba = r.oid AND d.datname = current_database()),
               pg_has_role(r.oid, current_user, 'USAGE')
        FROM pg_roles r WHERE r.rolname = %s
        """,
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return RoleCheck(exists=False)
    return RoleCheck(exists=True, superuser=row[0], owns=row[1], member_of_owner=row[2])


def grant_app_role(*, role: str, alias: str = "default") -> list[str]:
    """Give ``role`` exactly what the application needs, and take away everything else.

    Full DML on every table of the schema except the append-only ones (SELECT, INSERT) and the
    migration record (SELECT); USAGE on the sequences and the schema. Run it as the owner after
    every migrate (migrate does so itself when ``DATABASE_MIGRATE_URL`` is set): tables created
    later get nothing until then. Returns the statements executed.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise CommandError("データベースの権限の設定は PostgreSQL でのみ行えます。")
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        check = _check_role(cursor, role)
        if not check.exists:
            raise CommandError(f"ロール {role} がありません。先に CREATE ROLE で作成してください。")
        if check.superuser:
            raise CommandError(
                f"ロール {role} はスーパーユーザー（またはロール作成・RLS回避の権限を持つロール）です。"
                "アプリケーションのロールには使えません。")
        if check.owns:
            raise CommandError(
                f"ロール {role} は{check.owns}個のオブジェクト（テーブル・スキーマ・関数・データベース）を所有しています。"
                "アプリケーションのロールは何も所有してはいけません。")
        if check.member_of_owner:
            raise CommandError(f"ロール {role} は接続中のロール（所有者）の権限を引き継ぎます。別のロールにしてください。")
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        r, s = sql.Identifier(role), sql.Identifier(schema)

        def tables_sql(names):
            return sql.SQL(", ").join(sql.Identifier(schema, name) for name in names)

        statements = [
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(s, r),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(s, r),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, r),
            sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(s, r),
        ]
        full = [t for t in tables if t not in APPEND_ONLY_TABLES and t not in READ_ONLY_TABLES]
        if full:
            statements.append(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(tables_sql(full), r))
        append_only = [t for t in APPEND_ONLY_TABLES if t in tables]
        if append_only:
            statements.append(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(tables_sql(append_only), r))
        read_only = [t for t in READ_ONLY_TABLES if t in tables]
        if read_only:
            statements.append(sql.SQL("GRANT SELECT ON {} TO {}").format(tables_sql(read_only), r))
        executed = []
        for statement in statements:
            text = statement.as_string(cursor.connection)
            cursor.execute(text)
            executed.append(text)
    return executed


def app_role_problems(cursor) -> list[str]:
    """What is wrong with the role this connection runs as, for the application (empty: nothing).

    The application must run as a role that owns nothing and may not change the append-only
    tables; a deployment that sets only DATABASE_URL to the owner would quietly lose that.
    """
    cursor.execute("SELECT current_user")
    role = cursor.fetchone()[0]
    check = _check_role(cursor, role)
    problems = []
    if check.superuser:
        problems.append(f"ロール {role} はスーパーユーザー（またはロール作成・RLS回避の権限を持つロール）です。")
    if check.owns:
        problems.append(f"ロール {role} は{check.owns}個のオブジェクト（テーブルなど）を所有しています。")
    for table in APPEND_ONLY_TABLES:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL AND (has_table_privilege(%s, 'UPDATE') "
            "OR has_table_privilege(%s, 'DELETE') OR has_table_privilege(%s, 'TRUNCATE'))",
            [table, table, table, table],
        )
        if cursor.fetchone()[0]:
            problems.append(f"ロール {role} は {table} を変更・削除できます（追記と参照だけにしてください）。")
    return problems
