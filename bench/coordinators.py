"""PDF forms: each against a bare render of its own text, 100 certificates on A4 sheets, PDF sizes.

A form's figure is a ratio, not a time, because the machine is shared and absolute times are noisy:
the form and a *bare render* (an A4 page holding only the form's printed text, one paragraph a
line, in the same font, with no other CSS) are rendered alternately in one process, and
``pdf.<form>.ratio`` is the median form time over the median bare time (issue 15: under 1.3).
The forms are 様式第1〜3号 (the card with a photo), the council meeting notice and the 相談受付票
(masked), each rendered through the function the pages call; the 相談受付票's queries are counted too.

Targets on the 2-core machine: ratio under 1.3 per form, 100 cards under 7 s.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import time
from collections.abc import Callable
from html import escape

from coordinators import documents
from coordinators.certificates_print import render_snapshots
from coordinators.demo import demo_photo
from forms_pdf.rendering import _weasyprint, render_pdf

FORMS = {
    "form1_appointment": "coordinators/forms/form1_appointment.html",
    "form2_card": "coordinators/forms/form2_certificate_card.html",
    "form3_dismissal": "coordinators/forms/form3_dismissal.html",
}
#: The forms' own font (their CSS names it first); the bare render uses it alone.
BARE_FONT = '"IPAexMincho", "Noto Serif CJK JP", serif'
ROUNDS = 20


def _photo_data(seed: int = 1) -> str:
    """A distinct photo per card (noise makes each one as costly as a real photograph)."""
    import base64
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


def _meeting():
    """One meeting with three agenda items: what the notice prints."""
    from councils.models import AgendaItem, Council, Meeting, SetupType, Topic
    from municipality.models import Area

    city = Area.objects.create(code="PDF-BENCH-1", name="汐見市（帳票）", layer=1)
    area = Area.objects.create(code="PDF-BENCH-2", name="汐見中央地区（帳票）", layer=2, parent=city)
    council = Council.objects.create(name="汐見中央地区支え合い推進会議", layer=2, area=area, setup_type=SetupType.NPO)
    meeting = Meeting.objects.create(council=council, title="令和8年度 第2回 汐見中央地区支え合い推進会議",
                                     date=dt.date(2026, 12, 1), start_time=dt.time(14), end_time=dt.time(16),
                                     place="汐見市役所 本庁舎3階 第1会議室", public_seats=5)
    AgendaItem.objects.bulk_create(AgendaItem(meeting=meeting, order=i + 1, title=title, topic=Topic.T2)
                                   for i, title in enumerate(["地域の支え合い活動の報告", "買い物支援の取組について",
                                                              "次年度の活動計画（案）について"]))
    return meeting


def _case():
    """One case with a household and a consent: what the 相談受付票 prints, and a worker to print it."""
    from django.contrib.auth.models import Group

    from consultations import services
    from consultations.models import Agency, AgencyKind, HouseholdMember
    from municipality.models import Organisation, User
    from municipality.roles import Role

    worker = User.objects.create_user("bench-pdf-worker", password="x", name="相談員 帳票")
    worker.groups.set([Group.objects.get(name=Role.CASE_WORKER.value)])
    agency = Agency.objects.create(organisation=Organisation.objects.create(name="汐見中央地域包括支援センター（帳票）"),
                                   kind=AgencyKind.SUPPORT_CENTER)
    case = services.case_open(
        received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly", "poverty"], person_name="山田　花子",
        person_kana="やまだ　はなこ", person_birth_date=dt.date(1948, 2, 3), person_address="汐見市汐見中央二丁目4番5号",
        person_phone="0460-12-3456", presenting_problems="認知症の母の介護と、家計の見通しが立たないことの相談。\n"
        "長男は就労しておらず、世帯の収入は年金のみ。", by=worker)
    HouseholdMember.objects.bulk_create([HouseholdMember(case=case, name="山田　一郎", relation="長男"),
                                         HouseholdMember(case=case, name="山田　トメ", relation="母")])
    services.consent_record(case=case, agencies=[agency], given_on=dt.date(2026, 5, 2), method="written", by=worker)
    return case, worker


def bare_html(pdf: bytes) -> str:
    """An A4 page with only ``pdf``'s text, one paragraph a line, in the forms' font, no other CSS."""
    from pypdf import PdfReader

    lines = [line for page in PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()
             if line.strip()]
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return ('<!doctype html><html lang="ja"><head><meta charset="utf-8">'
            f"<style>@page {{ size: A4; }} html {{ font-family: {BARE_FONT}; }}</style></head>"
            f"<body>{body}</body></html>")


def bare_render(html: str) -> bytes:
    """A bare WeasyPrint render: default options, the process's one font configuration."""
    weasyprint, fonts, _ = _weasyprint()
    return weasyprint.HTML(string=html).write_pdf(font_config=fonts)


def _ratio(report, name: str, render: Callable[[], bytes]) -> None:
    """Form and bare render alternately, ROUNDS times each; report the ratio of the medians.

    Times are the CPU time of this thread (WeasyPrint, Pango and HarfBuzz all run in it): the other
    processes of a busy machine then stretch neither side."""
    pdf = render()
    bare = bare_html(pdf)
    bare_render(bare)
    form_times, bare_times = [], []
    for _ in range(ROUNDS):
        start = time.thread_time()
        bare_render(bare)
        bare_times.append(time.thread_time() - start)
        start = time.thread_time()
        render()
        form_times.append(time.thread_time() - start)
    form_median, bare_median = statistics.median(form_times), statistics.median(bare_times)
    report(f"pdf.{name}.ratio", form_median / bare_median, "×")
    report(f"pdf.{name}.median", form_median * 1000, f"ms CPU (bare {bare_median * 1000:.1f} ms)")
    report(f"pdf.{name}.size", len(pdf) // 1024, "KB")


def run(report) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consultations.outputs import OutputRequest, render_case_output
    from councils.documents import notice_pdf

    snapshots = _snapshots()
    start = time.perf_counter()
    render_pdf(FORMS["form1_appointment"], {"doc": snapshots["form1_appointment"]}, filename="x.pdf")
    report("pdf.first_render_in_process", time.perf_counter() - start, "s")

    for name, template in FORMS.items():
        _ratio(report, name, lambda t=template, n=name: render_pdf(t, {"doc": snapshots[n]}, filename="x.pdf").content)
    meeting = _meeting()
    _ratio(report, "meeting_notice", lambda: notice_pdf(meeting).content)
    case, worker = _case()
    _ratio(report, "intake_sheet",
           lambda: render_case_output(case=case, what=OutputRequest("intake"), user=worker).content)
    with CaptureQueriesContext(connection) as queries:
        render_case_output(case=case, what=OutputRequest("intake"), user=worker)
    report("pdf.intake_sheet.queries", len(queries), "queries")

    cards = []
    for i in range(100):
        card = dict(snapshots["form2_card"])
        card["number"] = f"令和8-{i + 1:03d}"
        card["name"] = f"利用者 {i + 1}"
        card["photo"] = _photo_data(i)
        cards.append(card)
    start, cpu = time.perf_counter(), time.thread_time()
    rendered = render_snapshots(cards, title="bench", filename="cards.pdf")
    report("pdf.certificates_100_a4.seconds", time.perf_counter() - start, "s")
    report("pdf.certificates_100_a4.cpu_seconds", time.thread_time() - cpu, "s (CPU time of the rendering thread)")
    report("pdf.certificates_100_a4.size", len(rendered.content) // 1024, "KB")
