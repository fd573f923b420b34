import sys

from django.core.management.base import BaseCommand, CommandError

from municipality.backup import backup_restore
from municipality.dbroles import grant_app_role, use_owner_connection


class Command(BaseCommand):
    help = (
        "backup で作ったファイルを、空のデータベースと空の MEDIA_ROOT に復元します。空でなければ何もせずに中止します。"
        "ハッシュをすべて確かめてから書き込み、書き込んだ後に件数を確かめます。- で標準入力から読みます"
        "（例：age -d -i 鍵 backup.tar.age | manage.py restore -）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="バックアップのファイル、または -（標準入力）")

    def handle(self, *args, file: str, **options) -> None:
        app_role = use_owner_connection()
        if file == "-":
            manifest = backup_restore(source=sys.stdin.buffer)
        else:
            try:
                handle = open(file, "rb")  # noqa: SIM115 - closed below
            except OSError as error:
                raise CommandError(f"{file} を開けません（{error.strerror}）。") from error
            with handle:
                manifest = backup_restore(source=handle)
        if app_role:
            grant_app_role(role=app_role)
        database = manifest["database"]
        self.stdout.write(self.style.SUCCESS(
            f"{manifest['created_at']} のバックアップを復元しました：テーブル{len(database['tables'])}個"
            f"（{sum(database['tables'].values())}行）、ファイル{len(manifest['media']['files'])}個"
            + (f"。ロール {app_role} の権限も設定しました" if app_role else "")
            + "。コードが新しければ続けて migrate を実行してください。"))
