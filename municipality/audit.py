"""The audit log as an auditor reads it: Japanese labels for what django-auditlog stores raw.

History is never changed: everything here is display only, from the stored entry and the models'
declarations (verbose names, choices). A value the log stores masked stays masked; a read entry
names the fields read, never their values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from .wareki import format_wareki

MASKED = "（記録しない項目）"
NOTHING = "（なし）"


def mask_whole(value: str) -> str:
    """Audit-log mask for sensitive fields: the log records that the field changed, not its value."""
    return MASKED


ACTION_LABELS = {0: "作成", 1: "変更", 2: "削除", 3: "閲覧"}

#: Names a read or a disclosure lists that are no field of the model (parts of a page).
READ_LABELS = {
    "timeline": "支援経過記録", "conference": "会議の記録", "plan": "支援プラン", "urgency": "緊急の記録",
    "disclosures": "提供の記録", "output_approvals": "マスクなし出力の承認", "evacuation_listings": "避難行動要支援者名簿への掲載",
    "evacuation_reason": "避難支援等を必要とする事由", "attendees": "出席者", "cases": "ケース",
}

#: auditlog stores a reverse relation or a many-to-many field of a new object as its manager's
#: text ("consultations.Assessment.None"): nothing an auditor can read, so it is not shown.
_MANAGER_TEXT = re.compile(r"^[a-z_0-9]+\.[A-Za-z_0-9]+\.None$")


def when(timestamp: dt.datetime | None) -> str:
    """令和8年12月1日 12:04:05 (local time, to the second)."""
    if timestamp is None:
        return NOTHING
    local = timezone.localtime(timestamp) if timezone.is_aware(timestamp) else timestamp
    return f"{format_wareki(local.date())} {local:%H:%M:%S}"


def operation(entry: Any) -> str:
    """作成・変更・削除・閲覧, and 出力 or 提供 for reads that printed or sent a record."""
    if entry.action == 3:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        purpose = str((entry.additional_data or {}).get("purpose", "")) if isinstance(
            entry.additional_data, dict) else ""
        if "disclosed_fields" in changes:
            return "提供"
        if "出力" in purpose or "PDF" in purpose:
            return "出力"
    return ACTION_LABELS.get(entry.action, str(entry.action))


def model_label(model: type[models.Model] | None, fallback: str = "") -> str:
    return str(model._meta.verbose_name) if model is not None else fallback


def target(entry: Any) -> str:
    """ケース（相談受付）「ケース R8-0012」: the kind of record and its text when it was logged."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    kind = model_label(model, entry.content_type.model if entry.content_type_id else "")
    return f"{kind}「{entry.object_repr}」"


def actor(entry: Any) -> str:
    """The person's name and roles; 'システム' for a command or a periodic task."""
    person = entry.actor
    if person is None:
        return "システム（コマンド・定期処理）"
    roles = "・".join(sorted(group.name for group in person.groups.all()))
    name = getattr(person, "name", "") or person.get_username()
    return f"{name}（{roles}）" if roles else name


@cache
def _declared(model: type[models.Model] | None) -> tuple[dict[str, str], dict[str, Any]]:
    """A model's own names for what its entries list, and choices of its JSON lists (``audit_labels``);
    the same for the process's life (a list asks it of each cell)."""
    labels = getattr(model, "audit_labels", None)
    return labels() if labels is not None else ({}, {})


def field_label(model: type[models.Model] | None, name: str) -> str:
    """The field's verbose name; a reverse relation by the related records' name."""
    extra = _declared(model)[0]
    if name in extra:
        return str(extra[name])
    if model is not None:
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
        else:
            related: Any = model_field.related_model
            if model_field.auto_created and not model_field.concrete and related is not None:
                return str(related._meta.verbose_name)
            if hasattr(model_field, "verbose_name"):
                return str(model_field.verbose_name)
    return READ_LABELS.get(name, name)


def _model_field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _choices(model: type[models.Model] | None, model_field: Any, name: str) -> dict[str, str]:
    declared = _declared(model)[1].get(name)
    if declared:
        return {str(value): str(label) for value, label in declared}
    if model_field is not None and getattr(model_field, "flatchoices", None):
        return {str(value): str(label) for value, label in model_field.flatchoices}
    return {}


def _parse_datetime(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    # auditlog stores an aware time as naive UTC.
    return value.replace(tzinfo=dt.UTC) if timezone.is_naive(value) else value


@dataclass
class Names:
    """Names of the records a page's entries refer to by id, looked up once for the page."""

    wanted: dict[type[models.Model], set[Any]] = field(default_factory=lambda: defaultdict(set))
    found: dict[tuple[type[models.Model], str], str] = field(default_factory=dict)

    def load(self) -> None:
        for model, ids in self.wanted.items():
            manager = model._base_manager
            for obj in manager.filter(pk__in=ids):
                self.found[(model, str(obj.pk))] = str(obj)
        self.wanted.clear()

    def name(self, model: type[models.Model], value: Any) -> str:
        return self.found.get((model, str(value)), f"ID {value}（現在は存在しません）")


def _is_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


def value_text(model: type[models.Model] | None, name: str, value: Any, names: Names | None = None) -> str:
    """One stored value as a person reads it."""
    if value is None or value == "" or value == "None":
        return NOTHING
    if value == MASKED:
        return MASKED
    model_field = _model_field(model, name)
    choices = _choices(model, model_field, name)
    if isinstance(value, str) and isinstance(model_field, models.JSONField | type(None)) and value[:1] == "[":
        with suppress(ValueError):  # a list stored as its text (auditlog without JSON changes)
            value = json.loads(value.replace("'", '"'))
    if isinstance(value, list):
        if not value:
            return NOTHING
        return "、".join(choices.get(str(item), str(item)) for item in value)
    if choices and str(value) in choices:
        return choices[str(value)]
    if isinstance(model_field, models.BooleanField) or isinstance(value, bool):
        if isinstance(value, bool):
            return "はい" if value else "いいえ"
        return {"True": "はい", "False": "いいえ"}.get(str(value), str(value))
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        moment = _parse_datetime(value)
        return when(moment) if moment else value
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        try:
            return format_wareki(dt.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(model_field, models.ForeignKey) and _is_id(value) and names is not None:
        target_model: Any = model_field.related_model
        return names.name(target_model, value)
    return str(value)


@dataclass
class Change:
    label: str
    before: str | None
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.after}" if self.before is None else f"{self.label}: {self.before} → {self.after}"


M2M_OPERATIONS = {"add": "追加", "delete": "削除", "clear": "すべて外す"}


def _shown_fields(entry: Any) -> Iterable[tuple[str, Any]]:
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    for name, value in changes.items():
        if name == "id" and entry.action in (0, 2):
            continue  # the record's own id: the target says which record it is
        model_field = _model_field(model, name)
        if isinstance(value, list) and len(value) == 2 and all(
                v is None or (isinstance(v, str) and _MANAGER_TEXT.match(v)) for v in value) and (
                model_field is None or not model_field.concrete or model_field.many_to_many):
            continue
        yield name, value


def want_names(entry: Any, names: Names) -> None:
    """Note the ids an entry's changes hold, to look them up with the others of the page."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    if entry.action == 3:
        return
    for name, value in _shown_fields(entry):
        model_field = _model_field(model, name)
        if isinstance(model_field, models.ForeignKey) and isinstance(value, list):
            target_model: Any = model_field.related_model
            names.wanted[target_model].update(str(v) for v in value if _is_id(v))


def changes(entry: Any, names: Names | None = None) -> list[Change]:
    """The changes of a create, update or delete entry, one per field, in Japanese."""
    if entry.action == 3:
        return []
    model = entry.content_type.model_class() if entry.content_type_id else None
    shown = []
    for name, value in _shown_fields(entry):
        label = field_label(model, name)
        if isinstance(value, dict) and value.get("type") == "m2m":
            verb = M2M_OPERATIONS.get(str(value.get("operation")), str(value.get("operation")))
            objects = "、".join(str(o) for o in value.get("objects", [])) or NOTHING
            shown.append(Change(label, None, f"{verb} {objects}"))
        elif isinstance(value, list) and len(value) == 2:
            before, after = (value_text(model, name, v, names) for v in value)
            if entry.action == 0:
                shown.append(Change(label, None, after))
            elif entry.action == 2:
                shown.append(Change(label, None, before))
            else:
                shown.append(Change(label, before, after))
        else:
            shown.append(Change(label, None, value_text(model, name, value, names)))
    return shown


def reads(entry: Any) -> list[str]:
    """What a read entry records: 閲覧した項目 / 提供した項目 by their Japanese names."""
    if entry.action != 3 or not isinstance(entry.changes, dict):
        return []
    model = entry.content_type.model_class() if entry.content_type_id else None
    lines = []
    for key, heading in (("read_fields", "閲覧した項目"), ("disclosed_fields", "提供した項目")):
        fields = entry.changes.get(key)
        if isinstance(fields, list) and fields:
            lines.append(f"{heading}: " + "・".join(dict.fromkeys(field_label(model, str(f)) for f in fields)))
    return lines


def purpose(entry: Any) -> str:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    return str(data.get("purpose", ""))


def raw(entry: Any) -> str:
    """The entry as stored, for whoever needs the very record (ids, basis of a disclosure)."""
    return json.dumps({
        "id": entry.pk, "timestamp": entry.timestamp.isoformat() if entry.timestamp else None,
        "action": entry.action, "content_type": f"{entry.content_type.app_label}.{entry.content_type.model}"
        if entry.content_type_id else None, "object_pk": entry.object_pk, "object_repr": entry.object_repr,
        "actor_id": entry.actor_id, "cid": entry.cid, "remote_addr": entry.remote_addr,
        "changes": entry.changes, "additional_data": entry.additional_data,
    }, ensure_ascii=False, indent=2, default=str)


# --- One entry per record read on a page, and the request's id ------------------------------

_request_id: ContextVar[str | None] = ContextVar("audit_request_id", default=None)


def request_id() -> str | None:
    """AUDITLOG_CID_GETTER: the id of the request being served (None in commands and tasks), so
    that the entries one request wrote can be listed together (要求ID). Made here, not taken from a
    request header, which anyone could set to tie their entries to someone else's."""
    return _request_id.get()

@dataclass
class _Read:
    obj: Any
    actor: Any
    fields: list[str]
    purposes: list[str]
    at: dt.datetime
    remote_addr: str | None


_page_reads: ContextVar[dict[tuple[Any, ...], _Read] | None] = ContextVar("audit_page_reads", default=None)


def _remote_addr() -> str | None:
    from auditlog.context import auditlog_value

    try:
        return auditlog_value.get().get("remote_addr")
    except LookupError:
        return None


def note_read(user: Any, obj: Any, *, fields: list[str], purpose: str) -> bool:
    """Within a request: remember that ``user`` read these fields of ``obj``, to be written with the
    page's other reads as one entry per record (a record shown twice on a page, as an urgent case
    in the case list is, is one read). False outside a request: the caller writes the entry itself."""
    reads = _page_reads.get()
    if reads is None:
        return False
    key = (type(obj), obj.pk, getattr(user, "pk", None))
    read = reads.get(key)
    if read is None:
        reads[key] = _Read(obj, user, list(dict.fromkeys(fields)), [purpose], timezone.now(), _remote_addr())
    else:
        read.fields += [f for f in fields if f not in read.fields]
        if purpose not in read.purposes:
            read.purposes.append(purpose)
    return True


@contextmanager
def one_entry_per_record_read() -> Iterator[None]:
    """Give the request its id; collect its reads and write them at its end, in one statement."""
    token, id_token = _page_reads.set({}), _request_id.set(uuid.uuid4().hex)
    try:
        yield
    finally:
        reads = _page_reads.get() or {}
        _page_reads.reset(token)
        try:
            if reads:
                _write_reads(list(reads.values()))
        finally:
            _request_id.reset(id_token)


def _write_reads(reads: list[_Read]) -> None:
    from auditlog.cid import get_cid
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    cid = get_cid()
    LogEntry.objects.bulk_create(
        LogEntry(content_type=ContentType.objects.get_for_model(read.obj), object_pk=str(read.obj.pk),
                 object_id=read.obj.pk if isinstance(read.obj.pk, int) else None, object_repr=str(read.obj),
                 action=LogEntry.Action.ACCESS, actor=read.actor, changes={"read_fields": read.fields},
                 additional_data={"purpose": "、".join(read.purposes)}, timestamp=read.at,
                 remote_addr=read.remote_addr, cid=cid)
        for read in reads)
