from django.core.management.base import BaseCommand
from django.utils import timezone

from reminders import services
from reminders.models import Reason


class Command(BaseCommand):
    help = ("期限の近い任期・会議・モニタリングなどのお知らせを今すぐ探して送ります（定期処理と同じもの）。"
            "--dry-run で、送らずに送る予定のものを一覧にします。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="送らずに、送る予定のものを表示する")

    def handle(self, *args, dry_run: bool, **options) -> None:
        today = timezone.localdate()
        if dry_run:
            planned = services.preview(today)
            for p in planned:
                to = p.email or "（お知らせのみ）"
                self.stdout.write(f"{to}\t{Reason(p.reason).label}\t{p.step}\t{p.subject}")
            self.stdout.write(self.style.SUCCESS(f"送る予定：{len(planned)}件（送信していません）"))
            return
        added = services.scan(today)
        sent = services.send_due()
        self.stdout.write(self.style.SUCCESS(f"新しいお知らせ {added}件、メール送信 {sent}件。"))
