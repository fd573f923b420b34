"""Issuing a certificate shows what it does (issue 16, problem 4), and a year of card sheets is made
in the background for the one who asked (must-have 6)."""

import re
import subprocess

import pytest
from django.urls import reverse

from coordinators import services, tasks
from coordinators.models import Certificate
from forms_pdf.models import GeneratedFile, GeneratedFileStatus
from tests.factories import UserFactory
from tests.lifecycle import file_notice

pytestmark = pytest.mark.django_db


def run_action(client, model, action, pks, **extra):
    url = reverse(f"admin:coordinators_{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": pks, **extra}, follow=True)


def pdf_text(content: bytes) -> str:
    """Read by poppler's pdftotext, not by the library that wrote the PDF."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode())


def test_the_appointment_list_shows_each_certificate_number_linked_to_its_pdf(client, city_user, accepted,
                                                                               contract_a, contractor_a):
    client.force_login(city_user)
    url = reverse("admin:coordinators_appointment_changelist")
    page = client.get(url).content.decode()
    assert 'class="column-certificate"' in page and "未交付" in page
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user)
    page = client.get(url).content.decode()
    link = f'<a href="{reverse("documents:pdf", args=[certificate.document_id])}">証番号 {certificate.number}</a>'
    assert link in page
    assert "未交付" not in page
    # The link is the access-checked download of the issued card.
    response = client.get(reverse("documents:pdf", args=[certificate.document_id]))
    assert response.status_code == 200 and bytes(response.content) == bytes(certificate.document.pdf)


def test_issuing_asks_first_with_the_numbers_then_says_which_number_each_got(client, city_user, accepted,
                                                                              contract_a, contractor_a):
    other = file_notice(contract_a, contractor_a, name="写真 なし", photo=False)
    no_photo = services.appointment_notice_accept(notice=other, accepted_by=city_user)
    client.force_login(city_user)

    page = run_action(client, "appointment", "issue_certificate", [accepted.pk, no_photo.pk]).content.decode()
    assert "コーディネーター証の交付の確認" in page
    assert not Certificate.objects.exists()  # nothing issued before the confirmation
    expected = services.certificate_number(2026, 1)
    assert f"証番号 {expected}" in page
    assert "写真が登録されていないため交付できません。" in page

    response = run_action(client, "appointment", "issue_certificate", [accepted.pk, no_photo.pk], apply="1")
    certificate = Certificate.objects.get()
    assert certificate.number == expected
    messages = [str(m) for m in response.context["messages"]]
    assert any("1件を交付しました" in m for m in messages)
    done = next(m for m in messages if m.startswith("交付した証："))
    assert f'<a href="{reverse("documents:pdf", args=[certificate.document_id])}">証番号 {certificate.number}</a>' in done
    assert "写真が登録されていないため、証を交付できません。" in response.content.decode()
    # The message's link is rendered as a link, not as escaped text.
    assert f'href="{reverse("documents:pdf", args=[certificate.document_id])}"' in response.content.decode()


def test_a_few_cards_download_at_once_as_an_attachment(client, city_user, accepted):
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user)
    client.force_login(city_user)
    response = client.post(reverse("admin:coordinators_certificate_changelist"),
                           {"action": "print_sheet", "_selected_action": [certificate.pk]})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert not GeneratedFile.objects.exists()


def test_a_large_batch_is_made_in_the_background_for_its_owner_alone(client, city_user, accepted, contract_a,
                                                                      contractor_a, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "SHEETS_AT_ONCE", 1)
    second = services.appointment_notice_accept(
        notice=file_notice(contract_a, contractor_a, name="北川 みどり"), accepted_by=city_user)
    first = services.certificate_issue(appointment=accepted, issued_by=city_user)
    other = services.certificate_issue(appointment=second, issued_by=city_user)
    published = []
    monkeypatch.setattr("coordinators.services.publish_on_commit", lambda task, *args: published.append(args))
    client.force_login(city_user)

    response = run_action(client, "certificate", "print_sheet", [first.pk, other.pk])
    assert response["Content-Type"].startswith("text/html")
    assert "2件の証の台紙を作成しています" in response.content.decode()
    generated = GeneratedFile.objects.get()
    assert generated.owner == city_user and generated.status == GeneratedFileStatus.QUEUED
    assert published == [(generated.pk,)]
    download = reverse("documents:file", args=[generated.pk])
    assert client.get(download).status_code == 404  # not ready yet

    assert tasks.render_certificate_sheets(generated.pk) is True  # the worker's part
    assert tasks.render_certificate_sheets(generated.pk) is False  # run twice: the first one stands

    # Back on the list, the owner is told once, with the link.
    page = client.get(reverse("admin:coordinators_certificate_changelist")).content.decode()
    assert "コーディネーター証の台紙（2枚）ができました" in page and f'href="{download}"' in page
    assert "できました" not in client.get(reverse("admin:coordinators_certificate_changelist")).content.decode()
    assert f'href="{download}"' in client.get(reverse("documents:files")).content.decode()

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="form2-certificates-a4-')
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    for certificate in (first, other):
        assert certificate.coordinator.name.replace(" ", "") in text
        assert certificate.number.split("-")[1] in text

    # Nobody else fetches it: another city staff member, a superuser, an organisation.
    for user in (UserFactory(roles=["市職員"], is_staff=True), UserFactory(is_staff=True, is_superuser=True),
                 contractor_a):
        client.force_login(user)
        assert client.get(download).status_code == 404
        assert f'href="{download}"' not in client.get(reverse("documents:files")).content.decode()
    client.logout()
    assert client.get(download).status_code == 302


def test_a_file_past_its_expiry_is_gone(client, city_user, accepted, monkeypatch):
    monkeypatch.setattr("coordinators.services.publish_on_commit", lambda task, *args: None)
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user)
    old = services.certificate_sheets_request(certificates=[certificate], requested_by=city_user)
    tasks.render_certificate_sheets(old.pk)
    GeneratedFile.objects.filter(pk=old.pk).update(expires_at=old.requested_at)
    client.force_login(city_user)
    assert client.get(reverse("documents:file", args=[old.pk])).status_code == 404
    services.certificate_sheets_request(certificates=[certificate], requested_by=city_user)
    assert not GeneratedFile.objects.filter(pk=old.pk).exists()  # pruned at the next request
