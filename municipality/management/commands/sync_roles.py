from django.core.management.base import BaseCommand

from municipality.roles import sync_roles


class Command(BaseCommand):
    help = "6つの役割（グループ）とその権限を、コードの定義どおりに設定します（migrate の後にも自動で実行されます）。"

    def handle(self, *args: object, **options: object) -> None:
        sync_roles()
        self.stdout.write(self.style.SUCCESS("役割と権限を設定しました。"))
