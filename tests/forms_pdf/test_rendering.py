"""What render_pdf does for speed changes nothing on the paper: style sheets parsed once still cascade
as written, an inline photo is embedded once with its own bytes, and a form's columns stand where
the tables put them."""

import base64
import io
import re
import shutil
import subprocess

import pytest
from django.template.loader import render_to_string
from PIL import Image
from pypdf import PdfReader

from coordinators import documents
from forms_pdf import rendering
from forms_pdf.rendering import html_to_pdf

MM = 72 / 25.4


def jpeg(size=(480, 600), colour=(200, 120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=88)
    return out.getvalue()


def images_of(pdf: bytes) -> list:
    reader = PdfReader(io.BytesIO(pdf))
    found = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            found[ref.idnum] = ref.get_object()
    return list(found.values())


def word_positions(pdf: bytes, tmp_path) -> dict[str, float]:
    """Each word of page 1 and the x (in points) where it starts, as poppler reads it."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) が必要です")
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return {word: float(x) for x, word in re.findall(r'<word xMin="([0-9.]+)"[^>]*>([^<]+)</word>', out)}


def test_an_inline_photo_is_embedded_once_with_its_stored_bytes_and_resolution():
    photo = jpeg()
    url = "data:image/jpeg;base64," + base64.b64encode(photo).decode()
    html = f'<html lang="ja"><body><img src="{url}" style="width: 24mm"><img src="{url}" style="width: 24mm"></body></html>'

    (image,) = images_of(html_to_pdf(html, filename="x.pdf").content)

    assert (image["/Width"], image["/Height"]) == (480, 600)
    assert image["/Filter"] == "/DCTDecode"
    assert image._data == photo  # the JPEG as stored, not decoded and encoded again


def test_a_style_sheet_is_parsed_once_and_still_cascades_as_written():
    css = "@page { size: A5; margin: 10mm } p { color: #ff0000 } p.note { color: #00ff00 }"
    html = (f'<html lang="ja"><head><style>{css}</style></head><body><p>赤</p><p class="note">緑</p>'
            '<p class="note" style="color: #0000ff">青</p></body></html>')
    rendering._stylesheet.cache_clear()

    first = html_to_pdf(html, filename="x.pdf").content
    second = html_to_pdf(html, filename="x.pdf").content

    assert rendering._stylesheet.cache_info().misses == 1
    assert first == second
    page = PdfReader(io.BytesIO(first)).pages[0]
    assert [round(float(v) / MM) for v in page.mediabox[2:]] == [148, 210]  # A5 from the sheet's @page
    content = page.get_contents().get_data()
    # The element rule, the more specific class rule, and the style attribute over both.
    assert b"1 0 0 rg" in content and b"0 1 0 rg" in content and b"0 0 1 rg" in content


@pytest.mark.django_db
@pytest.mark.parametrize("job_title, wider", [("地域福祉係 主任", False), ("地域福祉課 地域支え合い推進係 主任", True)])
def test_form1_columns_stand_where_the_table_put_them(job_title, wider, tmp_path):
    """Short values are set as paragraphs, long ones in the table that widens its column: 生年月日
    starts 25mm + 2em + 5.8em + 10em from the page's edge unless a value needs more (11pt = 1em)."""
    doc = documents.blank_appointment_notice() | {
        "person": {"job_title": job_title, "name": "松本 さくら", "birth_date": "昭和59年6月12日"}}
    pdf = html_to_pdf(render_to_string("coordinators/forms/form1_appointment.html", {"doc": doc}), filename="x").content

    x = word_positions(pdf, tmp_path)["（生年月日）"]

    table_position = 25 * MM + (2 + 5.8 + 10) * 11
    assert x > table_position + 1 if wider else x == pytest.approx(table_position, abs=0.01)


def test_a_gunicorn_worker_renders_a_pdf_with_both_fonts_before_serving(monkeypatch):
    """config/gunicorn.py's post_worker_init warms the renderer: the PDF it renders embeds the
    Mincho and the Gothic font a form uses, so the first user's PDF pays for neither."""
    from config import gunicorn

    rendered, real = [], rendering.warm_up
    monkeypatch.setattr(rendering, "warm_up", lambda: rendered.append(real()))
    gunicorn.post_worker_init(worker=None)
    assert len(rendered) == 1
    reader = PdfReader(io.BytesIO(rendered[0]))
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("IPAexMincho" in name for name in fonts) and any("IPAexGothic" in name for name in fonts), fonts
    assert "開催通知" in reader.pages[0].extract_text()

