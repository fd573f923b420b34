
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from municipality.discovery import app_modules


class Command(BaseCommand):
    help = "デモ用の架空の市（汐見市）のデータを登録します。何度実行しても結果は同じです。"

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "この環境ではデモデータを登録できません（DEMO_DATA_ALLOWED が無効です）。"
                "本番のデータベースに架空のデータを入れないためです。"
            )
        # Each app may contribute a demo.py with load(out); they run in INSTALLED_APPS order.
        with transaction.atomic():
            for module in app_modules("demo"):
                module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("デモデータを登録しました。"))
