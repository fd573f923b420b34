"""Bad input never gives a 500, CP932 round-trips, only city staff import, every import is logged."""

from __future__ import annotations

import csv
import io
import re

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.models import SocialResource
from municipality import importing
from municipality.models import Area, ImportRun
from tests.factories import AreaFactory, UserFactory
from tests.imports.helpers import confirm, csv_bytes, import_file, preview, xlsx

pytestmark = pytest.mark.django_db

RESOURCE_HEADERS = ["名称", "提供主体の種類", "区域", "提供している内容", "連絡先", "状態"]
AREA_HEADERS = ["区域コード", "区域名", "層", "上位の区域コード"]


@pytest.fixture
def staff(client, city_staff):
    client.force_login(city_staff)
    return client


@pytest.fixture
def area(db):
    return AreaFactory(code="L2-01", name="汐見中央地区")


def refusal(response) -> str:
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert "outcome" not in response.context
    return errors[0]


def test_cp932_names_round_trip_through_import_and_export(staff, area):
    names = ["髙橋サロン", "山﨑見守りの会", "①番街こども食堂"]
    content = csv_bytes(RESOURCE_HEADERS, [[n, "サロン", "汐見中央地区", "茶話会", "", "活動中"] for n in names])
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really CP932, as Japanese Excel writes it
    import_file(staff, "resources", content, "社会資源.csv")
    assert sorted(SocialResource.objects.values_list("name", flat=True)) == sorted(names)

    exported = staff.get(reverse("activities:resources") + "?export=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == RESOURCE_HEADERS
    assert sorted(r[0] for r in rows[1:]) == sorted(names)

    # The exported file, as it is, imports again: the same resources, changed in place.
    shown = preview(staff, "resources", exported.content, "social-resources.csv")
    assert [r.action for r in shown.context["outcome"].rows] == ["update"] * 3
    confirm(staff, "resources", shown)
    assert SocialResource.objects.count() == 3


def test_a_text_the_csv_export_neutralised_imports_back_as_the_user_wrote_it(staff, area):
    """The CSV export puts an apostrophe before a text starting with = + - @ (no formula runs when
    Excel opens it); importing that file gives the user's text back, without the apostrophe."""
    names = ["=みんなの食堂", "+プラス体操", "-ひまわり会-", "@サロン"]
    import_file(staff, "resources", csv_bytes(RESOURCE_HEADERS, [[n, "サロン", "L2-01", "茶話会", "", "活動中"]
                                                                 for n in names]), "社会資源.csv")
    assert sorted(SocialResource.objects.values_list("name", flat=True)) == sorted(names)
    exported = staff.get(reverse("activities:resources") + "?export=csv")
    assert "'=みんなの食堂" in exported.content.decode("utf-8-sig")
    shown = preview(staff, "resources", exported.content, "social-resources.csv")
    assert [r.action for r in shown.context["outcome"].rows] == ["update"] * 4
    confirm(staff, "resources", shown)
    assert sorted(SocialResource.objects.values_list("name", flat=True)) == sorted(names)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_each_encoding_excel_writes(staff, encoding):
    content = csv_bytes(AREA_HEADERS, [["L1", "﨑山市全域", 1, ""]], encoding=encoding)
    import_file(staff, "areas", content, "areas.csv")
    assert Area.objects.get().name == "﨑山市全域"


def test_dates_as_iso_and_wareki_text():
    cases = ["2024-04-01", "2024/4/1", "令和6年4月1日", "R6.4.1", "令和６年４月１日"]
    for text in cases:
        assert importing.Column("日", "d", kind="date").clean(text).isoformat() == "2024-04-01"


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("areas.csv", b"", "入力されたファイルは空です。"),  # Django's own message for an empty upload
    ("areas.xlsx", b"this is not a workbook", "xlsx ファイルとして読めません。Excel で「Excel ブック（*.xlsx）」として保存し直してください。"),
    ("areas.xlsx", b"PK\x03\x04broken zip", "xlsx ファイルとして読めません。テンプレートから作り直してください。"),
    ("areas.pdf", b"%PDF-1.4", "xlsx（Excel ブック）または CSV のファイルを選んでください。"),
    ("areas.csv", "区域コード,区域名\n".encode("utf-16"), "文字コードを読み取れません。CSV は UTF-8 または Shift_JIS（CP932）で保存してください。"),
    ("areas.csv", "コード,名前\nL1,市\n".encode(), "「区域」のテンプレートにない見出しがあります：コード、名前。テンプレートの見出しをそのまま使ってください。"),
    ("areas.csv", "区域コード,区域名\nL1,市\n".encode(), "必須の列がありません：層。"),
    ("areas.csv", "区域コード,区域名,層,区域名\n".encode(), "同じ見出しが2回あります：区域名。"),
    ("areas.csv", "区域コード,区域名,層\nL1,市,1,余分\n".encode(), "列の数が見出しと合わない行があります。テンプレートの列のまま保存してください。"),
])
def test_a_bad_file_is_refused_with_a_reason(staff, filename, content, message):
    response = staff.post(reverse("admin:imports_upload", args=["areas"]), {"file": SimpleUploadedFile(filename, content)})
    assert refusal(response) == message
    assert not Area.objects.exists()


def test_an_empty_xlsx_and_a_file_too_large(staff, settings, monkeypatch):
    empty = xlsx([], [])
    response = staff.post(reverse("admin:imports_upload", args=["areas"]), {"file": SimpleUploadedFile("a.xlsx", empty)})
    assert refusal(response) in ("ファイルに見出しの行がありません。",)
    monkeypatch.setattr(importing, "MAX_BYTES", 1024 * 1024)
    big = b"x" * (1024 * 1024 + 1)
    response = staff.post(reverse("admin:imports_upload", args=["areas"]), {"file": SimpleUploadedFile("a.csv", big)})
    assert refusal(response) == "ファイルが大きすぎます（上限 1 MB）。"


def test_a_file_of_more_rows_than_one_request_can_run_is_refused_whole(staff):
    """10,000 rows run in about 41 s (bench/imports.py), under gunicorn's 60 s: one row more is
    refused before any row runs, with the limit named, rather than cut off by the timeout."""
    assert importing.MAX_ROWS == 10_000
    rows = [[f"地区{i}", f"T{i:05d}", 2, ""] for i in range(importing.MAX_ROWS + 1)]
    content = csv_bytes(["区域名", "区域コード", "層", "上位の区域コード"], rows)
    response = staff.post(reverse("admin:imports_upload", args=["areas"]), {"file": SimpleUploadedFile("a.csv", content)})
    assert refusal(response) == "行が多すぎます（上限 10,000 行）。ファイルを分けて取り込んでください。"
    assert not Area.objects.filter(code__startswith="T0").exists()


def test_a_bad_cell_is_a_reason_not_an_error(staff):
    content = xlsx(AREA_HEADERS, [["L1", "市", "いち", ""], ["", "名前だけ", 2, "L1"]])
    rows = preview(staff, "areas", content, "a.xlsx").context["outcome"].rows
    assert [(r.line, r.reasons) for r in rows] == [
        (2, ["「層」は数字で入力してください（「いち」）。"]),
        (3, ["「区域コード」を入力してください。"]),
    ]


def test_double_submit_of_the_confirmation_imports_once(staff):
    content = xlsx(AREA_HEADERS, [["L1", "汐見市全域", 1, ""]])
    shown = preview(staff, "areas", content, "areas.xlsx")
    token = re.search(r'name="once_token" value="([0-9a-f-]+)"', shown.content.decode()).group(1)
    first = confirm(staff, "areas", shown, token=token)
    second = confirm(staff, "areas", shown, token=token)
    assert first.status_code == second.status_code == 302
    assert Area.objects.count() == 1
    assert ImportRun.objects.count() == 1


def test_the_import_is_in_the_audit_log(staff, city_staff):
    import_file(staff, "areas", xlsx(AREA_HEADERS, [["L1", "汐見市全域", 1, ""], ["L2-01", "中央", 2, "L1"]]),
                "区域台帳.xlsx")
    run = ImportRun.objects.get()
    assert (run.imported_by, run.ledger, run.ledger_label, run.filename, run.created_count, run.updated_count,
            run.refused_count, run.saved) == (city_staff, "areas", "区域", "区域台帳.xlsx", 2, 0, 0, True)
    entry = LogEntry.objects.get_for_object(run).get()
    assert entry.actor == city_staff
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes_dict["filename"] == [None, "区域台帳.xlsx"]
    assert entry.changes_dict["created_count"] == [None, 2]
    # The areas themselves are logged too, with the same actor.
    area = Area.objects.get(code="L2-01")
    assert LogEntry.objects.get_for_object(area).get().actor == city_staff


@pytest.mark.parametrize("roles", [["協議体事務局"], ["監査"], ["受託団体"], ["コーディネーター"], ["相談支援員"]])
def test_only_city_staff_reach_the_import(client, roles):
    user = UserFactory(username="other", roles=roles, is_staff=roles[0] in ("協議体事務局", "監査"))
    client.force_login(user)
    content = xlsx(AREA_HEADERS, [["L1", "汐見市全域", 1, ""]])
    pages = [
        client.get(reverse("admin:imports_index")),
        client.get(reverse("admin:imports_upload", args=["areas"])),
        client.get(reverse("admin:imports_template", args=["areas", "xlsx"])),
        client.post(reverse("admin:imports_upload", args=["areas"]), {"file": SimpleUploadedFile("a.xlsx", content)}),
        client.post(reverse("admin:imports_confirm", args=["areas"]), {"upload": "0" * 32}),
    ]
    expected = 404 if user.is_staff else 302  # the admin sends users who are not staff to its login
    assert [p.status_code for p in pages] == [expected] * 5
    assert not Area.objects.exists()
    assert "区域の取り込み" not in client.get(reverse("admin:municipality_area_changelist")).content.decode()


def test_templates_have_the_japanese_headers(staff):
    from openpyxl import load_workbook

    for ledger in importing.all_ledgers():
        book = load_workbook(io.BytesIO(staff.get(reverse("admin:imports_template", args=[ledger.key, "xlsx"])).content))
        assert [c.value for c in next(book[ledger.label[:31]].iter_rows(max_row=1))] == ledger.headers
        assert book.sheetnames == [ledger.label[:31], "記入方法"]
        text = staff.get(reverse("admin:imports_template", args=[ledger.key, "csv"])).content.decode("cp932")
        assert text.strip().split(",") == ledger.headers


def test_a_previewed_file_nobody_imported_is_deleted_after_a_day(staff, settings, tmp_path):
    """The waiting file may hold names and birth dates: the heartbeat job removes it after a day."""
    import os
    import time

    from municipality.import_jobs import PENDING_FOLDER
    from municipality.tasks import record_worker_heartbeat

    settings.MEDIA_ROOT = str(tmp_path)
    content = csv_bytes(AREA_HEADERS, [["L2-01", "汐見中央地区", "2", ""]])
    preview(staff, "areas", content, "old.csv")
    preview(staff, "areas", content, "new.csv")
    folder = tmp_path / PENDING_FOLDER
    old, new = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime)
    day_and_a_minute_ago = time.time() - 24 * 3600 - 60
    os.utime(old, (day_and_a_minute_ago, day_and_a_minute_ago))

    record_worker_heartbeat.apply()
    assert [p.name for p in folder.iterdir()] == [new.name]
