from django.core.management.base import BaseCommand
from django.utils import timezone

from reminders import scan, services


class Command(BaseCommand):
    help = "期限の近い任期・会議・モニタリングなどのお知らせを今すぐ探して送ります。--dry-run で送らずに一覧だけ表示します。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="送らずに、送る予定のものを表示する")

    def handle(self, *args, dry_run: bool, **options) -> None:
        planned = scan.not_yet_planned(scan.due(timezone.localdate()))
        if dry_run:
            for p in planned:
                self.stdout.write(f"{p.email}\t{p.reason}\t{p.step}\t{p.subject}")
            self.stdout.write(self.style.SUCCESS(f"送る予定：{len(planned)}件（送信していません）"))
            return
        added = services.enqueue(planned)
        sent = services.send_due()
        self.stdout.write(self.style.SUCCESS(f"新しいお知らせ {added}件、送信 {sent}件。"))
