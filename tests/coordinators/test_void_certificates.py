"""A void certificate (dismissal, reissue, return): its holder no longer downloads it; the city and
the employer still see it, stamped 無効 on every card; the stored document stays as issued."""

import datetime as dt
import io
import re
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from coordinators import services
from coordinators.models import Certificate, CertificateStatus, Coordinator
from forms_pdf.models import IssuedDocument
from tests.factories import UserFactory
from tests.lifecycle import CONTRACT_START

pytestmark = pytest.mark.django_db


def pages_text(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def holder(accepted, org_a):
    user = UserFactory(username="holder", roles=["コーディネーター"], organisation=org_a)
    Coordinator.objects.filter(pk=accepted.coordinator_id).update(user=user)
    return user


@pytest.fixture
def certificate(accepted, city_user):
    return services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)


def dismiss(accepted, contractor_a, *, returned=False):
    return services.dismissal_notice_file(
        organisation=accepted.contract.organisation, coordinator=accepted.coordinator,
        dismissed_on=dt.date(2026, 10, 31), reason="退職のため", certificate_returned=returned,
        filed_by=contractor_a, filed_on=dt.date(2026, 11, 2))


def urls(certificate):
    return [reverse("coordinators:certificate_pdf", args=[certificate.pk]),
            reverse("coordinators:certificate_sheet", args=[certificate.pk]),
            reverse("documents:pdf", args=[certificate.document_id])]


def test_a_valid_card_is_served_as_issued_to_its_holder(client, holder, certificate):
    client.force_login(holder)
    card = client.get(urls(certificate)[0])
    assert card.status_code == 200 and card.content == bytes(certificate.document.pdf)
    assert all("無効" not in text for text in pages_text(card.content))


@pytest.mark.parametrize("returned", [False, True])
def test_after_dismissal_the_holder_gets_404_and_no_link(client, holder, certificate, accepted, contractor_a,
                                                         returned):
    dismiss(accepted, contractor_a, returned=returned)
    certificate.refresh_from_db()
    assert certificate.status in (CertificateStatus.UNRETURNED, CertificateStatus.RETURNED)
    client.force_login(holder)
    for url in urls(certificate):
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("coordinators:detail", args=[certificate.coordinator_id])).content.decode()
    assert certificate.number in page  # still in their history
    assert urls(certificate)[0] not in page and "無効のため表示できません" in page


def test_the_employer_and_the_city_get_the_card_stamped_void(client, holder, certificate, accepted, contractor_a,
                                                             city_user):
    stored = bytes(certificate.document.pdf)
    dismiss(accepted, contractor_a)
    certificate.refresh_from_db()
    for user in (contractor_a, city_user):
        client.force_login(user)
        for url in urls(certificate):
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            texts = pages_text(response.content)
            assert len(texts) == 2  # front and back
            for text in texts:
                assert "無効" in text and "令和8年10月31日解任により無効" in text, (url, text)
    client.force_login(contractor_a)
    page = client.get(reverse("coordinators:detail", args=[certificate.coordinator_id])).content.decode()
    assert urls(certificate)[0] in page
    # The stored original is untouched.
    assert bytes(IssuedDocument.objects.get(pk=certificate.document_id).pdf) == stored


def test_a_card_void_by_the_contracts_cancellation_says_so(client, holder, certificate, accepted, city_user):
    services.contract_cancel(contract=accepted.contract, on=dt.date(2026, 10, 31), by=city_user)
    certificate.refresh_from_db()
    client.force_login(holder)
    assert client.get(urls(certificate)[0]).status_code == 404
    client.force_login(city_user)
    for text in pages_text(client.get(urls(certificate)[0]).content):
        assert "令和8年10月31日契約の解除により無効" in text and "解任" not in text, text


def test_a_replaced_card_is_void_and_the_new_one_is_not(client, holder, certificate, city_user):
    new = services.certificate_reissue(certificate=certificate, reason="紛失", issued_by=city_user)
    certificate.refresh_from_db()
    client.force_login(holder)
    assert client.get(urls(certificate)[0]).status_code == 404
    assert client.get(urls(new)[0]).content == bytes(new.document.pdf)
    client.force_login(city_user)
    assert any("再交付により無効" in t for t in pages_text(client.get(urls(certificate)[0]).content))


def test_printing_stamps_void_cards_in_the_admin_and_leaves_them_out_of_the_yearly_run(
        client, certificate, accepted, contractor_a, city_user, tmp_path):
    dismiss(accepted, contractor_a)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.post(reverse("admin:coordinators_certificate_changelist"),
                           {"action": "print_sheet", "_selected_action": [certificate.pk]})
    assert response.status_code == 200
    (tmp_path / "sheet.pdf").write_bytes(response.content)  # kept under pytest's basetemp to look at
    fronts, backs = pages_text(response.content)
    assert fronts.count("無効") == 2 and backs.count("無効") == 2  # the stamp and its reason line
    with pytest.raises(CommandError, match="すべて無効"):
        call_command("print_certificates", "--fiscal-year", "2026", "--output", str(tmp_path / "x.pdf"))


def test_the_stamp_is_visible_on_the_rendered_card(client, certificate, accepted, contractor_a, city_user, tmp_path):
    """Renders the served void card to PNG (pdftoppm) and checks for the red stamp over the card."""
    from PIL import Image

    dismiss(accepted, contractor_a)
    client.force_login(city_user)
    pdf = tmp_path / "void.pdf"
    pdf.write_bytes(client.get(urls(certificate)[0]).content)
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "front")],
                   check=True)
    image = Image.open(next(tmp_path.glob("front*.png"))).convert("RGB")
    pixels = image.tobytes()
    red = sum(1 for i in range(0, len(pixels), 3) if pixels[i] > 150 and pixels[i + 1] < 80 and pixels[i + 2] < 80)
    assert red > image.width * image.height * 0.02  # a stamp, not a speck
    # Checked by eye as well: the stamp lies across the name, the dates and the photo's edge.


def test_certificate_list_still_shows_void_certificates_to_the_city(client, certificate, accepted, contractor_a,
                                                                   city_user):
    dismiss(accepted, contractor_a)
    client.force_login(city_user)
    page = client.get(reverse("admin:coordinators_certificate_changelist")).content.decode()
    assert certificate.number in page
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.UNRETURNED
