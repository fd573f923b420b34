"""Find what is due. Each kind (declared by its app in ``<app>/reminders.py``, see registry.py)
returns planned reminders; ``services.enqueue`` turns them into deliveries and notices, each
unique, so a second scan (or a parallel one) adds nothing.

Reminders before a date (a term's end, a meeting, a certificate's expiry) use windows, not exact
days: an item 45 days away is in the "60 days" step, one 29 days away in the "30 days" step. A
scan that did not run on the exact day (broker down, beat stopped) is caught up by the next one,
and each step still goes out once. The step carries the date it counts to, so a meeting moved to
another day is reminded of again for its new date.

Every kind costs a fixed number of queries, whatever the number of rows. A kind with many rows
(council terms, meetings) declares its reminders as queries (``Source``): the scan then finds what
is new and writes it inside the database, texts included (``sql_text`` builds a template's text as
an SQL expression), so that an hourly scan over a large register moves no rows into Python and
decides "already planned" by an anti-join on the outbox's unique keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, cast

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.template import Context
from django.template.base import TextNode, Variable, VariableNode
from django.template.defaulttags import AutoEscapeControlNode, ForNode, IfNode, TemplateLiteral
from django.template.loader import get_template
from django.urls import reverse

from municipality.models import Municipality, User
from municipality.roles import Role
from municipality.wareki import format_wareki

from .models import CASE_REASONS, Delivery, DeliveryStatus, Notice, Reason
from .registry import registry


@dataclass(frozen=True)
class Text:
    """A subject or body: its template and context, rendered when first read. A scan plans
    thousands of reminders and most are in the outbox already; only the new ones are written."""

    template: str
    context: tuple[tuple[str, Any], ...]

    def __str__(self) -> str:
        return self.rendered

    @cached_property
    def rendered(self) -> str:
        try:
            return _rendered(self)
        except TypeError:  # a list in the context: not shared, rendered for itself
            return render(self.template, **dict(self.context))


@lru_cache(maxsize=1024)
def _rendered(text: Text) -> str:
    """Texts alike are rendered once: the members of a council share their subject."""
    return render(text.template, **dict(text.context))


def text(template: str, /, **context: Any) -> Text:
    """A subject or body template (plain text, written with ``{% autoescape off %}``) to render
    with ``context`` when it is read. Give strings: a date is written with ``wareki``."""
    return Text(template, tuple(context.items()))


@dataclass(frozen=True)
class Planned:
    """One reminder for one person: a mail when ``email`` is set, a notice when ``user_id`` is."""

    email: str
    user_id: int | None
    reason: str
    object_key: str
    step: str
    subject_text: str | Text
    body_text: str | Text
    url: str = ""

    @cached_property
    def subject(self) -> str:
        return str(self.subject_text)

    @cached_property
    def body(self) -> str:
        return str(self.body_text)

    @property
    def delivery_key(self) -> tuple[str, str, str, str]:
        return (self.email, self.reason, self.object_key, self.step)

    @property
    def notice_key(self) -> tuple[int | None, str, str, str]:
        return (self.user_id, self.reason, self.object_key, self.step)


def window_step(days_left: int, thresholds: Iterable[int]) -> int | None:
    """The step an item ``days_left`` days away belongs to: the smallest threshold not below it.
    None before the first threshold and from the day itself on (too late to remind)."""
    if days_left < 1:
        return None
    fitting = [d for d in thresholds if d >= days_left]
    return min(fitting) if fitting else None


def step_label(threshold: int, day: dt.date) -> str:
    return f"{threshold}日前 {day.isoformat()}"


def step_day(step: str) -> dt.date | None:
    """The date a step counts to (its last word), or None for steps without one."""
    try:
        return dt.date.fromisoformat(step.rsplit(" ", 1)[-1])
    except ValueError:
        return None


def object_id(object_key: str) -> int | None:
    tail = object_key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@lru_cache(maxsize=512)
def wareki(day: dt.date) -> str:
    """A date as mail writes it (令和8年11月24日), worked out once per date: a scan writes thousands."""
    return format_wareki(day)


@lru_cache(maxsize=128)
def _compiled(template: str) -> Any:
    """The engine's Template inside the backend's wrapper, looked up once per process (as the
    cached loader keeps it: a template edited while a worker runs takes effect at its restart)."""
    return cast(Any, get_template(template)).template


@lru_cache(maxsize=128)
def _flat(template: str) -> tuple[tuple[bool, str], ...] | None:
    """A template that is only text and plain variables (``{{ name }}``: no filter, no tag) inside
    ``{% autoescape off %}``, as its parts (is it a variable?, text or name); None for any other.
    Most reminder texts are such, and joining their parts is what the engine would do for strings
    (no escaping, nothing to localise), a tenth of its time."""
    nodes: list[Any] = []
    for top in _compiled(template).nodelist:
        if isinstance(top, AutoEscapeControlNode) and not top.setting:
            nodes.extend(top.nodelist)
        elif isinstance(top, TextNode):  # the file's last line break
            nodes.append(top)
        else:
            return None
    parts: list[tuple[bool, str]] = []
    for node in nodes:
        if isinstance(node, TextNode):
            parts.append((False, node.s))
        elif (isinstance(node, VariableNode) and not node.filter_expression.filters
              and isinstance(variable := node.filter_expression.var, Variable)
              and variable.lookups is not None and len(variable.lookups) == 1 and not variable.translate):
            parts.append((True, variable.lookups[0]))
        else:
            return None
    return tuple(parts)


def render(template: str, /, **context: Any) -> str:
    """A plain-text template (written with ``{% autoescape off %}``), without the file's last line
    break. A first scan renders tens of thousands: a flat template (see ``_flat``) given strings
    is joined; any other does what ``Template.render`` does without its per-call wrapping: a fresh
    Context (its own render state), bound to the template (which undefined variables and tags
    read), and the nodes rendered."""
    flat = _flat(template)
    if flat is not None and all(type(context.get(name)) is str for is_name, name in flat if is_name):
        return "".join(context[part] if is_name else part for is_name, part in flat).rstrip("\n")
    compiled = _compiled(template)
    bound = Context(context)
    bound.template, bound.template_name = compiled, compiled.name
    return compiled.nodelist.render(bound).rstrip("\n")


@lru_cache(maxsize=64)
def _route(name: str, arity: int) -> str:
    """The URL pattern of a route with ``{0}``, ``{1}`` … in place of its arguments, reversed once:
    a scan builds thousands of links."""
    marks = [str(918273645 + i) for i in range(arity)]
    url = reverse(name, args=marks)
    for i, mark in enumerate(marks):
        url = url.replace(mark, f"{{{i}}}")
    return url


def url_for(name: str, *args: object) -> str:
    return _route(name, len(args)).format(*args)


# --- Reminders as queries ----------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """A kind's reminders as one query (for kinds with many rows): a queryset whose values are
    ``r_email``, ``r_user_id``, ``r_object_key``, ``r_step``, ``r_subject``, ``r_body`` and
    ``r_url``. The scan adds what is new inside the database (services.enqueue); ``planned``
    reads the rows as ``Planned`` (the dry run, the tests)."""

    reason: str
    queryset: QuerySet

    def new(self) -> QuerySet:
        """The rows that lack their mail or their notice: NOT EXISTS on the unique key of the
        outbox and of the notices, in the query's WHERE (before any grouping and text)."""
        key = {"reason": self.reason, "object_key": OuterRef("r_object_key"), "step": OuterRef("r_step")}
        mail = Delivery.objects.filter(recipient=OuterRef("r_email"), **key)
        notice = Notice.objects.filter(user_id=OuterRef("r_user_id"), **key)
        return self.queryset.filter((~Q(r_email="") & ~Exists(mail)) | (Q(r_user_id__isnull=False) & ~Exists(notice)))


def source(reason: str, queryset: QuerySet, *, email: Any, object_key: Any, step: Any, subject: Any, body: Any,
           user_id: Any = None, url: Any = "") -> Source:
    """A ``Source`` of ``queryset`` (grouped already, if a text joins rows): each column an SQL
    expression (an ``F``, a ``sql_text``), or a constant."""
    columns = {"email": email, "user_id": Cast(Value(None), IntegerField()) if user_id is None else user_id,
               "object_key": object_key, "step": step, "subject": subject, "body": body, "url": url}
    return Source(str(reason), queryset.order_by().values(**{f"r_{name}": _expression(value)
                                                              for name, value in columns.items()}))


def planned(sources: Iterable[Source]) -> list[Planned]:
    """The rows of ``sources`` as planned reminders (one query each)."""
    return [Planned(row["r_email"] or "", row["r_user_id"], source.reason, row["r_object_key"], row["r_step"],
                    row["r_subject"], row["r_body"], row["r_url"])
            for source in sources
            for row in source.queryset.order_by("r_object_key", "r_step", "r_email")]


def _expression(value: Any) -> Any:
    return Value(value, output_field=TextField()) if isinstance(value, str) else value


def sql_key(prefix: str, pk: str = "pk") -> Concat:
    """An object key (``councils.membership:12``) from a primary key column."""
    return Concat(Value(f"{prefix}:"), Cast(F(pk), CharField()), output_field=TextField())


def sql_url(name: str, *args: Any) -> Any:
    """``url_for`` with columns (``F("token")``) for arguments."""
    pattern, parts = _route(name, len(args)), []
    for i, arg in enumerate(args):
        before, pattern = pattern.split(f"{{{i}}}", 1)
        parts += [Value(before), Cast(arg, CharField()) if isinstance(arg, (F, Expression)) else Value(str(arg))]
    return _concat([*parts, Value(pattern)])


@dataclass(frozen=True)
class Rows:
    """What a text's ``{% for x in … %}`` loops over, for ``sql_text``: the rows of the group (the
    query is grouped by the text's other values), each ``{{ x.attribute }}`` an SQL expression,
    joined in the order of the column ``order_by``."""

    order_by: str
    attributes: tuple[tuple[str, Any], ...]


def rows(order_by: str, **attributes: Any) -> Rows:
    return Rows(order_by, tuple(attributes.items()))


class JoinedText(Aggregate):
    """The texts of a group's rows joined without a separator, in the order of ``ordering``
    (PostgreSQL: STRING_AGG … ORDER BY; SQLite's GROUP_CONCAT keeps the order the rows come in)."""

    output_field = TextField()

    def __init__(self, expression: Any, ordering: Any) -> None:
        super().__init__(expression, ordering)

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        text_sql, text_params = compiler.compile(self.get_source_expressions()[0])
        order_sql, order_params = compiler.compile(self.get_source_expressions()[1])
        if connection.vendor == "postgresql":
            return f"STRING_AGG({text_sql}, '' ORDER BY {order_sql})", [*text_params, *order_params]
        return f"GROUP_CONCAT({text_sql}, '')", list(text_params)


def sql_text(template: str, /, **context: Any) -> Any:
    """A reminder text as an SQL expression: the same template ``render`` uses, its parts joined in
    the database. A variable is an SQL expression giving text (or a string); ``{% if name %}`` takes
    a ``Q``; ``{% for x in name %}`` takes ``rows(...)``. Anything else (a filter, another tag) is
    refused. tests/reminders/test_registry.py compares the result with the engine's."""
    parts = _sql_parts(template, list(_compiled(template).nodelist), context, {})
    while parts and isinstance(parts[-1], Value) and isinstance(parts[-1].value, str):  # the last line break
        text_ = parts.pop().value.rstrip("\n")
        if text_:
            parts.append(Value(text_))
            break
    return _concat(parts)


def _concat(parts: list[Any]) -> Any:
    if not parts:
        return Value("", output_field=TextField())
    if len(parts) == 1:
        return parts[0]
    return Concat(*parts, output_field=TextField())


def _plain_name(template: str, expression: Any) -> tuple[str, ...]:
    var = getattr(expression, "var", None)
    if (getattr(expression, "filters", None) or not isinstance(var, Variable) or var.lookups is None
            or var.translate):
        raise ValueError(f"{template}: only plain variables can be built in SQL ({expression})")
    return tuple(var.lookups)


def _sql_parts(template: str, nodes: list[Any], context: dict[str, Any],
               loop: dict[str, dict[str, Any]]) -> list[Any]:
    parts: list[Any] = []
    for node in nodes:
        if isinstance(node, AutoEscapeControlNode) and not node.setting:
            parts += _sql_parts(template, list(node.nodelist), context, loop)
        elif isinstance(node, TextNode):
            if node.s:
                parts.append(Value(node.s))
        elif isinstance(node, VariableNode):
            name = _plain_name(template, node.filter_expression)
            if len(name) == 1 and name[0] not in loop:
                parts.append(_expression(context[name[0]]))
            elif len(name) == 2 and name[0] in loop:
                parts.append(_expression(loop[name[0]][name[1]]))
            else:
                raise ValueError(f"{template}: {'.'.join(name)} cannot be built in SQL")
        elif isinstance(node, IfNode):
            (condition, then), *rest = node.conditions_nodelists
            if not isinstance(condition, TemplateLiteral) or len(rest) > 1 or (rest and rest[0][0] is not None):
                raise ValueError(f"{template}: only {{% if name %}}…{{% else %}}…{{% endif %}} can be built in SQL")
            (test,) = _plain_name(template, condition.value)
            if not isinstance(context[test], Q):
                raise ValueError(f"{template}: {{% if {test} %}} needs a Q to be built in SQL")
            otherwise = _sql_parts(template, list(rest[0][1]), context, loop) if rest else []
            parts.append(Case(When(context[test], then=_concat(_sql_parts(template, list(then), context, loop))),
                              default=_concat(otherwise), output_field=TextField()))
        elif isinstance(node, ForNode):
            if node.is_reversed or len(node.loopvars) != 1 or list(node.nodelist_empty):
                raise ValueError(f"{template}: only a plain {{% for x in name %}} can be built in SQL")
            (sequence,) = _plain_name(template, node.sequence)
            looped = context[sequence]
            if not isinstance(looped, Rows):
                raise ValueError(f"{template}: {{% for … in {sequence} %}} needs rows() to be built in SQL")
            inner = _sql_parts(template, list(node.nodelist_loop), context,
                               {**loop, node.loopvars[0]: dict(looped.attributes)})
            parts.append(JoinedText(_concat(inner), F(looped.order_by)))
        else:
            raise ValueError(f"{template}: {type(node).__name__} cannot be built in SQL")
    return parts


class ByDay(Func):
    """The text of the day in a date column, from the texts of consecutive days from ``first``
    (a day outside them gives ""). PostgreSQL picks it from an array by the number of days since
    ``first``: a scan evaluates it for every row and every key probe, and a ``CASE`` of one branch
    per day of a 120-day window compared sixty dates a row on average. Elsewhere it is that
    ``CASE``."""

    output_field = TextField()

    def __init__(self, column: Any, first: dt.date, texts: tuple[str, ...]) -> None:
        super().__init__(column)
        self.first, self.texts = first, texts

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column_sql, column_params = compiler.compile(self.get_source_expressions()[0])
        params: list[Any] = list(column_params)
        for n, text_ in enumerate(self.texts):
            params += [self.first + dt.timedelta(days=n), text_]
        return f"CASE {column_sql}{' WHEN %s THEN %s' * len(self.texts)} ELSE '' END", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        column_sql, column_params = compiler.compile(self.get_source_expressions()[0])
        return (f"COALESCE((%s::text[])[{column_sql} - %s::date + 1], '')",
                [list(self.texts), *column_params, self.first])


class Scan:
    """What is due on one day, with what several kinds share: the recipients by role (read once
    per scan) and the counting of days."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._steps: dict[tuple[tuple[int, ...], dt.date], str] = {}
        self._left: dict[dt.date, str] = {}

    # --- recipients ---------------------------------------------------------------------

    def _users_with_role(self, role: Role) -> QuerySet[User]:
        return User.objects.filter(groups__name=role.value, is_active=True).order_by("pk")

    @cached_property
    def term(self) -> str:
        """The municipality's name for the coordinator (地域支え合い推進員, 生活支援コーディネーター …)."""
        return Municipality.objects.current().coordinator_term

    @cached_property
    def city_staff(self) -> list[User]:
        return list(self._users_with_role(Role.CITY_STAFF))

    @cached_property
    def contractors(self) -> dict[int, list[User]]:
        """受託団体 users by organisation (every organisation: one query)."""
        by_org: dict[int, list[User]] = {}
        for user in self._users_with_role(Role.CONTRACTOR).filter(organisation__isnull=False):
            if user.organisation_id is not None:
                by_org.setdefault(user.organisation_id, []).append(user)
        return by_org

    # --- days -----------------------------------------------------------------------------

    def days_left(self, day: dt.date) -> int:
        return (day - self.today).days

    def step(self, thresholds: list[int], day: dt.date) -> str:
        """The step of a day inside the window (the scans read only those). Worked out once per
        day and thresholds: a window of thousands of rows holds a few hundred days."""
        key = (tuple(thresholds), day)
        if key not in self._steps:
            threshold = window_step(self.days_left(day), thresholds)
            if threshold is None:
                raise ValueError(f"{day} is outside the reminder window of {thresholds}")
            self._steps[key] = step_label(threshold, day)
        return self._steps[key]

    def left(self, day: dt.date) -> str:
        """"令和8年11月24日現在、あと30日": the count stays true however late the mail goes out."""
        if day not in self._left:
            self._left[day] = f"{wareki(self.today)}現在、あと{self.days_left(day)}日"
        return self._left[day]

    def window(self, thresholds: list[int]) -> tuple[dt.date, dt.date]:
        return self.today + dt.timedelta(days=1), self.today + dt.timedelta(days=max(thresholds))

    def days(self, thresholds: list[int]) -> list[dt.date]:
        """Every day of the window (a few dozen: a date column's values within it)."""
        return [self.today + dt.timedelta(days=n) for n in range(1, max(thresholds) + 1)]

    def by_day(self, column: str, thresholds: list[int], text_of: Any) -> ByDay:
        """An SQL expression giving ``text_of(day)`` for the date in ``column`` (a day of the
        window), worked out here once per day: the database only picks."""
        days = self.days(thresholds)
        return ByDay(F(column), days[0], tuple(text_of(day) for day in days))

    def sql_step(self, column: str, thresholds: list[int]) -> ByDay:
        return self.by_day(column, thresholds, lambda day: self.step(thresholds, day))

    def sql_wareki(self, column: str, thresholds: list[int]) -> ByDay:
        return self.by_day(column, thresholds, wareki)

    def sql_left(self, column: str, thresholds: list[int]) -> ByDay:
        return self.by_day(column, thresholds, self.left)

    # --- the digest and the whole scan ----------------------------------------------------

    def weekly_digest(self, overdue: list[Planned], upcoming: list[Planned]) -> list[Planned]:
        """Once a week (on the first scan of the ISO week), city staff get one mail: what waits for
        the city (counts given by the apps) and what is overdue, then what ends soon."""
        parts = registry().digest
        counts = [line for part in parts for line in part.counts()]
        counts.append(("送信できなかったメール（管理サイトの「メール送信の記録」）",
                       # as the log shows them: case reminders are not for city staff
                       Delivery.objects.filter(status=DeliveryStatus.FAILED).exclude(reason__in=CASE_REASONS).count()))
        late = [f"{label} {n}件" for label, n in counts if n] + sorted({p.subject for p in overdue})
        soon = sorted({p.subject for p in upcoming})
        if not late and not soon:
            return []
        subject = render("reminders/digest/weekly_digest_subject.txt", late_count=str(len(late)),
                         soon_count=str(len(soon)))
        body = render("reminders/digest/weekly_digest_body.txt", today=wareki(self.today), late=late, soon=soon)
        url = url_for(next((p.url_name for p in parts if p.url_name), "admin:index"))
        week = iso_week(self.today)
        return [Planned(user.email, user.pk, Reason.WEEKLY_DIGEST, "municipality.digest", week, subject, body, url)
                for user in self.city_staff]

    def collect(self) -> tuple[list[Planned], list[Source]]:
        """What the scan puts in the outbox: the reminders planned in Python (the digest included)
        and the kinds' queries (added inside the database: their rows never come here)."""
        planned: list[Planned] = []
        sources: list[Source] = []
        digest: dict[str, list[Planned]] = {"overdue": [], "upcoming": []}
        for kind in registry().kinds:
            if kind.sources is not None:
                sources.extend(kind.sources(self))
                continue
            found = kind.due(self)
            planned.extend(found)
            if kind.digest is not None:
                digest[kind.digest].extend(found)
        return [*planned, *self.weekly_digest(digest["overdue"], digest["upcoming"])], sources

    def all(self) -> list[Planned]:
        """Every reminder due, as planned reminders (the queries' rows read too)."""
        found, sources = self.collect()
        return [*planned(sources), *found]


def due(today: dt.date) -> list[Planned]:
    """Every reminder due on ``today`` (already sent ones included: enqueue skips them)."""
    return Scan(today).all()


def still_due(delivery: Delivery, today: dt.date) -> bool:
    """At send time: is the reason still there? A reminder waits in the outbox for minutes (or
    hours, while SMTP is down). If what it was about changed meanwhile (consent withdrawn,
    invitation declined, meeting moved, term renewed), it is cancelled instead of sent."""
    check = registry().still_due(delivery.reason)
    return check is None or check(delivery, today)

