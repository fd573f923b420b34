"""Importing a city's ledgers: a 10,000-row 社会資源 file (xlsx), previewed and then imported.

The file is the one a large city would bring: 10,000 resources over 13 第2層 areas, written as
xlsx with the template's headers. Both figures go through the same path as the admin's pages
(municipality/importing.py: read the file, then the rows through activities/services.py), the
preview as a dry run rolled back, the import kept. Prints seconds and rows per second.
"""

from __future__ import annotations

import io
import os

from openpyxl import Workbook

from bench._util import timed
from municipality import importing
from municipality.models import Area, User

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))  # fewer rows for a quick profile


def _file() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("社会資源")
    sheet.append(["名称", "提供主体の種類", "区域", "提供している内容", "連絡先", "状態"])
    kinds = ["サロン", "NPO", "ボランティア", "自治会・町内会", "民間企業"]
    for i in range(ROWS):
        sheet.append([f"移行資源{i:05d}", kinds[i % 5], f"IM2-{i % 13 + 1:02d}", "茶話会と体操、見守り、買い物支援",
                      f"0467-00-{i % 10000:04d}", "活動中"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(report) -> None:
    # Its own 第1層 area: in a full run the other benchmarks have made theirs.
    city = Area.objects.get_or_create(code="IM1", defaults={"name": "移行市全域", "layer": 1})[0]
    for i in range(1, 14):
        Area.objects.get_or_create(code=f"IM2-{i:02d}", defaults={"name": f"移行地区{i}", "layer": 2, "parent": city})
    by = User.objects.create_user("bench-import-staff", password="x", name="移行担当")
    ledger = importing.ledger_for("resources")
    assert ledger is not None
    content = _file()
    report("imports.resources_file", round(len(content) / 1024), "KB")
    dataset = None

    def read() -> None:
        nonlocal dataset
        dataset = importing.read_dataset(ledger, filename="resources.xlsx", content=content)

    report("imports.resources_read", timed(read), "s")
    outcomes = {}

    def preview() -> None:
        outcomes["preview"] = importing.run(ledger, dataset, by=by, dry_run=True)

    def keep() -> None:
        outcomes["import"] = importing.run(ledger, dataset, by=by, dry_run=False)

    seconds = timed(preview)
    assert outcomes["preview"].created == ROWS, outcomes["preview"].refused_rows[:3]
    report(f"imports.resources_preview_{ROWS}", seconds, "s")
    report("imports.resources_preview_rate", ROWS / seconds, "rows/s")
    seconds = timed(keep)
    assert outcomes["import"].saved and outcomes["import"].created == ROWS
    report(f"imports.resources_import_{ROWS}", seconds, "s")
    report("imports.resources_import_rate", ROWS / seconds, "rows/s")
