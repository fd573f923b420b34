"""Every download names its file per RFC 6266: an ASCII filename= for old clients and filename* with
the Japanese name, read here by a hand-written RFC 6266 reading on top of the standard library's
MIME parameter parser (not Django, which writes the header)."""

from email.message import Message
from email.utils import collapse_rfc2231_value

import pytest
from django.urls import reverse

from coordinators import services
from municipality.downloads import content_disposition
from municipality.exports import csv_response, xlsx_response
from tests.lifecycle import CONTRACT_START, file_notice


def filename_of(header: str) -> tuple[str, str]:
    """(disposition type, file name) as RFC 6266 §4.3 says a recipient reads them: filename* wins."""
    message = Message()
    message["Content-Disposition"] = header
    params = message.get_params(header="content-disposition")
    assert params is not None
    kind, plain, extended = params[0][0].lower(), None, None
    for name, value in params[1:]:
        if name.lower() != "filename":
            continue
        if isinstance(value, tuple):  # the RFC 5987/8187 form: filename*=UTF-8''…
            assert value[0].lower() == "utf-8"
            extended = collapse_rfc2231_value(value)
        else:
            plain = value
            assert plain.isascii(), "filename= must be ASCII; the Japanese name goes into filename*"
    assert plain is not None, "an ASCII filename= for clients that ignore filename*"
    return kind, extended or plain


def test_the_header_is_never_an_encoded_word():
    header = content_disposition("社会資源 一覧.csv")
    assert "=?" not in header and header.isascii()
    assert filename_of(header) == ("attachment", "社会資源 一覧.csv")
    assert content_disposition("x.csv") == 'attachment; filename="x.csv"'  # an ASCII name as before
    assert filename_of(content_disposition('a"b\\c.pdf', as_attachment=False)) == ("inline", 'a"b\\c.pdf')


def test_a_csv_and_an_xlsx_download_carry_the_japanese_name():
    response = csv_response("令和8年度 社会資源.csv", ["氏名"], [["山田"]])
    assert response.serialize_headers().isascii()  # Django did not fall back to RFC 2047
    assert filename_of(response["Content-Disposition"]) == ("attachment", "令和8年度 社会資源.csv")
    response = xlsx_response("構成員名簿.xlsx", [("名簿", ["氏名"], [["山田"]])])
    assert filename_of(response["Content-Disposition"]) == ("attachment", "構成員名簿.xlsx")


@pytest.mark.django_db
def test_a_csv_export_of_a_list(client, contractor_a):
    client.force_login(contractor_a)
    response = client.get(reverse("activities:resources"), {"export": "csv"})
    assert filename_of(response["Content-Disposition"]) == ("attachment", "social-resources.csv")


@pytest.mark.django_db
def test_a_certificate_pdf_carries_its_japanese_number(client, contract_b, contractor_b, city_user):
    notice = file_notice(contract_b, contractor_b, name="Ｂの人")
    appointment = services.appointment_notice_accept(notice=notice, accepted_by=city_user)
    certificate = services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=CONTRACT_START)
    assert not certificate.document.filename.isascii()  # the number is 令和…
    client.force_login(contractor_b)
    for url in (reverse("documents:pdf", args=[certificate.document_id]),
                reverse("coordinators:certificate_sheet", args=[certificate.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.serialize_headers().isascii()
        kind, name = filename_of(response["Content-Disposition"])
        assert kind == "inline" and name.endswith(".pdf") and str(certificate.number) in name


@pytest.mark.django_db
def test_the_calendar_feed_is_named_after_its_council(client, council):
    response = client.get(reverse("meetings:feed", args=[council.feed_token]))
    assert response.serialize_headers().isascii()
    assert filename_of(response["Content-Disposition"]) == ("inline", "汐見市第1層協議体.ics")
