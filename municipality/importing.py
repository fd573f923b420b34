"""Importing a city's ledgers (台帳) from xlsx and CSV: the mechanics, knowing no domain app.

Each app declares the ledgers it owns in its ``imports.py`` with ``register_ledger`` (found through
``municipality.discovery.app_modules``, as roles and document kinds are): the columns with their
Japanese headers, and a ``save`` function that turns one row's values into calls of that app's
services. The rules stay in the services: a row an import saves is one the portal or the admin
would have accepted, and a service's ``DomainError`` becomes that row's reason.

django-import-export does the mechanics: reading the file into a ``tablib.Dataset`` (its
``base_formats``), running the rows in one transaction with a savepoint per row, the dry run that
the preview shows (everything rolled back), and the all-or-nothing rollback when any row is
refused (``rollback_on_validation_errors``). What this module adds is what a Japanese city's files
need: CP932 as well as UTF-8 (with or without BOM), 和暦 as well as ISO dates and real date cells,
the headers checked before any row, a size and row limit, and Japanese reasons.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from import_export import resources
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult

from .discovery import app_modules
from .errors import DomainError
from .wareki import parse_date

MAX_BYTES: int = getattr(settings, "IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# A preview and an import each run in one request, at about 250 rows a second on the 2-core
# machine (bench/imports.py: 10,000 rows in 41 s): under gunicorn's 60 s timeout, where 20,000
# rows would be killed mid-way. A city's ledgers are hundreds of rows; a larger one is split.
MAX_ROWS: int = getattr(settings, "IMPORT_MAX_ROWS", 10_000)
EXTENSIONS = ("xlsx", "csv")

logger = logging.getLogger(__name__)

NEW, UPDATE, REFUSED = "new", "update", "refused"
ACTION_LABELS = {NEW: "新規", UPDATE: "変更", REFUSED: "取り込めません"}

_LIST_SEPARATORS = re.compile(r"[,、，;；\s]+")


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, format, headers, size). ``message`` is Japanese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    header: str  # Japanese, exactly as in the template
    key: str  # the name the ledger's save function receives
    kind: str = "text"  # text | date | int | choice | list
    required: bool = False
    choices: tuple[tuple[Any, str], ...] = ()  # (stored value, label): a cell may give either
    note: str = ""  # how to fill it in (the template's 記入方法 sheet)
    example: str = ""

    def clean(self, value: Any) -> Any:
        """The value of a cell, or ValueError with a Japanese message."""
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if self.required:
                raise ValueError(f"「{self.header}」を入力してください。")
            return [] if self.kind == "list" else None if self.kind in ("date", "int", "choice") else ""
        if self.kind == "date":
            return parse_date(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a number cell (電話番号, 区域コード 01) read by openpyxl
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        text = str(value)
        if self.kind == "int":
            try:
                return int(unicodedata.normalize("NFKC", text))
            except ValueError:
                raise ValueError(f"「{self.header}」は数字で入力してください（「{text}」）。") from None
        if self.kind == "choice":
            normalised = unicodedata.normalize("NFKC", text)
            for stored, label in self.choices:
                if normalised in (unicodedata.normalize("NFKC", str(label)), str(stored)):
                    return stored
            allowed = "、".join(str(label) for _, label in self.choices)
            raise ValueError(f"「{self.header}」は次のいずれかにしてください：{allowed}（「{text}」）。")
        if self.kind == "list":
            return [part for part in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text)) if part]
        if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
            # The apostrophe the CSV exports put before such a text (exports._sanitise): the user's
            # text is behind it, so a file exported here imports back unchanged.
            return text[1:]
        return text


# What a ledger's save function gets and answers: the row's cleaned values and the user importing;
# NEW or UPDATE, or DomainError / ValidationError with the reason.
SaveRow = Callable[[dict[str, Any], Any], str]


@dataclass(frozen=True)
class Ledger:
    key: str  # in URLs and the audit log; never change it
    label: str  # Japanese: 区域, 団体, 社会資源 …
    order: int  # the order a moving city fills them in (区域 before 団体 before 委託契約 …)
    model: str  # the admin changelist that gets the 取り込み / テンプレート buttons ("app.model")
    columns: tuple[Column, ...]
    save: SaveRow
    identity: tuple[str, ...] = ()  # keys naming one record: a second row with them is a duplicate
    describe: Callable[[dict[str, Any]], str] | None = None  # the row in a few words, for the preview
    note: str = ""  # what one row is (guide and template)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def summary(self, values: dict[str, Any]) -> str:
        if self.describe is not None:
            try:
                return self.describe(values)
            except (KeyError, TypeError, AttributeError):
                pass
        return " ".join(str(values.get(c.key) or "") for c in self.columns[:2]).strip()


_ledgers: dict[str, Ledger] = {}
_discovered = False


def register_ledger(ledger: Ledger) -> Ledger:
    """Declare a ledger. Called at import time of an app's imports.py."""
    existing = _ledgers.get(ledger.key)
    if existing is not None and existing is not ledger and existing.label != ledger.label:
        raise ImproperlyConfigured(f"Ledger {ledger.key!r} is declared twice.")
    _ledgers[ledger.key] = ledger
    return ledger


def discover() -> None:
    global _discovered
    if _discovered:
        return
    for _module in app_modules("imports"):  # importing an imports.py registers its ledgers
        pass
    _discovered = True


def all_ledgers() -> list[Ledger]:
    discover()
    return sorted(_ledgers.values(), key=lambda ledger: (ledger.order, ledger.key))


def ledger_for(key: str) -> Ledger | None:
    discover()
    return _ledgers.get(key)


def ledgers_of_model(label_lower: str) -> list[Ledger]:
    return [ledger for ledger in all_ledgers() if ledger.model == label_lower]


# --- Reading a file --------------------------------------------------------------------------


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), else CP932 (what Japanese Excel writes: 髙, 﨑, ① included)."""
    encodings = ("utf-8-sig",) if content.startswith(b"\xef\xbb\xbf") else ("utf-8", "cp932")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("文字コードを読み取れません。CSV は UTF-8 または Shift_JIS（CP932）で保存してください。")


def _clean_header(value: Any) -> str:
    return "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()


def read_dataset(ledger: Ledger, *, filename: str, content: bytes) -> tablib.Dataset:
    """The rows of an uploaded file, with its headers checked against the ledger's template."""
    if not content:
        raise FileRefused("ファイルが空です。")
    if len(content) > MAX_BYTES:
        raise FileRefused(f"ファイルが大きすぎます（上限 {MAX_BYTES // (1024 * 1024)} MB）。ファイルを分けて取り込んでください。")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise FileRefused("xlsx（Excel ブック）または CSV のファイルを選んでください。")
    try:
        if extension == "xlsx":
            if not content.startswith(b"PK"):
                raise FileRefused("xlsx ファイルとして読めません。Excel で「Excel ブック（*.xlsx）」として保存し直してください。")
            dataset = base_formats.XLSX().create_dataset(content)
        else:
            dataset = base_formats.CSV().create_dataset(decode_text(content))
    except FileRefused:
        raise
    except StopIteration:
        raise FileRefused("ファイルに見出しの行がありません。") from None
    except tablib.InvalidDimensions:
        raise FileRefused("列の数が見出しと合わない行があります。テンプレートの列のまま保存してください。") from None
    except Exception:  # openpyxl and csv raise many kinds of error on a damaged file
        raise FileRefused(f"{extension} ファイルとして読めません。テンプレートから作り直してください。") from None
    headers = [_clean_header(h) for h in (dataset.headers or [])]
    while headers and headers[-1] == "":  # empty trailing columns Excel keeps
        headers.pop()
    if not headers:
        raise FileRefused("ファイルに見出しの行がありません。")
    expected = {_clean_header(h): h for h in ledger.headers}
    unknown = [h for h in headers if h not in expected]
    if unknown:
        raise FileRefused(
            f"「{ledger.label}」のテンプレートにない見出しがあります：{'、'.join(h or '（空欄）' for h in unknown)}。"
            "テンプレートの見出しをそのまま使ってください。"
        )
    twice = sorted({h for h in headers if headers.count(h) > 1})
    if twice:
        raise FileRefused(f"同じ見出しが2回あります：{'、'.join(twice)}。")
    missing = [c.header for c in ledger.columns if c.required and _clean_header(c.header) not in headers]
    if missing:
        raise FileRefused(f"必須の列がありません：{'、'.join(missing)}。")
    if len(dataset) > MAX_ROWS:
        raise FileRefused(f"行が多すぎます（上限 {MAX_ROWS:,} 行）。ファイルを分けて取り込んでください。")
    width = len(headers)
    rows = tablib.Dataset(headers=[expected[h] for h in headers])
    for row in dataset:
        cells = list(row[:width]) + [None] * (width - len(row))
        rows.append(cells)
    return rows


# --- Running the rows ------------------------------------------------------------------------

_run_cache: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar("import_run_cache", default=None)


def cached(key: Any, load: Callable[[], Any]) -> Any:
    """``load()`` once per import run (e.g. an area by its code, which the other rows name again).
    Only for what the ledger being imported does not change; outside a run, no cache."""
    cache = _run_cache.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]



@dataclass
class RowOutcome:
    line: int  # the row's line in the spreadsheet (the headers are line 1)
    action: str  # NEW, UPDATE or REFUSED
    summary: str
    reasons: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class Outcome:
    ledger: Ledger
    rows: list[RowOutcome]
    saved: bool  # whether anything was kept (False for the preview and a refused file)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(NEW)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)

    @property
    def refused_rows(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.action == REFUSED]


class LedgerResource(resources.Resource):
    """A django-import-export resource whose rows go through the ledger's save function.

    ``import_row`` is the library's hook for one row; here it cleans the cells, refuses a row
    naming the same record as an earlier one, and calls the ledger's save inside a savepoint, so
    that a refused row leaves nothing behind even when the other rows are kept.
    """

    class Meta:
        instance_loader_class = BaseInstanceLoader
        skip_diff = True

    def __init__(self, ledger: Ledger, by: Any) -> None:
        super().__init__()
        self.ledger = ledger
        self.by = by
        self.outcomes: list[RowOutcome] = []
        self._seen: dict[tuple, int] = {}

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> RowResult:
        result = RowResult()
        line = kwargs["row_number"] + 1
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in row.values()):
            result.import_type = RowResult.IMPORT_TYPE_SKIP  # an empty line Excel keeps
            return result
        values: dict[str, Any] = {}
        reasons: list[str] = []
        for column in self.ledger.columns:
            try:
                values[column.key] = column.clean(row.get(column.header))
            except ValueError as exc:
                reasons.append(str(exc))
        if not reasons and self.ledger.identity:
            key = tuple(str(values.get(k)) for k in self.ledger.identity)
            first = self._seen.setdefault(key, line)
            if first != line:
                reasons.append(f"{first}行目と同じものです（重複）。")
        action = REFUSED
        if not reasons:
            try:
                with transaction.atomic():
                    action = self.ledger.save(values, self.by)
            except DomainError as exc:
                reasons.append(exc.message)
            except ValidationError as exc:
                reasons.extend(exc.messages)
            except IntegrityError:
                reasons.append("データベースの決まりに合わないため保存できません（同じものがすでにある、など）。")
            except Exception:  # a fault of ours must not hide the other rows' reasons nor answer 500
                logger.exception("import of %s: row %s failed", self.ledger.key, line)
                reasons.append("この行はシステムの不具合で保存できませんでした。管理者に連絡してください。")
        if reasons:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(reasons)
        else:
            result.import_type = RowResult.IMPORT_TYPE_NEW if action == NEW else RowResult.IMPORT_TYPE_UPDATE
        self.outcomes.append(RowOutcome(line=line, action=action if not reasons else REFUSED,
                                        summary=self.ledger.summary(values), reasons=reasons))
        return result


def run(ledger: Ledger, dataset: tablib.Dataset, *, by: Any, dry_run: bool, valid_rows_only: bool = False) -> Outcome:
    """Import the rows: a dry run for the preview (nothing kept), else for real. Unless the user
    chose to keep the valid rows only, one refused row rolls back the whole file."""
    resource = LedgerResource(ledger, by)
    token = _run_cache.set({})
    try:
        resource.import_data(
            dataset, dry_run=dry_run, use_transactions=True, raise_errors=False,
            rollback_on_validation_errors=not valid_rows_only,
        )
    finally:
        _run_cache.reset(token)
    refused = any(row.action == REFUSED for row in resource.outcomes)
    saved = not dry_run and (valid_rows_only or not refused) and any(
        row.action != REFUSED for row in resource.outcomes)
    return Outcome(ledger=ledger, rows=resource.outcomes, saved=saved)


# --- Templates -------------------------------------------------------------------------------


def template_rows(ledger: Ledger) -> list[list[str]]:
    """The 記入方法 sheet: each column, whether it must be filled in, how, and an example."""
    rows = []
    for column in ledger.columns:
        how = column.note
        if column.kind == "date":
            how = (how + " " if how else "") + "日付（2026-04-01、令和8年4月1日、または Excel の日付）"
        elif column.kind == "choice":
            how = (how + " " if how else "") + "次のいずれか：" + "、".join(str(label) for _, label in column.choices)
        elif column.kind == "list":
            how = (how + " " if how else "") + "複数は「、」で区切る"
        rows.append([column.header, "必須" if column.required else "", how, column.example])
    return rows


def template_csv(ledger: Ledger) -> bytes:
    """The CSV template in CP932, the encoding Japanese Excel opens and saves."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerow(ledger.headers)
    return out.getvalue().encode("cp932")


def template_xlsx(ledger: Ledger) -> bytes:
    from .exports import xlsx_bytes

    return xlsx_bytes([
        (ledger.label, ledger.headers, []),
        ("記入方法", ["見出し", "必須", "書き方", "例"], template_rows(ledger)),
    ])
