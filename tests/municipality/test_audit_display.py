"""The audit log as the 監査 role reads it (issue 16, problem 3): Japanese labels, 和暦 to the second,
values by their labels, the stored entry kept under 記録そのもの, a fixed number of queries."""

import datetime as dt
import html
import re

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from municipality.models import Area, PlanPeriod
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:auditlog_logentry_changelist")


def text_of(response, *, results: bool = False) -> str:
    assert response.status_code == 200
    page = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    if results:  # the list's table only, without the filters beside it
        start = page.index('<table id="result_list"')
        page = page[start:page.index("</table>", start)]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def detail(client, entry: LogEntry) -> str:
    return text_of(client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])))


def latest(obj, action=LogEntry.Action.UPDATE) -> LogEntry:
    return LogEntry.objects.get_for_object(obj).filter(action=action).latest("pk")


@pytest.fixture
def changed(city_staff):
    """Real changes, as the services and the admin store them: a boolean, a link, a date, a group."""
    north = AreaFactory(code="N1", name="北地区")
    south = AreaFactory(code="S1", name="南地区", parent=north)
    south.is_active = False
    south.parent = Area.objects.get(code="L1")
    south.save()
    period = PlanPeriod.objects.create(number=11, start=dt.date(2030, 4, 1), end=dt.date(2033, 3, 31))
    period.end = dt.date(2033, 3, 30)
    period.save()
    person = UserFactory(username="kansa2", name="監査 二郎", roles=["監査"])
    return {"area": latest(south), "period": latest(period), "created": latest(period, LogEntry.Action.CREATE),
            "groups": LogEntry.objects.get_for_object(person).filter(changes__has_key="groups").latest("pk")}


def test_a_change_reads_as_item_before_and_after_in_japanese(client, auditor, changed):
    client.force_login(auditor)
    page = detail(client, changed["area"])
    assert "使用中: はい → いいえ" in page
    assert "上位の区域: 第2層 北地区 → 第1層 市全域" in page or "上位の区域: 北地区 → 市全域" in page
    assert "操作: 変更" in page and "対象: 区域「" in page
    assert re.search(r"日時: 令和\d+年\d+月\d+日 \d{2}:\d{2}:\d{2} ", page)
    assert "is_active" not in page.split("記録そのもの")[0]
    page = detail(client, changed["period"])
    assert "終了日: 令和15年3月31日 → 令和15年3月30日" in page
    assert "開始日" not in page.split("記録そのもの")[0]  # only what changed
    page = detail(client, changed["groups"])
    assert "追加 監査" in page
    created = detail(client, changed["created"])
    assert "操作: 作成" in created and "期: 11" in created and "開始日: 令和12年4月1日" in created
    # auditlog stores a new record's related managers as text: nothing of it is shown.
    assert ".None" not in created.split("記録そのもの")[0]


def test_the_list_says_the_same_without_microseconds_or_raw_names(client, auditor, changed):
    client.force_login(auditor)
    page = text_of(client.get(LIST), results=True)
    for heading in ("日時", "操作", "対象", "誰が", "内容"):
        assert heading in page
    assert "使用中: はい → いいえ" in page and "終了日: 令和15年3月31日 → 令和15年3月30日" in page
    assert "追加 監査" in page
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", page), "no microseconds"
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page), "dates in 和暦"
    assert ".None" not in page and "Correlation ID" not in page and "要求ID" not in page
    assert "is_active" not in page and "update" not in page and "Changes" not in page


def test_stored_values_are_named_by_their_labels(client, auditor, city_staff):
    """Entries as they are kept (older ones too): a list of choices, an id of a record, a boolean, a date."""
    from consultations.models import Case

    area = AreaFactory(code="K1", name="北浜地区")
    case_type = ContentType.objects.get_for_model(Case)
    entry = LogEntry.objects.create(
        content_type=case_type, object_pk="1", object_id=1, object_repr="ケース R8-0012", action=LogEntry.Action.UPDATE,
        actor=city_staff, changes={"domains": [["elderly"], ["elderly", "poverty"]], "route": ["phone", "outreach"],
                                   "closed_on": [None, "2026-11-30"], "csw": [None, city_staff.pk]})
    by_id = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Area), object_pk="9", object_id=9, object_repr="第2層 南地区",
        action=LogEntry.Action.UPDATE, actor=None,
        changes={"parent": [area.pk, 999_999], "is_active": ["True", "False"]})
    client.force_login(auditor)
    page = detail(client, entry)
    assert "分野: 高齢 → 高齢、生活困窮" in page
    assert "相談経路: 電話 → アウトリーチ" in page
    assert "終結・中断の日: （なし） → 令和8年11月30日" in page
    assert f"CSW: （なし） → {city_staff.name}" in page
    assert "対象: ケース（相談受付）「ケース R8-0012」" in page
    assert "elderly" not in page.split("記録そのもの")[0]
    assert "elderly" in page.split("記録そのもの")[1]  # the stored entry, unchanged
    page = detail(client, by_id)
    assert f"上位の区域: {area} → ID 999999（現在は存在しません）" in page
    assert "使用中: はい → いいえ" in page
    assert "誰が: システム（コマンド・定期処理）" in page


def test_a_read_names_the_fields_and_who_read_them(client, auditor):
    from consultations.access import log_read
    from tests.factories import CaseFactory

    worker = UserFactory(username="reader", name="相談 読子", roles=["相談支援員"])
    case = CaseFactory(by=worker)
    log_read(worker, case, fields=["number", "person_name", "status"], purpose="ケース一覧")
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk")
    client.force_login(auditor)
    page = detail(client, entry)
    assert "閲覧した項目: ケース番号・本人氏名・状態" in page
    assert "誰が: 相談 読子（相談支援員）" in page and "操作: 閲覧" in page and "目的: ケース一覧" in page
    assert case.person_name not in page  # a read names fields, never values
    listing = text_of(client.get(LIST))
    assert "閲覧した項目: ケース番号・本人氏名・状態" in listing and "Read fields" not in listing


def test_a_masked_case_field_stays_masked(client, auditor):
    from tests.factories import CaseFactory

    worker = UserFactory(username="writer", roles=["相談支援員"])
    case = CaseFactory(by=worker, person_phone="090-1111-2222")
    case.person_phone = "090-3333-4444"
    case.save()
    client.force_login(auditor)
    page = detail(client, latest(case))
    assert "電話番号: （記録しない項目） → （記録しない項目）" in page
    assert "090-" not in page


def test_the_detail_keeps_the_request_id_and_the_stored_entry(client, auditor, org_a):
    entry = LogEntry.objects.get_for_object(org_a).first()
    LogEntry.objects.create(content_type=entry.content_type, object_pk=entry.object_pk, object_id=entry.object_id,
                            object_repr=entry.object_repr, action=LogEntry.Action.UPDATE,
                            changes={"phone": ["", "03-1234-5678"]}, cid="req-42")
    tagged = LogEntry.objects.get(cid="req-42")
    client.force_login(auditor)
    page = client.get(reverse("admin:auditlog_logentry_change", args=[tagged.pk])).content.decode()
    assert "記録そのもの（JSON）" in page and "要求ID" in page and "req-42" in page
    assert "電話番号: （なし） → 03-1234-5678" in text_of(client.get(
        reverse("admin:auditlog_logentry_change", args=[tagged.pk])))
    same_request = text_of(client.get(LIST, {"cid": "req-42"}))
    assert "電話番号: （なし） → 03-1234-5678" in same_request


def _entries(n: int, actors: list) -> None:
    types = [ContentType.objects.get_for_model(m) for m in (Area, PlanPeriod)]
    LogEntry.objects.bulk_create(
        LogEntry(content_type=types[i % 2], object_pk=str(i), object_id=i, object_repr=f"記録{i}",
                 action=i % 4, actor=actors[i % len(actors)], changes={"name": ["前", "後"], "parent": [1, 2]},
                 timestamp=timezone.now() - dt.timedelta(minutes=i))
        for i in range(n))


def count_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?action=1", "?actor=利用者", "?q=記録"])
def test_the_list_makes_the_same_queries_for_few_and_many_entries(client, auditor, query):
    client.force_login(auditor)
    people = [UserFactory(username=f"person{i}", name=f"利用者{i}", roles=["市職員"]) for i in range(5)]
    _entries(3, people[:1])
    few = count_queries(client, LIST + query)
    _entries(60, people)
    assert count_queries(client, LIST + query) == few


def test_the_filters_an_auditor_needs(client, auditor, changed):
    client.force_login(auditor)
    area_type = ContentType.objects.get_for_model(Area)
    page = text_of(client.get(LIST, {"resource_type": area_type.pk}), results=True)
    assert "使用中: はい → いいえ" in page and "終了日:" not in page
    page = text_of(client.get(LIST, {"action": LogEntry.Action.CREATE}), results=True)
    assert " 作成 " in page and " 変更 " not in page
    assert "使用中: はい → いいえ" not in page
    page = text_of(client.get(LIST, {"q": changed["period"].object_pk}))
    assert "終了日: 令和15年3月31日 → 令和15年3月30日" in page
    today = timezone.localdate()
    page = text_of(client.get(LIST, {"timestamp__date__gte": today.isoformat(),
                                     "timestamp__date__lte": today.isoformat()}))
    assert "使用中: はい → いいえ" in page
    page = text_of(client.get(LIST, {"timestamp__date__lte": (today - dt.timedelta(days=1)).isoformat()}))
    assert "使用中: はい → いいえ" not in page
    raw = client.get(LIST).content.decode()
    assert '<select id="filter-resource_type"' in raw and "区域（" in raw  # one drop-down, Japanese names
    assert 'name="actor"' in raw and "?actor=" not in raw  # a box, not a link per person


def test_filter_by_who(client, auditor, changed):
    client.force_login(auditor)
    reader = UserFactory(username="yomu", name="読む 人", roles=["相談支援員"])
    LogEntry.objects.create(content_type=ContentType.objects.get_for_model(Area), object_pk="1", object_id=1,
                            object_repr="区域X", action=LogEntry.Action.UPDATE, actor=reader,
                            changes={"name": ["甲", "乙"]})
    page = text_of(client.get(LIST, {"actor": "読む"}))
    assert "区域名: 甲 → 乙" in page and "使用中: はい → いいえ" not in page
    page = text_of(client.get(LIST, {"actor": "yomu"}))
    assert "区域名: 甲 → 乙" in page
