"""様式第1〜3号: the text of each PDF, in the seed's order; fonts embedded; kept as issued."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from coordinators import services
from coordinators.certificates_print import sheets_of
from forms_pdf.models import IssuedDocument
from municipality.models import Municipality
from tests.conftest import name_city
from tests.lifecycle import CONTRACT_START, file_notice

pytestmark = pytest.mark.django_db

MM = 72 / 25.4


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Text without spaces and line breaks, to compare wording across layout."""
    return re.sub(r"\s+", "", text.replace("\u3000", ""))


def in_order(text: str, parts: list[str]) -> None:
    position = 0
    for part in parts:
        found = text.find(flat(part), position)
        assert found >= 0, f"{part!r} not found after position {position}"
        position = found + len(flat(part))


def fonts_of(pdf: bytes) -> list[tuple[str, bool]]:
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(font["/BaseFont"]), embedded))
    return found


@pytest.fixture(autouse=True)
def city(db):
    name_city("汐見市")
    municipality = Municipality.objects.current()
    municipality.mayor_title = "汐見市長"
    municipality.coordinator_term = "地域支え合い推進員"
    municipality.certificate_department = "汐見市福祉部高齢福祉介護課"
    municipality.save()


@pytest.fixture
def org_details(org_a):
    org_a.address = "汐見市松林一丁目1番1号"
    org_a.representative_title = "理事長"
    org_a.representative_name = "山田 太郎"
    org_a.save()
    return org_a


def test_form1_holds_the_seed_items_in_order(contract_a, contractor_a, org_details):
    notice = file_notice(contract_a, contractor_a)
    text = flat(text_of(bytes(notice.document.pdf)))
    in_order(text, [
        "様式第１号", "令和8年3月25日", "（あて先）汐見市長",
        "届出者", "所在地又は住所", "汐見市松林一丁目1番1号", "商号又は名称", "社会福祉法人Ａ会",
        "代表者職氏名", "理事長", "山田 太郎",
        "地域支え合い推進員選任届出書",
        "汐見市地域支え合い推進員配置業務委託に伴い、下記のとおり地域支え合い推進員を選任したので届け出ます。",
        "記", "１　選任した者", "（職　名）", "主任", "（氏　名）", "松本 さくら", "（生年月日）", "昭和59年6月12日",
        "２　選任年月日", "令和8年4月1日", "３　選任事由", "委託契約の締結に伴い選任したため。",
    ])


def test_form2_card_front_and_back(accepted, city_user):
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    pdf = bytes(certificate.document.pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert width == pytest.approx(85.6 * MM, abs=0.5)
    assert height == pytest.approx(53.98 * MM, abs=0.5)
    front = flat(reader.pages[0].extract_text())
    in_order(front, ["令和8-001", "地域支え合い推進員証", "氏名", "松本 さくら", "生年月日", "昭和59年6月12日",
                     "上記の者は、地域支え合い推進員であることを証明します。", "期間", "令和8年4月1日", "から",
                     "令和9年3月31日", "まで"])
    assert "汐見市長" in front
    back = flat(reader.pages[1].extract_text())
    in_order(back, [
        "注意事項",
        "１．本証明書は、地域支え合い推進員活動以外の目的に使用することはできませんが、活動に際しては、常用すること。",
        "２．本証明書は、他人に貸与又は譲渡しないこと。",
        "３．本証明書は、紛失、汚損しないように注意すること。",
        "４．本証明書を、紛失した場合は、速やかに汐見市福祉部高齢福祉介護課に届けること。",
        "５．身分を失った場合は、速やかに汐見市福祉部高齢福祉介護課に返還すること。",
    ])
    assert len(reader.pages[0].images) == 1  # the photo


def test_form3_holds_the_seed_items_in_order(accepted, contractor_a, org_details):
    notice = services.dismissal_notice_file(
        organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
        dismissed_on=dt.date(2026, 10, 31), reason="一身上の都合により退職したため。", certificate_returned=True,
        filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))
    text = flat(text_of(bytes(notice.document.pdf)))
    in_order(text, [
        "様式第３号", "令和8年11月2日", "（あて先）汐見市長", "届出者", "所在地又は住所", "商号又は名称", "代表者職氏名",
        "地域支え合い推進員解任届出書",
        "汐見市地域支え合い推進員配置業務委託に伴い、下記のとおり地域支え合い推進員を解任したので届け出ます。",
        "記", "１　解任した者", "（職　名）", "主任", "（氏　名）", "松本 さくら",
        "２　解任年月日", "令和8年10月31日", "３　解任事由", "一身上の都合により退職したため。",
        "４　添付書類", "地域支え合い推進員証",
    ])


def test_settings_choose_the_wording(contract_a, contractor_a):
    municipality = Municipality.objects.current()
    municipality.name, municipality.mayor_title = "千葉市", "千葉市長"
    municipality.coordinator_term = "生活支援コーディネーター"
    municipality.save()
    notice = file_notice(contract_a, contractor_a)
    text = flat(text_of(bytes(notice.document.pdf)))
    assert "（あて先）千葉市長" in text
    assert "生活支援コーディネーター選任届出書" in text


def test_every_pdf_embeds_its_japanese_font_as_a_subset(accepted, city_user, client):
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    client.force_login(city_user)
    pdfs = [bytes(certificate.document.pdf), bytes(accepted.notice.document.pdf)]
    for kind in ["form1", "form2", "form3"]:
        pdfs.append(client.get(reverse("coordinators:blank_form", args=[kind])).content)
    for pdf in pdfs:
        fonts = fonts_of(pdf)
        assert fonts, "no font"
        for name, embedded in fonts:
            assert embedded, name
            assert re.match(r"/[A-Z]{6}\+", name), f"{name} is not a subset"
            assert "Mincho" in name or "Serif" in name, f"{name} is not a 明朝 face"
        assert len(pdf) < 300 * 1024


@pytest.mark.parametrize(("kind", "parts"), [
    ("form1", ["様式第１号", "令和年月日", "（あて先）汐見市長", "地域支え合い推進員選任届出書", "１　選任した者", "２　選任年月日", "令和年月日", "３　選任事由"]),
    ("form2", ["地域支え合い推進員証", "氏名", "上記の者は、地域支え合い推進員であることを証明します。", "汐見市長", "注意事項"]),
    ("form3", ["様式第３号", "令和年月日", "地域支え合い推進員解任届出書", "１　解任した者", "２　解任年月日", "４　添付書類"]),
])
def test_blank_forms(client, contractor_a, kind, parts):
    client.force_login(contractor_a)
    response = client.get(reverse("coordinators:blank_form", args=[kind]))
    assert response["Content-Type"] == "application/pdf"
    in_order(flat(text_of(response.content)), parts)


def test_an_issued_document_is_never_rendered_again(accepted, city_user, client):
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    issued = bytes(certificate.document.pdf)
    coordinator = certificate.coordinator
    coordinator.name = "改姓 さくら"
    coordinator.save()
    municipality = Municipality.objects.current()
    municipality.mayor_title = "別の市長"
    municipality.save()
    client.force_login(city_user)
    response = client.get(reverse("documents:pdf", args=[certificate.document_id]))
    assert response.content == issued
    assert "松本さくら" in flat(text_of(response.content))
    # The A4 sheet is built from the stored snapshot too.
    sheet = client.get(reverse("coordinators:certificate_sheet", args=[certificate.pk]))
    assert "松本さくら" in flat(text_of(sheet.content))
    assert "改姓" not in flat(text_of(sheet.content))


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_an_issued_document(accepted):
    document = accepted.notice.document
    with pytest.raises(DatabaseError, match="変更できません"), transaction.atomic():
        IssuedDocument.objects.filter(pk=document.pk).update(pdf=b"%PDF-forged")
    # Django's PROTECT would stop an ORM delete first; the database refuses even raw SQL.
    with pytest.raises(DatabaseError, match="削除できません"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM forms_pdf_issueddocument WHERE id = %s", [document.pk])
    # Nor any other column: the title and organisation decide whose scope the document is in.
    with pytest.raises(DatabaseError, match="変更できません"), transaction.atomic():
        IssuedDocument.objects.filter(pk=document.pk).update(title="件名の修正")


def test_the_admin_offers_no_way_to_change_or_delete(client, city_user, accepted):
    client.force_login(city_user)
    document = accepted.notice.document
    assert client.post(reverse("admin:forms_pdf_issueddocument_delete", args=[document.pk]), {"post": "yes"}).status_code == 403
    assert IssuedDocument.objects.filter(pk=document.pk).exists()


def test_sheet_backs_swap_columns_for_duplex_printing():
    cards = [{"n": i} for i in range(3)]
    sheet = sheets_of(cards)[0]
    assert sheet["fronts"][:4] == [{"n": 0}, {"n": 1}, {"n": 2}, None]
    assert sheet["backs"][:4] == [{"n": 1}, {"n": 0}, None, {"n": 2}]
    assert len(sheets_of([{}] * 11)) == 2


def test_print_certificates_command(accepted, city_user, contract_a, contractor_a, tmp_path):
    services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    second = services.appointment_notice_accept(notice=file_notice(contract_a, contractor_a, name="井上 大輔"),
                                                accepted_by=city_user)
    services.certificate_issue(appointment=second, issued_by=city_user, issued_on=dt.date(2026, 5, 1))
    output = tmp_path / "cards.pdf"
    out = io.StringIO()
    call_command("print_certificates", "--fiscal-year", "2026", "--output", str(output), stdout=out)
    assert "2枚" in out.getvalue()
    reader = PdfReader(str(output))
    assert len(reader.pages) == 2  # one sheet of fronts, one of backs
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width / MM), round(height / MM)) == (210, 297)
    fronts = flat(reader.pages[0].extract_text())
    assert "令和8-001" in fronts and "令和8-002" in fronts
    assert "注意事項" in flat(reader.pages[1].extract_text())


def test_print_certificates_for_a_year_without_any(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="令和7年度に交付した証はありません"):
        call_command("print_certificates", "--fiscal-year", "2025", "--output", str(tmp_path / "x.pdf"))


# --- The card's lines (issue 16 item 11) ---------------------------------------------------------

def _layout_text(pdf: bytes, tmp_path) -> list[str]:
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) が必要です")
    path = tmp_path / "card.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def test_no_sentence_of_the_card_leaves_a_character_or_two_alone_on_its_last_line(accepted, city_user, tmp_path):
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    lines = _layout_text(bytes(certificate.document.pdf), tmp_path)
    assert any(line.endswith("証明します。") and "証明します。" in line for line in lines), lines
    assert "す。" not in lines and "します。" not in lines
    # The back: each item's last line (the line that ends with 。) holds more than two characters.
    item_5 = lines.index(next(line for line in lines if line.startswith("５．")))
    last = next(line for line in lines[item_5:] if line.endswith("。"))
    assert len(last) > 2, lines[item_5:]
    assert all(len(line) > 2 for line in lines if line.endswith("。")), lines


def test_the_photo_leaves_every_line_of_its_frame_visible(accepted, city_user, tmp_path):
    import base64
    import shutil
    import subprocess

    from PIL import Image

    from coordinators.documents import certificate_snapshot
    from forms_pdf.rendering import render_pdf

    if not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftoppm) が必要です")
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    white = io.BytesIO()
    Image.new("RGB", (480, 600), (255, 255, 255)).save(white, format="JPEG")
    card = certificate_snapshot(certificate) | {
        "photo": "data:image/jpeg;base64," + base64.b64encode(white.getvalue()).decode()}
    pdf = render_pdf("coordinators/forms/form2_certificate_card.html", {"doc": card}, filename="card.pdf").content
    (tmp_path / "card.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-gray", "-png", str(tmp_path / "card.pdf"),
                    str(tmp_path / "front")], check=True)
    image = Image.open(next(tmp_path.glob("front*.png"))).convert("L")
    px = 300 / 25.4  # pixels a millimetre
    # The frame: 24 × 30 mm, 4 mm from the right edge, 12.5 mm from the top, a 0.2 mm line.
    left, right, top, bottom = 85.6 - 4 - 24, 85.6 - 4, 12.5, 12.5 + 30
    middle_y, middle_x = round((top + bottom) / 2 * px), round((left + right) / 2 * px)
    edges = {
        "left": [image.getpixel((x, middle_y)) for x in range(round((left - 0.5) * px), round((left + 0.5) * px))],
        "right": [image.getpixel((x, middle_y)) for x in range(round((right - 0.5) * px), round((right + 0.5) * px))],
        "top": [image.getpixel((middle_x, y)) for y in range(round((top - 0.5) * px), round((top + 0.5) * px))],
        "bottom": [image.getpixel((middle_x, y)) for y in range(round((bottom - 0.5) * px), round((bottom + 0.5) * px))],
    }
    assert {side: min(values) < 128 for side, values in edges.items()} == dict.fromkeys(edges, True)
