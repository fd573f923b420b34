"""The admin of the periodic tasks (定期処理, django-celery-beat) in Japanese and within the CSP.

The package's strings come from locale/ja/LC_MESSAGES/django.po, the rest from config/beat_admin.py.
"""

import ast
import gettext
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from config.beat_admin import describe_crontab

SCAN = "リマインダー：期限の近いものを探して送る"
SEND = "メール送信：送信待ちと再送"
LOCALE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"


class _Page(HTMLParser):
    """The text a user reads (titles included) and the page's <script> tags."""

    def __init__(self, html: str):
        super().__init__()
        self.texts: list[str] = []
        self.scripts: list[dict] = []
        self._in_script = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._in_script += 1
            if tag == "script":
                self.scripts.append(attrs)
        if attrs.get("title"):
            self.texts.append(attrs["title"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in_script -= 1

    def handle_data(self, data):
        if not self._in_script and data.strip():
            self.texts.append(data.strip())

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def _english_left(text: str, words: list[str]) -> list[str]:
    return [word for word in words if word in text]


@pytest.fixture(autouse=True)
def _jobs(reminder_jobs):
    """The reminder jobs, as migrated."""


@pytest.fixture
def staff_client(client, city_staff):
    client.force_login(city_staff)
    return client


def test_the_list_of_periodic_tasks_is_in_japanese(staff_client):
    response = staff_client.get(reverse("admin:django_celery_beat_periodictask_changelist"))

    assert response.status_code == 200
    page = _Page(response.content.decode())
    for label in ["名前", "有効", "スケジュール", "間隔", "開始日時", "最終実行日時", "1回だけ実行",  # columns
                  "タスク名 で絞り込む", "1回だけ実行 で絞り込む",  # filters
                  "選択した定期処理を有効にする", "選択した定期処理を今すぐ実行する",  # actions
                  SCAN, SEND,
                  "毎時0分、7時から19時まで",  # the scan's crontab, its minute kept
                  "毎分"]:  # the sending's interval of 1 minute
        assert label in page.text, label
    assert _english_left(page.text, [
        "Name", "Enabled", "Scheduler", "Interval Schedule", "Start Datetime", "Last Run Datetime", "One-off",
        "Task Name", "Enable selected", "Run selected", "every ", "m/h/dM/MY/d", "Between", "Periodic",
    ]) == []


def test_the_change_page_of_the_scan_is_in_japanese_without_inline_script(staff_client):
    scan = PeriodicTask.objects.get(name=SCAN)

    response = staff_client.get(reverse("admin:django_celery_beat_periodictask_change", args=[scan.pk]))

    assert response.status_code == 200
    page = _Page(response.content.decode())
    for label in ["タスク（登録済みから選ぶ）", "タスク（名前を入力）", "チェックを外すと、この定期処理を止めます。",
                  "日時指定（crontab）", "日時指定の内容", "最終実行日時", "実行オプション",
                  "毎時0分、7時から19時まで Asia/Tokyo（0 7-19 * * *）",  # the schedule drop-down
                  "reminders.tasks.scan_due"]:  # a choice of the registered tasks
        assert label in page.text, label
    assert _english_left(page.text, [
        "Task (registered)", "Task (custom)", "Set to False", "Crontab", "Interval Schedule", "Arguments",
        "Execution Options", "Crontab translation", "Translation", "m/h/dM/MY/d", "Between", "every ",
    ]) == []
    # The CSP allows no inline script: every script is a file, or data that is not run.
    inline = [attrs for attrs in page.scripts if not attrs.get("src") and attrs.get("type") != "application/json"]
    assert inline == []
    assert any(attrs.get("src", "").endswith("js/periodictask_form.js") for attrs in page.scripts)
    assert "毎時0分、7時から19時まで" in response.content.decode()  # readable-crontabs, read by that file


def test_the_form_script_is_served(client):
    response = client.get(settings.STATIC_URL + "js/periodictask_form.js")

    assert response.status_code == 200
    assert "readable-crontabs" in b"".join(response.streaming_content).decode()


@pytest.mark.parametrize("url_name", ["crontabschedule", "intervalschedule"])
def test_the_schedule_lists_are_in_japanese(staff_client, url_name):
    response = staff_client.get(reverse(f"admin:django_celery_beat_{url_name}_changelist"))

    assert response.status_code == 200
    page = _Page(response.content.decode())
    expected = {"crontabschedule": ["内容", "毎時0分、7時から19時まで Asia/Tokyo", "0 7-19 * * *"],
                "intervalschedule": ["毎分"]}[url_name]
    for text in expected:
        assert text in page.text, text
    assert _english_left(page.text, ["Human readable", "every ", "m/h/dM/MY/d", "Between"]) == []


def test_a_crontab_page_lists_its_tasks_in_japanese(staff_client):
    crontab = PeriodicTask.objects.get(name=SCAN).crontab

    response = staff_client.get(reverse("admin:django_celery_beat_crontabschedule_change", args=[crontab.pk]))

    assert response.status_code == 200
    page = _Page(response.content.decode())
    for label in ["このスケジュールを使う定期処理", "タスク名", "位置引数", "実行する分（0〜59）"]:
        assert label in page.text, label
    assert _english_left(page.text, ["Task Name", "Positional", "Periodic Tasks Using", "Cron Minutes"]) == []


def test_two_schedules_on_one_task_are_refused_in_japanese(staff_client):
    scan = PeriodicTask.objects.get(name=SCAN)
    data = {
        "name": scan.name, "regtask": "", "task": scan.task, "enabled": "on", "description": scan.description,
        "interval": IntervalSchedule.objects.get(every=1, period="minutes").pk, "crontab": scan.crontab.pk,
        "solar": "", "clocked": "", "start_time_0": "", "start_time_1": "", "args": "[]", "kwargs": "{}",
        "expires_0": "", "expires_1": "", "expire_seconds": "3600", "queue": "", "exchange": "",
        "routing_key": "", "priority": "", "headers": "{}",
    }

    response = staff_client.post(reverse("admin:django_celery_beat_periodictask_change", args=[scan.pk]), data)

    assert response.status_code == 200  # the form again, with the error
    assert "スケジュールは1種類だけ選び、ほかは空にしてください。" in response.content.decode()
    assert "Only one of" not in response.content.decode()


def test_running_a_task_that_does_not_exist_says_so_in_japanese(staff_client):
    job = PeriodicTask.objects.create(name="存在しないタスク", task="reminders.tasks.no_such_task",
                                      interval=IntervalSchedule.objects.get(every=1, period="minutes"))

    response = staff_client.post(reverse("admin:django_celery_beat_periodictask_changelist"),
                                 {"action": "run_tasks", "_selected_action": [job.pk]}, follow=True)

    assert "タスク「reminders.tasks.no_such_task」が見つかりません。" in response.content.decode()


@pytest.mark.parametrize(("expression", "japanese"), [
    ("0 7-19 * * *", "毎時0分、7時から19時まで"),
    ("*/15 * * * *", "15分ごと"),
    ("0 9 * * 1,2,3,4,5", "月曜日から金曜日まで 9:00"),
    ("30 8 1 * *", "毎月1日 8:30"),
    ("0 0 * * 0", "毎週日曜日 0:00"),
    ("5 7,12,18 * * *", "毎日 7:05・12:05・18:05"),
    ("0 9 15 4,10 *", "4月・10月の15日 9:00"),
])
def test_crontabs_are_described_in_japanese(expression, japanese):
    assert describe_crontab(expression) == japanese


def test_schedules_read_in_japanese():
    crontab = CrontabSchedule(minute="0", hour="7-19", timezone="Asia/Tokyo")
    with translation.override("ja"):
        assert crontab.human_readable == "毎時0分、7時から19時まで Asia/Tokyo"
        assert str(crontab) == "毎時0分、7時から19時まで Asia/Tokyo（0 7-19 * * *）"
        assert str(IntervalSchedule(every=60, period="seconds")) == "60秒ごと"
        assert str(IntervalSchedule(every=1, period="minutes")) == "毎分"
        assert str(IntervalSchedule(every=2, period="days")) == "2日ごと"
    with translation.override("en"):  # other languages keep the package's own text
        assert str(crontab) == "0 7-19 * * * (m/h/dM/MY/d) Asia/Tokyo"


# --- The catalogue: the committed .mo must say what the .po says. --------------------------

def _po_entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file: {"msgid": ..., "msgstr": ... or "msgstr[0]": ..., "flags": ...}."""
    entries, entry, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry["flags"] = entry.get("flags", "") + line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def test_the_mo_file_is_compiled_from_the_po_file():
    entries = _po_entries(LOCALE / "django.po")
    with open(LOCALE / "django.mo", "rb") as mo_file:
        mo = gettext.GNUTranslations(mo_file)

    assert len(entries) > 100
    assert mo.info()["plural-forms"] == "nplurals=1; plural=0;"
    messages = 0
    for entry in entries:
        assert "fuzzy" not in entry.get("flags", ""), entry["msgid"]
        if not entry["msgid"]:
            messages += 1  # the header
            continue
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            assert entry["msgstr[0]"], entry["msgid"]
            for n in (1, 2):
                translated = (mo.npgettext(context, entry["msgid"], entry["msgid_plural"], n) if context
                              else mo.ngettext(entry["msgid"], entry["msgid_plural"], n))
                assert translated == entry["msgstr[0]"], entry["msgid"]
        else:
            assert entry["msgstr"], entry["msgid"]
            translated = mo.pgettext(context, entry["msgid"]) if context else mo.gettext(entry["msgid"])
            assert translated == entry["msgstr"], entry["msgid"]
        messages += 1
    # Nothing more in the .mo either (one plural form per message in Japanese).
    assert len(mo._catalog) == messages
