"""Each domain app owns its reminder kinds; reminders/ finds them and imports no domain app."""

import ast
from pathlib import Path

from django.template import Context

from reminders.models import REMINDER_REASONS, Reason
from reminders.registry import registry

REMINDERS = Path(__file__).resolve().parents[2] / "reminders"
DOMAIN_APPS = {"coordinators", "councils", "activities", "consultations", "config", "forms_pdf"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_each_reminder_kind_is_declared_once_by_the_app_it_is_about():
    kinds = registry().kinds
    owners = {kind.reason: kind.due.__module__ for kind in kinds}
    assert owners == {
        Reason.TERM_EXPIRY: "councils.reminders", Reason.MEETING: "councils.reminders",
        Reason.MONITORING: "consultations.reminders", Reason.TIMELINE_SILENT: "consultations.reminders",
        Reason.EVALUATION: "consultations.reminders",
        Reason.CERTIFICATE_EXPIRY: "coordinators.reminders",
        Reason.CONTRACT_EXPIRY: "coordinators.reminders", Reason.TRAINING: "coordinators.reminders",
        Reason.VACANCY: "coordinators.reminders", Reason.PLEDGE: "coordinators.reminders",
        Reason.MONTHLY_REPORT: "activities.reminders",
        Reason.REFERRAL: "consultations.reminders",
        Reason.URGENT_MEETING: "consultations.reminders",
        Reason.MINUTES_OVERDUE: "councils.reminders",
    }
    assert set(owners) | {Reason.WEEKLY_DIGEST} == REMINDER_REASONS
    # Queued in the order of before: the rest, then what is overdue, then what ends soon.
    assert [kind.reason for kind in kinds] == [
        Reason.TERM_EXPIRY, Reason.MEETING, Reason.MONITORING, Reason.TIMELINE_SILENT, Reason.EVALUATION,
        Reason.REFERRAL, Reason.URGENT_MEETING, Reason.MINUTES_OVERDUE, Reason.TRAINING, Reason.VACANCY, Reason.PLEDGE, Reason.MONTHLY_REPORT,
        Reason.CERTIFICATE_EXPIRY, Reason.CONTRACT_EXPIRY]


def test_reminders_imports_no_domain_app_and_services_does_not_import_its_tasks():
    for path in REMINDERS.rglob("*.py"):
        tops = {name.split(".")[0] for name in imported_modules(path) if not name.startswith(".")}
        assert not tops & DOMAIN_APPS, f"{path.name} imports {sorted(tops & DOMAIN_APPS)}"
    assert not {".tasks", "reminders.tasks"} & imported_modules(REMINDERS / "services.py")


def test_reminder_texts_are_plain_text_never_html_escaped():
    from reminders.scan import render

    subject = render("councils/reminders/term_expiry_subject.txt", council="A&B<協議体>", end="令和9年3月31日")
    assert subject == "【任期満了のお知らせ】A&B<協議体>（令和9年3月31日まで）"


def test_a_flat_reminder_text_is_joined_exactly_as_the_template_engine_renders_it():
    """The fast path for texts of only plain variables gives the engine's output, character for
    character, for every reminder template; a template with a tag or a filter takes the engine."""
    import re

    from django.template import Context

    from reminders.scan import _compiled, _flat, render

    templates = sorted(Path(__file__).resolve().parents[2].glob("templates/*/reminders/*.txt"))
    assert len(templates) >= 20
    flat_ones = 0
    for path in templates:
        name = f"{path.parent.parent.name}/reminders/{path.name}"
        source = path.read_text(encoding="utf-8")
        names = set(re.findall(r"{{\s*(\w+)", source))
        context = {n: f"<{n}>&'\"{{%" for n in names}
        engine = _compiled(name).render(Context(context)).rstrip("\n")
        assert render(name, **context) == engine, name
        if _flat(name) is not None:
            flat_ones += 1
            assert "{%" not in source.replace("{% autoescape off %}", "").replace("{% endautoescape %}", "")
        else:
            assert re.search(r"{%\s*(if|for)|\|", source), name
    assert flat_ones >= 15  # most texts take the fast path
    # A value that is not a string (a count given as a number) is rendered by the engine.
    assert render("councils/reminders/term_expiry_secretariat_subject.txt", council="甲", count=3,
                  end="令和9年3月31日") == render("councils/reminders/term_expiry_secretariat_subject.txt",
                                                 council="甲", count="3", end="令和9年3月31日")


def test_a_text_built_in_sql_is_the_engines_text(db):
    """The scan builds texts in the database (scan.sql_text): for every reminder template it can
    build, the result is the engine's, character for character, on either branch of an ``if``."""
    import re

    from django.db.models import Q, Value

    from municipality.models import Municipality
    from reminders.scan import _compiled, sql_text

    Municipality.objects.current()
    built = 0
    for path in sorted(Path(__file__).resolve().parents[2].glob("templates/*/reminders/*.txt")):
        name = f"{path.parent.parent.name}/reminders/{path.name}"
        source = path.read_text(encoding="utf-8")
        if re.search(r"{%\s*for|\|", source):
            continue  # a list: compared on real rows in test_reminders (the secretariat's list)
        conditions = set(re.findall(r"{%\s*if\s+(\w+)", source))
        names = set(re.findall(r"{{\s*(\w+)", source))
        for truth in (True, False):
            values = {n: f"<{n}>&'\"%s{{%" for n in names}
            context = {**{n: Value(v) for n, v in values.items()},
                       **{c: Q(pk__isnull=not truth) for c in conditions}}
            row = Municipality.objects.annotate(text=sql_text(name, **context)).values_list("text", flat=True).first()
            engine = _compiled(name).render(Context({**values, **{c: truth for c in conditions}})).rstrip("\n")
            assert row == engine, name
        built += 1
    assert built >= 20


def test_a_text_sql_cannot_build_is_refused():
    import pytest
    from django.db.models import Q

    from reminders.scan import sql_text

    with pytest.raises(ValueError, match="needs a Q"):
        sql_text("reminders/digest/weekly_digest_body.txt", today="x", late=["a"], soon=[])
    with pytest.raises(ValueError, match="needs rows"):
        sql_text("reminders/digest/weekly_digest_body.txt", today="x", late=Q(pk=1), soon=Q(pk=1))


def test_the_text_of_a_day_is_picked_in_the_database(db):
    """``Scan.by_day``: the text of the day in a date column, "" outside the window's days; the same
    from PostgreSQL's array and from the CASE other databases get."""
    import datetime as dt

    from django.db.models import DateField, Value

    from municipality.models import Municipality
    from reminders.scan import ByDay

    class Portable(ByDay):
        as_postgresql = None  # the CASE, as on SQLite

    Municipality.objects.current()
    first, texts = dt.date(2027, 3, 30), ("a", "b'%s{{", "c")
    for offset, expected in [(-1, ""), (0, "a"), (1, "b'%s{{"), (2, "c"), (3, ""), (400, "")]:
        day = Value(first + dt.timedelta(days=offset), output_field=DateField())
        for kind in (ByDay, Portable):
            picked = Municipality.objects.annotate(text=kind(day, first, texts)).values_list("text", flat=True).first()
            assert picked == expected, (kind, offset)

