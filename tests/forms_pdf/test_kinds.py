"""forms_pdf knows no document kind by name: kinds are declared by the apps that issue them,
and the generic download asks the kind's own policy how to serve a document."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.urls import reverse

from forms_pdf import kinds
from forms_pdf.models import IssuedDocument
from forms_pdf.services import document_issue
from tests.lifecycle import CONTRACT_START

DOMAIN_APPS = {"coordinators", "councils", "activities", "consultations", "reminders"}


@pytest.fixture
def test_kind():
    """A kind declared by no real app, served by its own hook; removed again afterwards."""
    seen = []

    def serve(document, user):
        seen.append((document.pk, user.pk))
        if document.title == "withheld":
            raise Http404("ページが見つかりません。")
        if document.title == "as stored":
            return None
        return HttpResponse(b"served by the kind", content_type="application/pdf")

    kind = kinds.register_kind(key="testkind", label="試験用の書類", template="tests/never_rendered.html",
                               serve=serve)
    yield kind, seen
    kinds._kinds.pop("testkind", None)


def stored(organisation, *, kind: str, title: str = "x") -> IssuedDocument:
    from django.utils import timezone

    return IssuedDocument.objects.create(
        kind=kind, title=title, organisation=organisation, snapshot={}, pdf=b"%PDF stored", sha256="0", size=11,
        filename="x.pdf", issued_at=timezone.now(),
    )


def test_forms_pdf_imports_no_domain_app():
    for path in (Path(settings.BASE_DIR) / "forms_pdf").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for name in names:
                assert name.split(".")[0] not in DOMAIN_APPS, f"{path} imports {name}"


def test_the_coordinator_forms_are_declared_by_coordinators_with_their_stored_keys_and_labels():
    declared = {kind.key: kind.label for kind in kinds.all_kinds()}
    assert declared["form1"] == "様式第1号 選任届出書"
    assert declared["form2"] == "様式第2号 コーディネーター証"
    assert declared["form3"] == "様式第3号 解任届出書"
    assert kinds.kind_for("form2").serve is not None
    assert kinds.kind_for("form1").serve is None


def test_a_kind_cannot_be_declared_twice_differently(test_kind):
    with pytest.raises(ImproperlyConfigured):
        kinds.register_kind(key="testkind", label="別の書類", template="tests/another.html")


@pytest.mark.django_db
def test_issuing_an_undeclared_kind_is_refused_and_nothing_is_stored(org_a):
    with pytest.raises(LookupError):
        document_issue(kind="nokind", title="x", snapshot={}, filename="x.pdf", organisation=org_a)
    assert not IssuedDocument.objects.exists()


@pytest.mark.django_db
def test_the_download_asks_the_kinds_own_policy(client, org_a, contractor_a, test_kind):
    _, seen = test_kind
    served = stored(org_a, kind="testkind")
    withheld = stored(org_a, kind="testkind", title="withheld")
    as_stored = stored(org_a, kind="testkind", title="as stored")
    client.force_login(contractor_a)
    assert client.get(reverse("documents:pdf", args=[served.pk])).content == b"served by the kind"
    assert client.get(reverse("documents:pdf", args=[withheld.pk])).status_code == 404
    response = client.get(reverse("documents:pdf", args=[as_stored.pk]))
    assert response.status_code == 200 and response.content == b"%PDF stored"
    assert seen == [(served.pk, contractor_a.pk), (withheld.pk, contractor_a.pk), (as_stored.pk, contractor_a.pk)]


@pytest.mark.django_db
def test_the_kinds_policy_is_not_asked_for_an_outsider(client, org_a, contractor_b, test_kind):
    _, seen = test_kind
    document = stored(org_a, kind="testkind")
    client.force_login(contractor_b)
    assert client.get(reverse("documents:pdf", args=[document.pk])).status_code == 404
    assert seen == []


@pytest.mark.django_db
def test_a_kind_no_app_declares_any_more_is_served_as_stored(client, org_a, contractor_a):
    document = stored(org_a, kind="gone")
    client.force_login(contractor_a)
    response = client.get(reverse("documents:pdf", args=[document.pk]))
    assert response.status_code == 200 and response.content == b"%PDF stored"
    assert str(document) == "gone（x）"


@pytest.mark.django_db
def test_the_admin_lists_and_filters_by_the_declared_labels(client, org_a, city_staff, accepted, city_user):
    from coordinators import services

    services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    client.force_login(city_staff)
    url = reverse("admin:forms_pdf_issueddocument_changelist")
    page = client.get(url).content.decode()
    assert "様式第2号 コーディネーター証" in page and "様式第1号 選任届出書" in page
    filtered = client.get(url, {"kind": "form2"}).content.decode()
    assert "様式第2号 コーディネーター証" in filtered
    assert filtered.count("様式第1号 選任届出書") == 1  # only in the filter's own list, not as a row
