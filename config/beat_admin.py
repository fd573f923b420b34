"""Japanese for django-celery-beat's admin (定期処理) where its gettext strings do not reach.

The package's own strings are translated in locale/ja/LC_MESSAGES/django.po (e.g. an
interval reads 60秒ごと, 毎分). What does not go through gettext is handled here:

* Crontab schedules. The package describes them with cron-descriptor, whose ja_JP text is
  wrong or English for our schedules: "0 7-19 * * *" becomes "07:00 と 07:59 の間" (the
  minute is lost and 12-hour times come without 午前/午後) and days and months keep their
  English names. ``describe_crontab`` writes the description in Japanese instead
  (毎時0分、7時から19時まで), and falls back to cron-descriptor's ja_JP with 24-hour times
  for what it does not know (e.g. names such as "jan"). While Japanese is active it replaces
  cron-descriptor in the package's ``CrontabSchedule.human_readable`` (the admin list, the
  change form and its help) and gives ``CrontabSchedule.__str__`` (the schedule drop-down,
  page titles) the description instead of "0 7-19 * * * (m/h/dM/MY/d) Asia/Tokyo".
* Labels the package writes in English without gettext: the task field's "Task Name" (the
  list filter, the tasks listed under a schedule), the "Scheduler" column, "Crontab
  translation", "Human readable"; the messages of the model's schedule checks and of
  "run selected tasks" for a task that does not exist.

Nothing is changed in the database or in the models' fields: the admin classes are
subclassed and registered again, and the two replaced functions keep the package's own
behaviour in any other language. ``install()`` runs from ``CeleryBeatConfig.ready()``
(config/apps.py), after the admin has registered the package's classes.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import translation

_WEEKDAYS = "月火水木金土日"  # in Japanese order; cron counts Sunday as 0 (and 7), Monday as 1

# The model's checks (PeriodicTask.validate_unique) raise plain English strings.
_SCHEDULE_ERRORS = {
    "One of clocked, interval, crontab, or solar must be set.":
        "スケジュール（間隔、日時指定（crontab）、日の出・日の入り、日時指定（1回））のどれか1つを選んでください。",
    "Only one of clocked, interval, crontab, or solar must be set":
        "スケジュールは1種類だけ選び、ほかは空にしてください。",
    "clocked must be one off, one_off must set True":
        "日時指定（1回）を使うときは、「1回だけ実行」にチェックを入れてください。",
}


def _japanese() -> bool:
    return (translation.get_language() or "").startswith("ja")


# --- Crontab descriptions ----------------------------------------------------------------

def _parse(field: str) -> list[tuple[int | None, int | None, int | None]]:
    """One cron field as (start, end, step) items; ``*`` has no start. ValueError if unknown."""
    items = []
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else None
        if span == "*":
            start = end = None
            if step is None and field != "*":
                raise ValueError(field)
        elif "-" in span:
            start_text, end_text = span.split("-")
            start, end = int(start_text), int(end_text)
        else:
            start = int(span)
            end = None if step else start  # "5/15": from 5, every 15
        items.append((start, end, step))
    return items


def _points(items) -> list[int] | None:
    """The values of a field made only of single values, else None."""
    if all(start is not None and start == end and step is None for start, end, step in items):
        return [start for start, _, _ in items]
    return None


def _field(items, unit: str, step_unit: str, single_unit: str | None = None) -> str:
    texts = []
    for start, end, step in items:
        if start is None:
            texts.append(f"{step}{step_unit}ごと")
        elif end is None:
            texts.append(f"{start}{unit}から{step}{step_unit}ごと")
        else:
            text = f"{start}{single_unit or unit}" if start == end else f"{start}{unit}から{end}{unit}まで"
            texts.append(f"{text}{step}{step_unit}ごと" if step else text)
    return "・".join(texts)


def _weekdays(field: str) -> str:
    days = set()
    for start, end, step in _parse(field):
        if start is None or end is None or step or not 0 <= start <= end <= 7:
            raise ValueError(field)
        days.update((day + 6) % 7 for day in range(start, end + 1))  # Monday first: 月 is 0, 日 is 6
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if all(len(run) < 3 for run in runs):
        return "毎週" + "・".join(_WEEKDAYS[day] for day in sorted(days)) + "曜日"
    texts = []
    for run in runs:
        if len(run) >= 3:
            texts.append(f"{_WEEKDAYS[run[0]]}曜日から{_WEEKDAYS[run[-1]]}曜日まで")
        else:
            texts.extend(f"{_WEEKDAYS[day]}曜日" for day in run)
    return "・".join(texts)


def _date(day_of_month: str, month_of_year: str, day_of_week: str) -> str:
    day = ""
    if day_of_month != "*":
        items = _parse(day_of_month)
        day = _field(items, "日", "日")
        if month_of_year == "*" and not any(step for _, _, step in items):
            day = f"毎月{day}"
    days = "、".join(text for text in (day, _weekdays(day_of_week) if day_of_week != "*" else "") if text)
    if month_of_year != "*":
        return f"{_field(_parse(month_of_year), '月', 'か月')}の{days or '毎日'}"
    return days


def _time(minute: str, hour: str) -> tuple[str, bool]:
    """The time of day, and whether it is a list of clock times (9:00・18:00)."""
    minutes, hours = _parse(minute), _parse(hour)
    minute_points, hour_points = _points(minutes), _points(hours)
    if minute_points and hour_points and len(minute_points) * len(hour_points) <= 6:
        return "・".join(f"{h}:{m:02d}" for h in hour_points for m in minute_points), True
    each_hour = minute != "*" and not any(step for _, _, step in minutes)  # 0分 of every hour
    text = "毎分" if minute == "*" else _field(minutes, "分", "分")  # 毎分, 15分ごと, 0分
    if hour == "*":
        return f"毎時{text}" if each_hour else text, False
    hours_text = _field(hours, "時", "時間", single_unit="時台")
    if hour_points or any(step for _, _, step in hours):
        return f"{hours_text}の{text}", False  # 9時台の毎分, 2時間ごとの0分
    return f"{'毎時' if each_hour else ''}{text}、{hours_text}", False  # 毎時0分、7時から19時まで


def describe_crontab(expression: str) -> str:
    """A cron expression ("minute hour day month weekday") in Japanese.

    >>> describe_crontab("0 7-19 * * *")
    '毎時0分、7時から19時まで'
    >>> describe_crontab("30 8 * * 1,2,3,4,5")
    '月曜日から金曜日まで 8:30'
    """
    try:
        minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
        date = _date(day_of_month, month_of_year, day_of_week)
        time, clock = _time(minute, hour)
    except ValueError:
        return _cron_descriptor_ja(expression)
    if clock:
        return f"{date or '毎日'} {time}"
    return f"{date}、{time}" if date else time


def _cron_descriptor_ja(expression: str) -> str:
    from cron_descriptor import Options, get_description

    options = Options()
    options.locale_code = "ja_JP"
    options.use_24hour_time_format = True
    return get_description(expression, options)


def _get_description(expression, options=None):
    """Stands in for cron_descriptor.get_description in django_celery_beat.models."""
    from cron_descriptor import get_description

    if options is None and _japanese():
        return describe_crontab(expression)
    return get_description(expression, options)


def _crontab_str(crontab) -> str:
    """CrontabSchedule.__str__: the description first, then the expression."""
    from django_celery_beat.models import cronexp

    if not _japanese():
        return _package_crontab_str(crontab)
    fields = (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week)
    return f"{crontab.human_readable}（{' '.join(cronexp(field) for field in fields)}）"


_package_crontab_str = None


# --- Admin classes -----------------------------------------------------------------------

def _admin_classes():
    from django_celery_beat import admin as beat

    from municipality.admin import DateRangeAdminMixin

    class TaskNameFilter(admin.AllValuesFieldListFilter):
        """The filter on the task field, whose verbose_name the package leaves in English."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = "タスク名"

    class PeriodicTaskForm(beat.PeriodicTaskForm):
        def clean(self):
            # The package's clean() reads cleaned_data["task"] unguarded: a task name the field
            # refused (e.g. too long) would be a KeyError, a 500. The form is invalid anyway.
            if "task" not in self.cleaned_data and self.has_error("task"):
                return self.cleaned_data
            return super().clean()

        def _update_errors(self, errors):
            if hasattr(errors, "error_dict"):
                errors = ValidationError({
                    field: [_SCHEDULE_ERRORS.get(message, message) for message in field_messages]
                    for field, field_messages in errors.message_dict.items()
                })
            else:
                errors = ValidationError([_SCHEDULE_ERRORS.get(message, message) for message in errors.messages])
            super()._update_errors(errors)

    class PeriodicTaskAdmin(DateRangeAdminMixin, beat.PeriodicTaskAdmin):
        form = PeriodicTaskForm
        list_filter = [("task", TaskNameFilter) if name == "task" else name
                       for name in beat.PeriodicTaskAdmin.list_filter]

        @admin.display(description="スケジュール")
        def scheduler(self, obj):
            return obj.scheduler

        @admin.display(description="日時指定の内容")
        def crontab_translation(self, obj):
            return super().crontab_translation(obj)

        @admin.action(description=beat.PeriodicTaskAdmin.run_tasks.short_description)
        def run_tasks(self, request, queryset):
            # The package's message for an unknown task is an f-string gettext cannot translate.
            self.celery_app.loader.import_default_modules()
            missing = [task.task for task in queryset if task.task not in self.celery_app.tasks]
            if missing:
                self.message_user(request, f"タスク「{missing[0]}」が見つかりません。", level=messages.ERROR)
                return None
            return super().run_tasks(request, queryset)

    class PeriodicTaskInline(beat.PeriodicTaskInline):
        fields = ("name", "task_name", "args", "kwargs")
        readonly_fields = fields

        @admin.display(description="タスク名")
        def task_name(self, obj):
            return obj.task

    class CrontabScheduleAdmin(beat.CrontabScheduleAdmin):
        inlines = [PeriodicTaskInline]
        list_display = ("human_readable", "expression")

        @admin.display(description="内容")
        def human_readable(self, obj):
            return obj.human_readable

        @admin.display(description="設定値（分 時 日 月 曜日）")
        def expression(self, obj):
            from django_celery_beat.models import cronexp

            return " ".join(cronexp(field) for field in (
                obj.minute, obj.hour, obj.day_of_month, obj.month_of_year, obj.day_of_week))

    class IntervalScheduleAdmin(beat.IntervalScheduleAdmin):
        inlines = [PeriodicTaskInline]

    class SolarScheduleAdmin(beat.SolarScheduleAdmin):
        inlines = [PeriodicTaskInline]

    class ClockedScheduleAdmin(DateRangeAdminMixin, beat.ClockedScheduleAdmin):
        inlines = [PeriodicTaskInline]

    return {
        beat.PeriodicTask: PeriodicTaskAdmin,
        beat.CrontabSchedule: CrontabScheduleAdmin,
        beat.IntervalSchedule: IntervalScheduleAdmin,
        beat.SolarSchedule: SolarScheduleAdmin,
        beat.ClockedSchedule: ClockedScheduleAdmin,
    }


def install() -> None:
    """Apply the above; called once from CeleryBeatConfig.ready()."""
    global _package_crontab_str
    from django_celery_beat import models

    if _package_crontab_str is None:
        _package_crontab_str = models.CrontabSchedule.__str__
        models.CrontabSchedule.__str__ = _crontab_str
        models.get_description = _get_description

    for model, admin_class in _admin_classes().items():
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, admin_class)
