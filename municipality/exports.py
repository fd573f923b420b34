"""CSV and xlsx downloads of a list.

CSV comes in UTF-8 with BOM (the default: any program reads it, Excel too) or in CP932 (Windows-31J,
what Japanese Excel expects when it opens a CSV with a double click). CSV has no cell types, so dates
are written as 和暦 text, as the screens show them. In xlsx a date is a real date cell (a serial
number) shown in 和暦 by its number format, so Excel sorts and filters it as a date.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .downloads import content_disposition
from .wareki import format_wareki

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The ?export= values of a list page, and the links' labels (in this order on every list).
CSV = "csv"
CSV_CP932 = "csv_cp932"
XLSX_FORMAT = "xlsx"
FORMATS = {CSV: "CSV", CSV_CP932: "CSV（Excel用 Shift_JIS）", XLSX_FORMAT: "Excel"}

# Excel's own 和暦 format ("ja-JP-x-gannen": the first year of an era reads 元年, as on the screens).
WAREKI_DATE_FORMAT = '[$-ja-JP-x-gannen]ggge"年"m"月"d"日";@'
WAREKI_DATETIME_FORMAT = '[$-ja-JP-x-gannen]ggge"年"m"月"d"日" h:mm;@'

# The longest list that downloads: about 20 s for an xlsx on a busy server (10,000 rows: 4 s), well
# inside the 60 s after which gunicorn gives up on a request. A city's month of activities is below it.
MAX_ROWS = 50_000

GETA = "〓"


def _geta(error: UnicodeError) -> tuple[str, int]:
    # What a Japanese printer or word processor puts for a character its code page lacks: the row
    # still reads, and the mark shows where the character was.
    assert isinstance(error, UnicodeEncodeError)
    return GETA * (error.end - error.start), error.end


codecs.register_error("municipality_geta", _geta)

# Characters that Unicode spells differently from CP932 for the same Japanese character (text typed on
# a Mac or copied from the web): without this, 〜 in 「10時〜12時」 would become 〓.
_TO_CP932 = str.maketrans({
    "\u301c": "\uff5e",  # 〜 WAVE DASH → ～
    "\u2016": "\u2225",  # ‖ → ∥
    "\u2212": "\uff0d",  # − MINUS SIGN → －
    "\u00a2": "\uffe0",  # ¢
    "\u00a3": "\uffe1",  # £
    "\u00ac": "\uffe2",  # ¬
    "\u2014": "\u2015",  # — EM DASH → ―
})


def to_cp932(text: str) -> bytes:
    """CP932 bytes of a text; 髙 and 﨑 (in CP932's NEC/IBM extensions) stay, what it lacks becomes 〓."""
    return text.translate(_TO_CP932).encode("cp932", errors="municipality_geta")


def _sanitise(value: object) -> object:
    # A CSV cell starting with = + - @ would run as a formula when a spreadsheet opens the file (CSV
    # injection). CSV has no cell types, so the only safe form is the text behind an apostrophe.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_text(value: object) -> object:
    """A cell as CSV shows it: dates in 和暦 (as on the screens), a moment with its local time."""
    if isinstance(value, dt.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{format_wareki(moment.date())} {moment:%H:%M}"
    if isinstance(value, dt.date):
        return format_wareki(value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if value is None:
        return ""
    return _sanitise(value)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]], *,
                 encoding: str = "utf-8") -> HttpResponse:
    """A CSV download: UTF-8 with BOM, or ``encoding="cp932"`` for Japanese Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    if encoding == "cp932":
        response = HttpResponse(to_cp932(out.getvalue()), content_type="text/csv; charset=Windows-31J")
    else:
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(filename)
    return response


def _xlsx_value(value: object) -> object:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)  # Excel has no time zones: the local time, as on the screens
    return value


def _append(sheet: Worksheet, row: Sequence[object]) -> None:
    """An xlsx row whose text cells stay text and whose dates are date cells in 和暦.

    openpyxl stores a string starting with "=" as a formula; typed back to a string cell, Excel shows
    the user's text as it is and runs nothing (+ - @ are strings already; Excel evaluates only formula
    cells, not text it reads from a file). Such cells are made here and appended with the rest of the
    row: looking a row up again after appending (``sheet[sheet.max_row]``) reads every cell of the
    sheet each time, which made a 10,000-row file take minutes."""
    values: list[object] = []
    for value in row:
        if isinstance(value, str) and value.startswith("="):
            cell = Cell(sheet, value=value)
            cell.data_type = "s"
            values.append(cell)
        elif isinstance(value, dt.date):
            cell = Cell(sheet, value=_xlsx_value(value))
            cell.number_format = WAREKI_DATETIME_FORMAT if isinstance(value, dt.datetime) else WAREKI_DATE_FORMAT
            values.append(cell)
        else:
            values.append(value)
    sheet.append(values)


def xlsx_bytes(sheets: list[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            _append(sheet, list(row))
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


# --- One list, three formats ------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """What a list exports: its name (the file's and the sheet's), the Japanese headers and a row per
    object. ``prepare`` adds what the rows read (select_related …) so the export runs a fixed number
    of queries whatever the number of rows."""

    filename: str
    title: str
    header: Sequence[str]
    row: Callable[[Any], Sequence[object]]
    prepare: Callable[[Any], Any] | None = None

    def rows(self, objects: Iterable[Any]) -> Iterable[Sequence[object]]:
        if self.prepare is not None:
            objects = self.prepare(objects)
        return (self.row(obj) for obj in objects)


def table_response(request: HttpRequest, table: Table, objects: Iterable[Any], export_format: str) -> HttpResponse:
    """The download of ``objects`` (already scoped and filtered as the list shows them) in one of FORMATS,
    or, for a list longer than MAX_ROWS, back to the list with a message (a file that large would not
    be ready before the server gives up on the request; narrowed by a month or an area, it is)."""
    if isinstance(objects, QuerySet):
        count = objects.count()
        if count > MAX_ROWS:
            messages.error(request, f"この一覧は {count:,}行あり、出力できるのは {MAX_ROWS:,}行までです。"
                                    "月・区域・状態などで絞り込んでから出力してください。")
            query = request.GET.copy()
            for name in ("export", "_export"):
                query.pop(name, None)
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    rows = table.rows(objects)
    if export_format == CSV:
        return csv_response(f"{table.filename}.csv", table.header, rows)
    if export_format == CSV_CP932:
        return csv_response(f"{table.filename}.csv", table.header, rows, encoding="cp932")
    if export_format == XLSX_FORMAT:
        return xlsx_response(f"{table.filename}.xlsx", [(table.title, table.header, rows)])
    raise Http404("ページが見つかりません。")


def requested_format(params: Any) -> str | None:
    """The export a list page was asked for (``?export=``); None (the page itself) for anything else."""
    value = params.get("export")
    return value if value in FORMATS else None


def export_links(params: Any, *, name: str = "export", drop: Sequence[str] = ("page",)) -> list[tuple[str, str]]:
    """The list's 「CSV」「CSV（Excel用 Shift_JIS）」「Excel」 links, with its current filters and search
    (``params``: the page's request.GET; ``drop``: what is not a filter, such as the page number)."""
    links = []
    for value, label in FORMATS.items():
        query = params.copy()
        for other in (*drop, name):
            query.pop(other, None)
        query[name] = value
        links.append((label, "?" + query.urlencode()))
    return links
