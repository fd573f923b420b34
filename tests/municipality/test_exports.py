"""The shared list downloads (municipality/exports.py): used by activities' lists and the council member roster."""

import io

from openpyxl import load_workbook

from municipality.exports import csv_response, xlsx_response


def test_csv_opens_as_japanese_in_excel_and_never_runs_a_formula():
    response = csv_response("x.csv", ["氏名", "メモ"], [["山田", "=HYPERLINK(\"http://x\")"], ["田中", "-1+1"]])
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff氏名,メモ")
    assert "'=HYPERLINK" in text and "'-1+1" in text
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


def test_xlsx_has_a_bold_header_and_sanitised_cells():
    response = xlsx_response("members.xlsx", [("構成員名簿", ["協議体", "氏名"], [["第1層", "@SUM(A1)"]])])
    sheet = load_workbook(io.BytesIO(response.content))["構成員名簿"]
    assert [c.value for c in sheet[1]] == ["協議体", "氏名"] and sheet["A1"].font.bold
    assert sheet["B2"].value == "'@SUM(A1)"
