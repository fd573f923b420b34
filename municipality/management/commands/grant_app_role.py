from django.core.management.base import BaseCommand, CommandError

from municipality.dbroles import APPEND_ONLY_TABLES, grant_app_role, use_owner_connection


class Command(BaseCommand):
    help = (
        "アプリケーションが接続するロールに必要な権限だけを与えます（PostgreSQL）：監査ログと発行済み書類は"
        "参照と追加のみ、ほかのテーブルは参照・追加・変更・削除、シーケンスは使用のみ。テーブルの所有者として実行します"
        "（DATABASE_MIGRATE_URL があればその接続で）。migrate は終わりに自分でこれを行います。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", help="アプリケーションのロール（既定は DATABASE_URL のユーザー）")

    def handle(self, *args, role: str | None, **options) -> None:
        app_role = use_owner_connection()
        role = role or app_role
        if not role:
            raise CommandError(
                "ロールを --role で指定してください（DATABASE_MIGRATE_URL に所有者、DATABASE_URL に"
                "アプリケーションのロールを設定していれば省略できます）。")
        for statement in grant_app_role(role=role):
            if options["verbosity"] >= 2:
                self.stdout.write(statement)
        self.stdout.write(self.style.SUCCESS(
            f"ロール {role} の権限を設定しました（{'、'.join(APPEND_ONLY_TABLES)} は参照と追加のみ）。"))
