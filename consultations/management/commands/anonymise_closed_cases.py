
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from consultations.services import cases_anonymise


class Command(BaseCommand):
    help = (
        "終結・中断から一定の年数（既定は設定 CASE_RETENTION_YEARS）を過ぎたケースの個人情報を匿名化し、"
        "変更したケースを報告します。記録そのものは削除しません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=settings.CASE_RETENTION_YEARS,
                            help="終結・中断からの年数")

    def handle(self, *args, years: int, **options) -> None:
        today = timezone.localdate()
        try:
            cutoff = today.replace(year=today.year - years)
        except ValueError:  # 2/29
            cutoff = today.replace(year=today.year - years, day=28)
        changed = cases_anonymise(closed_before=cutoff)
        for number in changed:
            self.stdout.write(f"匿名化しました：ケース {number}")
        self.stdout.write(self.style.SUCCESS(
            f"{cutoff:%Y-%m-%d}より前に終結・中断したケースを{len(changed)}件匿名化しました（削除はしていません）。"
        ))
