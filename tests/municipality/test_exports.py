"""The shared list downloads (municipality/exports.py): every list's CSV (UTF-8, CP932) and xlsx."""

import csv
import datetime as dt
import io
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from activities.models import SocialResource
from municipality.exports import (
    WAREKI_DATE_FORMAT,
    WAREKI_DATETIME_FORMAT,
    csv_response,
    to_cp932,
    xlsx_response,
)
from tests.factories import AreaFactory, SocialResourceFactory
from tests.imports.helpers import import_file


def test_csv_opens_as_japanese_in_excel_and_never_runs_a_formula():
    response = csv_response("x.csv", ["氏名", "メモ"], [["山田", "=HYPERLINK(\"http://x\")"], ["田中", "-1+1"]])
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff氏名,メモ")
    assert "'=HYPERLINK" in text and "'-1+1" in text
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


def test_xlsx_has_a_bold_header():
    response = xlsx_response("members.xlsx", [("構成員名簿", ["協議体", "氏名"], [["第1層", "山田"]])])
    sheet = load_workbook(io.BytesIO(response.content))["構成員名簿"]
    assert [c.value for c in sheet[1]] == ["協議体", "氏名"] and sheet["A1"].font.bold


TRICKY = ["=HYPERLINK(\"http://x\",\"押す\")", "@SUM(A1)", "+81 3-1234-5678", "-1+1", "=1+1", "ふつうの文"]
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet_cells(content: bytes) -> dict[str, tuple[str | None, str | None, str]]:
    """{reference: (cell type, formula, text)} read from the file's XML, not by openpyxl, which wrote it."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        shared = [] if "xl/sharedStrings.xml" not in package.namelist() else [
            "".join(t.text or "" for t in si.iter(f"{MAIN}t"))
            for si in ElementTree.fromstring(package.read("xl/sharedStrings.xml")).iter(f"{MAIN}si")]
        sheet = ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter(f"{MAIN}c"):
        formula, value = c.find(f"{MAIN}f"), c.find(f"{MAIN}v")
        text = value.text if value is not None and value.text is not None else ""
        if c.get("t") == "s":
            text = shared[int(text)]
        elif c.get("t") == "inlineStr":
            text = "".join(t.text or "" for t in c.iter(f"{MAIN}t"))
        cells[c.get("r")] = (c.get("t"), None if formula is None else formula.text, text)
    return cells


def test_xlsx_keeps_the_users_text_as_text_cells_and_no_formula():
    response = xlsx_response("notes.xlsx", [("メモ", ["メモ"], [[value] for value in TRICKY])])
    cells = sheet_cells(response.content)
    for row, value in enumerate(TRICKY, start=2):
        kind, formula, text = cells[f"A{row}"]
        assert kind in ("s", "inlineStr") and formula is None, value  # a text cell: nothing to run
        assert text == value  # and no apostrophe in front of it


# --- CP932 (Shift_JIS for Japanese Excel) -------------------------------------------------------

def test_cp932_csv_keeps_taka_and_saki_and_puts_geta_for_what_it_lacks():
    names = ["髙橋 一郎", "山﨑 花子", "𠮷田 太郎"]  # U+9AD9, U+FA11 (in CP932), U+20BB7 (not)
    response = csv_response("x.csv", ["氏名"], [[name] for name in names], encoding="cp932")
    assert response["Content-Type"] == "text/csv; charset=Windows-31J"
    assert not response.content.startswith(b"\xef\xbb\xbf")  # no BOM: it is not UTF-8
    text = response.content.decode("cp932")
    assert text.splitlines() == ["氏名", "髙橋 一郎", "山﨑 花子", "〓田 太郎"]


def test_cp932_writes_the_wave_dash_and_minus_typed_on_a_mac_as_excels_characters():
    # U+301C and U+2212 are not in CP932; its own characters for them are U+FF5E and U+FF0D.
    assert to_cp932("10時\u301c12時 \u2212").decode("cp932") == "10時～12時 －"


def test_cp932_csv_still_neutralises_formulas():
    response = csv_response("x.csv", ["メモ"], [["=1+1"], ["@SUM(A1)"]], encoding="cp932")
    assert response.content.decode("cp932").splitlines()[1:] == ["'=1+1", "'@SUM(A1)"]


def test_the_utf8_csv_is_still_the_default():
    response = csv_response("x.csv", ["氏名"], [["髙橋"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines() == ["氏名", "髙橋"]


def test_csv_shows_dates_in_wareki_as_the_screens_do():
    moment = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)  # 08:30 the next day in Tokyo
    response = csv_response("x.csv", ["日", "日時", "空", "可否"], [[dt.date(2019, 5, 1), moment, None, True]])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["令和元年5月1日", "令和8年11月23日 08:30", "", "はい"]


# --- xlsx dates ---------------------------------------------------------------------------------

def date_cells(content: bytes) -> dict[str, tuple[str | None, str, str | None]]:
    """{reference: (cell type, value, number format code)} read from the file's XML, not by openpyxl."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        styles = ElementTree.fromstring(package.read("xl/styles.xml"))
        sheet = ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))
    codes = {f.get("numFmtId"): f.get("formatCode") for f in styles.iter(f"{MAIN}numFmt")}
    xfs = [xf.get("numFmtId") for xf in styles.find(f"{MAIN}cellXfs").iter(f"{MAIN}xf")]
    cells = {}
    for c in sheet.iter(f"{MAIN}c"):
        value = c.find(f"{MAIN}v")
        cells[c.get("r")] = (c.get("t"), None if value is None else value.text,
                             codes.get(xfs[int(c.get("s", "0"))]))
    return cells


def test_xlsx_dates_are_date_cells_shown_in_wareki():
    moment = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)
    response = xlsx_response("x.xlsx", [("記録", ["日", "日時", "人数"], [[dt.date(2026, 11, 23), moment, 3]])])
    cells = date_cells(response.content)
    # A number (no t="s"/"str": Excel sorts and filters it as a date) with the 和暦 format.
    kind, value, code = cells["A2"]
    assert kind in (None, "n") and (value, code) == ("46349", WAREKI_DATE_FORMAT)  # 2026-11-23 (1900 system)
    kind, value, code = cells["B2"]
    assert kind in (None, "n") and code == WAREKI_DATETIME_FORMAT
    assert float(value) == pytest.approx(46349 + 8.5 / 24)  # the local time (Asia/Tokyo), 08:30
    assert cells["C2"][0] in (None, "n") and cells["C2"][1] == "3"
    assert 'ggge"年"m"月"d"日"' in WAREKI_DATE_FORMAT
    sheet = load_workbook(io.BytesIO(response.content))["記録"]
    assert sheet["A2"].is_date and sheet["A2"].value.date() == dt.date(2026, 11, 23)


def test_an_xlsx_text_cell_beside_a_date_is_still_neutralised():
    response = xlsx_response("x.xlsx", [("メモ", ["メモ", "日"], [["=1+1", dt.date(2026, 11, 23)]])])
    assert sheet_cells(response.content)["A2"][:2] in (("s", None), ("inlineStr", None))


# --- The round trip: a CP932 export imports back unchanged ------------------------------------

@pytest.mark.django_db
def test_resources_named_with_taka_and_saki_round_trip_through_cp932_export_and_import(client, city_staff):
    area = AreaFactory(code="L2-01", name="汐見中央地区")
    originals = [("髙橋さんの庭カフェ", "+81 467-00-0000"), ("山﨑食堂", "=連絡は社協へ")]
    for name, contact in originals:
        SocialResourceFactory(name=name, area=area, offers="茶話会", contact=contact)
    client.force_login(city_staff)
    exported = client.get(reverse("activities:resources"), {"export": "csv_cp932"})
    assert exported.status_code == 200
    assert "髙橋さんの庭カフェ" in exported.content.decode("cp932")
    SocialResource.objects.all().delete()  # a new city: nothing yet

    import_file(client, "resources", exported.content, "social-resources.csv")
    assert sorted(SocialResource.objects.values_list("name", "contact", "area__code", "offers")) == sorted(
        (name, contact, "L2-01", "茶話会") for name, contact in originals)
