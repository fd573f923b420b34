"""The shared list downloads (municipality/exports.py): used by activities' lists and the council member roster."""

import io
import zipfile
from xml.etree import ElementTree

from openpyxl import load_workbook

from municipality.exports import csv_response, xlsx_response


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
