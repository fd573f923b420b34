from django.core.management.base import BaseCommand

from activities.services import activity_counts_rebuild


class Command(BaseCommand):
    help = "ダッシュボード用の活動件数（区域×機能×月）を活動記録から数え直します。一括取込みの後や点検に使います。"

    def handle(self, *args: object, **options: object) -> None:
        buckets = activity_counts_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{buckets}件の集計を作り直しました。"))
