"""様式第1〜3号: render time per form once warm, 100 certificates on A4 sheets, PDF sizes.

Targets on the 2-core machine: under 0.5 s per form once warm, 100 cards under 20 s,
each form under 300 KB.
"""

from __future__ import annotations

import statistics
import time

from coordinators import documents
from coordinators.certificates_print import render_snapshots
from coordinators.demo import demo_photo
from forms_pdf.rendering import render_pdf

FORMS = {
    "form1_appointment": "coordinators/forms/form1_appointment.html",
    "form2_card": "coordinators/forms/form2_certificate_card.html",
    "form3_dismissal": "coordinators/forms/form3_dismissal.html",
}


def _photo_data(seed: int = 1) -> str:
    """A distinct photo per card (noise makes each one as costly as a real photograph)."""
    import base64
    import io
    import random

    from PIL import Image

    image = Image.open(demo_photo(seed))
    noise = Image.frombytes("RGB", (480, 600), random.Random(seed).randbytes(480 * 600 * 3))
    out = io.BytesIO()
    Image.blend(image, noise, 0.08).save(out, format="JPEG", quality=88)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _snapshots() -> dict[str, dict]:
    notice = documents.blank_appointment_notice() | {
        "filed_on": "令和8年3月25日",
        "applicant": {"address": "汐見市汐見中央一丁目2番3号", "name": "汐見市社会福祉協議会",
                      "representative": "会長　海野 和夫"},
        "person": {"job_title": "地域福祉係 主任", "name": "松本 さくら", "birth_date": "昭和59年6月12日"},
        "appointed_on": "令和8年4月1日", "reason": "委託契約の締結に伴い選任したため。",
    }
    dismissal = documents.blank_dismissal_notice() | {
        "filed_on": "令和8年11月2日", "applicant": notice["applicant"],
        "person": {"job_title": "地域福祉係", "name": "石川 翔"}, "dismissed_on": "令和8年10月31日",
        "reason": "一身上の都合により退職したため。",
    }
    card = documents.blank_certificate() | {
        "number": "令和8-001", "name": "松本 さくら", "birth_date": "昭和59年6月12日",
        "organisation": "汐見市社会福祉協議会", "areas": "汐見中央地区、汐見南地区", "valid_from": "令和8年4月1日",
        "valid_until": "令和9年3月31日", "issued_on": "令和8年4月1日", "photo": _photo_data(),
    }
    return {"form1_appointment": notice, "form2_card": card, "form3_dismissal": dismissal}


def run(report) -> None:
    snapshots = _snapshots()
    start = time.perf_counter()
    render_pdf(FORMS["form1_appointment"], {"doc": snapshots["form1_appointment"]}, filename="x.pdf")
    report("pdf.first_render_in_process", time.perf_counter() - start, "s")
    for name, template in FORMS.items():
        timings, size = [], 0
        for _ in range(10):
            start = time.perf_counter()
            size = len(render_pdf(template, {"doc": snapshots[name]}, filename="x.pdf").content)
            timings.append(time.perf_counter() - start)
        report(f"pdf.{name}.median", statistics.median(timings), "s")
        report(f"pdf.{name}.size", size // 1024, "KB")

    cards = []
    for i in range(100):
        card = dict(snapshots["form2_card"])
        card["number"] = f"令和8-{i + 1:03d}"
        card["name"] = f"利用者 {i + 1}"
        card["photo"] = _photo_data(i)
        cards.append(card)
    start = time.perf_counter()
    rendered = render_snapshots(cards, title="bench", filename="cards.pdf")
    report("pdf.certificates_100_a4.seconds", time.perf_counter() - start, "s")
    report("pdf.certificates_100_a4.size", len(rendered.content) // 1024, "KB")
