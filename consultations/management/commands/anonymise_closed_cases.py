from django.core.management.base import BaseCommand
from django.utils import timezone

from consultations import retention
from consultations.services import cases_anonymise
from municipality.wareki import format_wareki


class Command(BaseCommand):
    help = (
        "終結・中断から記録の種類ごとの保存期間（設定 CASE_RETENTION）を過ぎたケースの個人情報を匿名化し、"
        "変更したケースを報告します。記録そのものは削除しません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=None,
                            help="すべての種類に同じ年数を使うとき（省略すると設定 CASE_RETENTION の種類ごとの年数）")

    def handle(self, *args, years: int | None, **options) -> None:
        today = timezone.localdate()
        closed_before = None
        if years is not None:
            try:
                closed_before = today.replace(year=today.year - years)
            except ValueError:  # 2/29
                closed_before = today.replace(year=today.year - years, day=28)
        changed = cases_anonymise(closed_before=closed_before, today=today)
        for number in changed:
            self.stdout.write(f"匿名化しました：ケース {number}")
        if closed_before is not None:
            rule = f"{format_wareki(closed_before)}より前に終結・中断したケース"
        else:
            rule = "保存期間（" + "、".join(f"{k.short} {y}年" for k, y in retention.periods()) + "）を過ぎたケース"
        self.stdout.write(self.style.SUCCESS(f"{rule}を{len(changed)}件匿名化しました（削除はしていません）。"))
