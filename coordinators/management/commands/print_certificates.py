from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coordinators.certificates_print import VOID_STATUSES, render_sheets
from coordinators.models import Certificate
from municipality.models import Municipality
from municipality.wareki import fiscal_year_label


class Command(BaseCommand):
    help = "指定した年度に交付したコーディネーター証を、A4の台紙（10枚/ページ、表面と裏面）のPDFにまとめます。"

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help="年度（西暦、例：2026 は令和8年度）")
        parser.add_argument("--output", required=True, help="書き出すPDFファイル")

    def handle(self, *args, fiscal_year: int, output: str, **options) -> None:
        issued = Certificate.objects.filter(fiscal_year=fiscal_year)
        # Cards are printed to be handed out: a void one (dismissal, reissue) is left out. (Printed
        # one by one from the admin, a void card carries its 無効 stamp.)
        certificates = issued.exclude(status__in=VOID_STATUSES).order_by("serial")
        count, left_out = certificates.count(), issued.filter(status__in=VOID_STATUSES).count()
        if count == 0 and not left_out:
            raise CommandError(f"{fiscal_year_label(fiscal_year)}に交付した証はありません。")
        if count == 0:
            raise CommandError(f"{fiscal_year_label(fiscal_year)}に交付した証は、すべて無効になっています（解任・再交付）。")
        if left_out:
            self.stdout.write(f"無効になった証 {left_out}枚（解任・再交付）は含めていません。")
        rendered = render_sheets(certificates, title=f"{fiscal_year_label(fiscal_year)} {Municipality.objects.current().coordinator_term}証")
        path = Path(output)
        path.write_bytes(rendered.content)
        self.stdout.write(self.style.SUCCESS(
            f"{fiscal_year_label(fiscal_year)}の証 {count}枚を {path} に書き出しました（{len(rendered.content) // 1024} KB）。"
        ))
