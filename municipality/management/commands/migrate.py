"""``migrate`` as the owner of the tables, then the application's role gets its privileges again.

With ``DATABASE_MIGRATE_URL`` set (PostgreSQL in production) the migrations, and everything that
runs after them (sync_roles), log in as that owner; new tables exist only once migrate has run,
so the grants are renewed right after it (municipality/dbroles.py). Without it, Django's migrate.
"""

from django.core.management.commands.migrate import Command as MigrateCommand

from municipality.dbroles import grant_app_role, use_owner_connection


class Command(MigrateCommand):
    def handle(self, *args, **options):
        app_role = use_owner_connection(options["database"]) if options["database"] == "default" else None
        super().handle(*args, **options)
        if app_role and not options.get("plan") and not options.get("check_unapplied"):
            grant_app_role(role=app_role, alias=options["database"])
            if options["verbosity"] >= 1:
                self.stdout.write(f"ロール {app_role} の権限を設定しました（監査ログ・発行済み書類は参照と追加のみ）。")
