"""Every PDF the product renders is tagged (PDF/UA-1) with a Japanese title and language ja (issue 16,
must-have 5), checked with parsers that do not write it: poppler's ``pdfinfo`` and pypdf.

Each renderer is asked for its PDF once, as a user who may have it, in the world of tests/personas.py
(built once for the module from the factories and the services). Issued documents keep the bytes they
were issued with: a document stored before tagging is served unchanged.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from tests.forms_pdf.test_rendering import jpeg
from tests.personas import REPORT_MONTH, World, build_world

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo on personas.TODAY
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@dataclass
class Rendered:
    world: World
    clients: dict[str, Client]

    def get(self, persona: str, url: str) -> bytes:
        client = self.clients.setdefault(persona, Client())
        client.force_login(self.world.personas[persona].user)
        response = client.get(url)
        assert response.status_code == 200, (persona, url, response.status_code)
        assert response["Content-Type"] == "application/pdf"
        return response.content

    def admin_action(self, model: str, action: str, pks: list[int]) -> bytes:
        client = self.clients.setdefault("superuser", Client())
        client.force_login(self.world.personas["superuser"].user)
        response = client.post(reverse(f"admin:{model}_changelist"),
                               {"action": action, "_selected_action": [str(pk) for pk in pks]})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response.status_code
        return response.content


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=True), transaction.atomic():
        yield Rendered(build_world(), {})
        transaction.set_rollback(True)


def url(name: str, **kwargs) -> Callable[[World], str]:
    """A URL whose arguments name world objects (``"@case_1"``: that object's pk)."""
    query = kwargs.pop("query", "")

    def build(w: World) -> str:
        args = {k: w[v[1:]].pk if isinstance(v, str) and v.startswith("@") else v for k, v in kwargs.items()}
        return reverse(name, kwargs=args) + (f"?{query}" if query else "")
    return build


def page(persona: str, to: Callable[[World], str]) -> Callable[[Rendered], bytes]:
    return lambda r: r.get(persona, to(r.world))


def case_output(kind: str) -> Callable[[Rendered], bytes]:
    """A case output rendered directly (the unmasked ones go through an approval first)."""
    def render(r: Rendered) -> bytes:
        from consultations.outputs import OutputRequest, render_case_output

        return render_case_output(case=r.world["case_1"], what=OutputRequest(kind),
                                  user=r.world.personas["worker_1"].user).content
    return render


def certificate_sheets(r: Rendered) -> bytes:
    return r.admin_action("coordinators_certificate", "print_sheet", [r.world["certificate_a"].pk])


def council_roster(r: Rendered) -> bytes:
    return r.admin_action("councils_membership", "export_pdf",
                          [r.world["membership_c1_0"].pk, r.world["membership_c1_1"].pk])


MONTH = {"year": REPORT_MONTH.year, "month": REPORT_MONTH.month}


def directory_area(r: Rendered) -> bytes:
    """The public 社会資源 list of resource_a's area, as anyone gets it without logging in."""
    response = Client().get(reverse("directory:area_pdf", kwargs={"pk": r.world["resource_a"].area_id}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content

# Each renderer: (how to get its PDF, a part of its title, structure elements it must contain).
RENDERERS: dict[str, tuple[Callable[[Rendered], bytes], str, set[str]]] = {
    # 様式 issued and stored as the world was built, served as stored (tagged: issued after the change)
    "form1_issued": (page("contractor_a", url("documents:pdf", pk="@notice_doc_a")), "選任届出書 推進員 A",
                     {"H1", "P"}),
    "form3_issued": (page("contractor_a", url("documents:pdf", pk="@dismissal_doc_a2")), "解任届出書 元推進員 Ａ",
                     {"H1", "P"}),
    "form2_card": (page("contractor_a", url("coordinators:certificate_pdf", pk="@certificate_a")),
                   "証 証番号 令和", {"P", "Table", "TH", "TD"}),
    "form2_card_void": (page("contractor_a", url("coordinators:certificate_pdf", pk="@certificate_a2")),
                        "証 証番号 令和", {"P", "Table"}),
    "form2_sheet": (page("contractor_a", url("coordinators:certificate_sheet", pk="@certificate_a")),
                    "（台紙）", {"P", "Table"}),
    "form2_sheets_admin": (certificate_sheets, "証（台紙）", {"P", "Table"}),
    "form1_blank": (page("contractor_a", url("coordinators:blank_form", kind="form1")), "選任届出書", {"H1", "P"}),
    "form2_blank": (page("contractor_a", url("coordinators:blank_form", kind="form2")), "証", {"P", "Table"}),
    "form3_blank": (page("contractor_a", url("coordinators:blank_form", kind="form3")), "解任届出書", {"H1", "P"}),
    # live reports
    "activity_report": (page("contractor_a", url("activities:report_pdf", coordinator_pk="@coordinator_a", **MONTH)),
                        "活動報告", {"H1", "Table", "TH", "TD"}),
    "organisation_report": (page("contractor_a", url("activities:organisation_report_pdf", organisation_pk="@org_a",
                                                     **MONTH)), "団体活動報告", {"H1", "Table", "TH", "TD"}),
    "meeting_notice": (page("city", url("councils:meeting_pdf", pk="@meeting_c1", kind="notice")), "開催通知", {"P"}),
    "meeting_letters": (page("city", url("councils:meeting_pdf", pk="@meeting_c1", kind="letters")), "郵送用",
                        {"P"}),
    "meeting_minutes": (page("city", url("councils:meeting_pdf", pk="@meeting_c1", kind="minutes")), "議事録",
                        {"H1", "H2", "P"}),
    "meeting_minutes_approved": (page("city", url("councils:minutes_version_pdf", pk="@meeting_c1", number=1)),
                                 "議事録（第1版）", {"H1", "H2", "P"}),
    "council_roster": (council_roster, "構成員名簿", {"H1", "Table", "TH", "TD"}),
    "case_intake": (page("worker_1", url("cases:pdf", pk="@case_1", kind="intake")), "相談受付票",
                    {"H1", "Table", "TH", "TD"}),
    "case_plan": (page("worker_1", url("cases:pdf", pk="@case_1", kind="plan")), "支援プラン", {"H1", "Table"}),
    "case_conferences": (page("worker_1", url("cases:pdf", pk="@case_1", kind="conferences")), "重層的支援会議",
                         {"H1", "Table"}),
    "case_assessment": (page("worker_1", url("cases:assessment_pdf", pk="@assessment_1")), "アセスメントシート",
                        {"H1", "Table"}),
    "case_evaluation": (page("worker_1", url("cases:evaluation_pdf", pk="@evaluation_1")), "評価シート",
                        {"H1", "Table"}),
    "case_referral": (page("worker_1", url("cases:referral_pdf", pk="@referral_1")), "連携シート", {"H1", "Table"}),
    "case_timeline": (page("worker_1", url("cases:timeline_pdf", pk="@case_1", query="start=2026-11-01&end=2026-11-30")),
                      "支援経過記録", {"H1", "Table"}),
    "case_self_disclosure": (case_output("self_disclosure"), "保有個人情報の開示", {"H1", "H2", "Table"}),
    "area_conference": (page("worker_1", url("cases:area_conference_pdf", pk="@area_conference_1")),
                        "地域生活課題", {"H1", "Table"}),
    "figures": (page("city", url("cases:figures_pdf", query="year=2026")), "年度の集計", {"H1", "H2", "Table"}),
    "file_register": (page("city", url("cases:file_register_pdf")), "個人情報ファイル簿", {"H1", "H2", "Table"}),
    "directory_area": (directory_area, "社会資源一覧", {"H1", "H2", "H3", "P"}),
}


def pdfinfo(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    if not shutil.which("pdfinfo"):
        pytest.skip("poppler-utils (pdfinfo) が必要です")
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^([^:\n]+):\s*(.*)$", out, re.MULTILINE))


def structure(pdf: bytes) -> tuple[list[str], dict]:
    """The structure types of the tag tree, in document order, and the catalog (read by pypdf)."""
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject):
            if "/S" in node:
                found.append(str(node["/S"]).lstrip("/"))
            if "/K" in node:
                walk(node["/K"])
    walk(catalog["/StructTreeRoot"])
    return found, catalog


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_every_pdf_is_tagged_with_title_and_language(rendered: Rendered, name: str, tmp_path) -> None:
    render, title, elements = RENDERERS[name]
    pdf = render(rendered)

    info = pdfinfo(pdf, tmp_path)
    assert info["Tagged"] == "yes"
    assert title in info["Title"]
    types, catalog = structure(pdf)
    assert types[0] == "Document"
    assert elements <= set(types), f"{name}: {sorted(set(types))}"
    assert catalog["/Lang"] == "ja"
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True  # viewers show the title, not the file name
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()


def test_the_certificate_photo_is_a_figure_with_its_alternative_text() -> None:
    from forms_pdf.rendering import html_to_pdf

    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()
    doc = {"title": "地域支え合い推進員証", "term": "地域支え合い推進員", "number": "令和8-001", "name": "松本 さくら",
           "name_kana": "", "birth_date": "", "organisation": "", "areas": "", "valid_from": "", "valid_until": "",
           "issued_on": "", "issuer": "", "photo": photo, "notes": []}
    html = render_to_string("coordinators/forms/form2_certificate_card.html", {"doc": doc})
    reader = PdfReader(io.BytesIO(html_to_pdf(html, filename="x.pdf").content))

    figures = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject):
            if node.get("/S") == "/Figure":
                figures.append(node)
            if "/K" in node:
                walk(node["/K"])
    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert [str(f["/Alt"]) for f in figures] == ["写真"]
    assert reader.metadata.title == "地域支え合い推進員証 証番号 令和8-001 松本 さくら"


def test_every_pdf_template_names_its_language_and_title() -> None:
    """A new PDF template without them fails here (WeasyPrint would tag it with an empty language)."""
    templates = [p for p in TEMPLATES.rglob("*.html")
                 if p.name.endswith("_pdf.html") or (p.parent.name == "forms" and p.name.startswith("form"))]
    assert len(templates) > 15
    for path in templates:
        text = path.read_text()
        if path.name in ("form1_appointment.html", "form3_dismissal.html"):
            text = (TEMPLATES / "coordinators/forms/_notice_head.html").read_text()
        assert '<html lang="ja">' in text, path
        assert re.search(r"<title>[^<]+</title>", text), path


def test_an_issued_document_stored_before_tagging_is_served_as_stored(rendered: Rendered, monkeypatch,
                                                                      tmp_path) -> None:
    """Issued documents never change: an untagged PDF issued earlier is served byte for byte, untagged."""
    import hashlib

    from forms_pdf import rendering
    from forms_pdf.models import IssuedDocument

    issued = rendered.world["notice_doc_a"]
    monkeypatch.setattr(rendering, "PDF_OPTIONS", {})  # as WeasyPrint wrote it before issue 16
    old = rendering.render_pdf("coordinators/forms/form1_appointment.html", {"doc": issued.snapshot},
                               filename=issued.filename).content
    monkeypatch.undo()
    assert pdfinfo(old, tmp_path)["Tagged"] == "no"
    document = IssuedDocument.objects.create(
        kind=issued.kind, title=issued.title, organisation=issued.organisation, snapshot=issued.snapshot, pdf=old,
        sha256=hashlib.sha256(old).hexdigest(), size=len(old), filename=issued.filename, issued_at=issued.issued_at,
        issued_by=issued.issued_by)

    assert rendered.get("contractor_a", reverse("documents:pdf", kwargs={"pk": document.pk})) == old
