"""CSV (UTF-8 with BOM, which Excel opens as Japanese) and xlsx downloads of a list."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .downloads import content_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sanitise(value: object) -> object:
    # A CSV cell starting with = + - @ would run as a formula when a spreadsheet opens the file (CSV
    # injection). CSV has no cell types, so the only safe form is the text behind an apostrophe.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _append_as_text(sheet: Worksheet, row: Sequence[object]) -> None:
    """An xlsx row whose text cells stay text: openpyxl stores a string starting with "=" as a
    formula; typed back to a string cell, Excel shows the user's text as it is and runs nothing
    (+ - @ are strings already; Excel evaluates only formula cells, not text it reads from a file)."""
    sheet.append(row)
    if any(isinstance(value, str) and value.startswith("=") for value in row):
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(filename)
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_sanitise(v) for v in row])
    return response


def xlsx_bytes(sheets: list[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            _append_as_text(sheet, list(row))
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(name) * 2 + 4))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(filename: str, sheets: list[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(filename)
    return response
