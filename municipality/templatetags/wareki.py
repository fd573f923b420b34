import datetime as dt

from django import template
from django.utils import timezone

from municipality import wareki as calendar

register = template.Library()


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value if isinstance(value, dt.date) else None


@register.filter
def wareki(value: object) -> str:
    """{{ day|wareki }} → 令和8年11月23日; an empty value prints the blank form."""
    return calendar.format_wareki(_as_date(value))


@register.filter
def wareki_with_western(value: object) -> str:
    """{{ day|wareki_with_western }} → 令和8年11月23日（2026年）."""
    return calendar.format_wareki(_as_date(value), with_western=True)


@register.filter
def nendo(value: object) -> str:
    """{{ day|nendo }} → 令和8年度, the 年度 the day belongs to."""
    day = _as_date(value)
    return calendar.fiscal_year_label(calendar.fiscal_year(day)) if day else ""


@register.filter
def wareki_month(value: object) -> str:
    """{{ report.month|wareki_month }} → 令和8年10月 (a month, never its first day)."""
    return calendar.format_wareki_month(_as_date(value))


@register.filter
def wareki_datetime(value: object) -> str:
    """{{ entry.written_at|wareki_datetime }} → 令和8年11月16日 10:05 (Tokyo time, no seconds)."""
    if isinstance(value, dt.datetime):
        return calendar.format_wareki_datetime(value)
    return calendar.format_wareki(value, blank="") if isinstance(value, dt.date) else ""
