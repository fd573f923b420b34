import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from municipality.backup import backup_write
from municipality.dbroles import use_owner_connection


class Command(BaseCommand):
    help = (
        "データベースとアップロードされたファイル（MEDIA_ROOT：コーディネーターの写真）を、件数とハッシュの目録とともに"
        "一つの tar ファイルに保存します。要配慮個人情報を含むため、暗号化して保管してください"
        "（例：--output - | age -r 公開鍵 > backup.tar.age）。PostgreSQL では DATABASE_MIGRATE_URL（所有者）で接続します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True,
                            help="保存先のファイル（既にあれば中止）。- で標準出力へ（暗号化のコマンドに渡すとき）")

    def handle(self, *args, output: str, **options) -> None:
        use_owner_connection()
        log = self.stderr if output == "-" else self.stdout
        if output == "-":
            if sys.stdout.isatty():
                raise CommandError("標準出力が端末です。ファイルかコマンドにつないでください（例：| age -r 公開鍵 > backup.tar.age）。")
            manifest = backup_write(out=sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            target = Path(output)
            if target.exists():
                raise CommandError(f"{target} は既にあります。別の名前を指定してください。")
            partial = target.with_name(target.name + ".partial")
            # Only the owner of the file may read it: it holds 要配慮個人情報. A new file only (never
            # an old one with wider permissions, never through a symbolic link).
            try:
                fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            except FileExistsError as exc:
                raise CommandError(f"{partial} が残っています。中断したバックアップの残りなら削除してから実行してください。") from exc
            try:
                with os.fdopen(fd, "wb") as handle:
                    manifest = backup_write(out=handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                try:
                    os.link(partial, target)  # unlike a rename, never replaces a file made meanwhile
                except FileExistsError as exc:
                    raise CommandError(f"{target} は既にあります。別の名前を指定してください。") from exc
            finally:
                partial.unlink(missing_ok=True)
        database = manifest["database"]
        log.write(self.style.SUCCESS(
            f"バックアップしました：テーブル{len(database['tables'])}個（{sum(database['tables'].values())}行）、"
            f"ファイル{len(manifest['media']['files'])}個（{manifest['media']['bytes']}バイト）"
            + ("" if output == "-" else f" → {output}")))
