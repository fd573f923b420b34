"""The audit log's admin list and an entry's page, as the 監査 role opens them, over 200,000 entries
(``--scale 10``: 2,000,000) written by ``bulk_create``: changes of areas, organisations and users,
reads of cases, over two years, by 200 people.

Figures: the list's median and query count, unfiltered and narrowed by each filter an auditor uses
(操作, 対象の種類, 誰が, a date range, a search by object id), and an entry's page (issue 16: the
list took 3.6 s on the large data).
"""

from __future__ import annotations

import datetime as dt
import random

from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from bench._util import report_page, scaled, timed
from municipality.models import Area, Organisation, User
from municipality.roles import Role

ENTRIES = scaled(200_000)
PEOPLE = 200
BATCH = 5_000


def _changes(kind: str, rng: random.Random) -> dict:
    if kind == "read":
        return {"read_fields": ["person_name", "person_kana", "person_birth_date", "household", "plans"]}
    if kind == "area":
        return {"is_active": [True, False], "name": ["旧地区", f"地区{rng.randrange(1000)}"]}
    if kind == "organisation":
        return {"phone": ["", "03-1234-5678"], "address": ["（記録しない項目）", "（記録しない項目）"]}
    return {"groups": {"type": "m2m", "operation": "add", "objects": ["コーディネーター"]}}


def build() -> None:
    if LogEntry.objects.count() >= ENTRIES:
        return
    from consultations.models import Case

    rng = random.Random(16)
    people = [User(username=f"bench-audit-{i:03d}", name=f"監査用 利用者{i}") for i in range(PEOPLE)]
    User.objects.bulk_create(people, ignore_conflicts=True)
    people = list(User.objects.filter(username__startswith="bench-audit-"))
    area = Area.objects.create(code="AUDIT-L1", name="監査ベンチ地区", layer=1)
    organisation = Organisation.objects.create(name="監査ベンチ法人")
    kinds = {
        "read": (ContentType.objects.get_for_model(Case), LogEntry.Action.ACCESS, "ケース R8-{:04d}"),
        "area": (ContentType.objects.get_for_model(Area), LogEntry.Action.UPDATE, "第1層 地区{}"),
        "organisation": (ContentType.objects.get_for_model(Organisation), LogEntry.Action.UPDATE, "法人{}"),
        "user": (ContentType.objects.get_for_model(User), LogEntry.Action.UPDATE, "利用者{}"),
    }
    names = list(kinds)
    start = timezone.now() - dt.timedelta(days=730)
    step = dt.timedelta(days=730) / ENTRIES
    for first in range(0, ENTRIES, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, ENTRIES)):
            kind = rng.choices(names, weights=[6, 1, 1, 2])[0]
            content_type, action, label = kinds[kind]
            object_id = {"area": area.pk, "organisation": organisation.pk}.get(kind, rng.randrange(1, 5000))
            rows.append(LogEntry(
                content_type=content_type, object_pk=str(object_id), object_id=object_id,
                object_repr=label.format(object_id), action=action, changes=_changes(kind, rng),
                actor=rng.choice(people), timestamp=start + step * i, cid=f"bench-{i // 3}",
                additional_data={"purpose": "ケースの閲覧"} if kind == "read" else None))
        LogEntry.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE auditlog_logentry")


def run(report) -> None:
    report("audit_log.build", timed(build), "s")
    report("audit_log.entries", LogEntry.objects.count(), "rows")
    auditor = User.objects.create_user("bench-auditor", password="x", name="監査 担当", is_staff=True)
    auditor.groups.set([Group.objects.get(name=Role.AUDITOR.value)])
    from django.test import Client

    client = Client()
    client.force_login(auditor)
    base = "/admin/auditlog/logentry/"
    entry = LogEntry.objects.order_by("-timestamp").values_list("pk", "actor__username", "object_pk").first()
    case_type = ContentType.objects.get(app_label="consultations", model="case").pk
    today = timezone.localdate()
    for name, url in [
        ("list", base),
        ("list_reads", f"{base}?action=3"),
        ("list_by_model", f"{base}?resource_type={case_type}"),
        ("list_by_user", f"{base}?actor={entry[1]}"),
        ("list_by_dates", f"{base}?timestamp__date__gte={today - dt.timedelta(days=30)}"
                          f"&timestamp__date__lte={today}"),
        ("list_search_id", f"{base}?q={entry[2]}"),
        ("detail", f"{base}{entry[0]}/change/"),
    ]:
        response = client.get(url)
        if response.status_code != 200:
            report(f"audit_log.{name}", f"answered {response.status_code}", "")
            continue
        report_page(report, f"audit_log.{name}", client, url, repeat=10)
