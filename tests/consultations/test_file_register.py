"""Issue 14 item 3: the 個人情報ファイル簿 entry of the case file, from the code's declarations."""

import io
import shutil
import subprocess

import pytest
from django.apps import apps
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from consultations import file_register
from consultations.models import Case, EvacuationListing
from consultations.privacy import Level
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _declared() -> set[tuple[str, str, bool]]:
    """Computed from the fields themselves, not through the builder: every field of a case model
    whose ``privacy_level`` attribute says personal or sensitive."""
    found = set()
    for model in apps.get_app_config("consultations").get_models():
        for f in [*model._meta.fields, *model._meta.many_to_many]:
            level = getattr(f, "privacy_level", None)
            if level in (Level.PERSONAL, Level.SENSITIVE) and f.model is model:
                found.add((str(model._meta.verbose_name), str(f.verbose_name), level == Level.SENSITIVE))
    return found


def test_the_entry_lists_exactly_the_declared_items():
    items = {(i.record, i.label, i.sensitive) for i in file_register.entry().items}
    assert items == _declared()
    assert ("ケース（相談受付）", "相談の内容（主訴）", True) in items
    assert ("ケース（相談受付）", "本人氏名", False) in items
    assert not any(label == "記録した人" for _, label, _ in items)  # RECORD fields are not items
    assert ("避難行動要支援者名簿への掲載の同意", "避難支援等を必要とする事由", True) in items


def test_the_entry_says_it_holds_sensitive_data_because_a_sensitive_field_exists():
    rows = {row.heading: row.text for row in file_register.entry().rows}
    assert rows["要配慮個人情報が含まれるときは、その旨"] == "含む"
    assert "相談の内容（主訴）（要配慮）" in rows["記録項目"]
    assert "本人氏名（要配慮）" not in rows["記録項目"]
    # Had no field been sensitive, it would say so: the mark follows the declarations.
    field = Case._meta.get_field("presenting_problems")
    saved = [(f, f.privacy_level) for m in apps.get_app_config("consultations").get_models()
             for f in m._meta.get_fields() if getattr(f, "privacy_level", None) == Level.SENSITIVE]
    try:
        for f, _ in saved:
            f.privacy_level = Level.PERSONAL
        assert {r.heading: r.text for r in file_register.entry().rows}[
            "要配慮個人情報が含まれるときは、その旨"] == "含まない"
    finally:
        for f, level in saved:
            f.privacy_level = level
    assert field.privacy_level == Level.SENSITIVE


@override_settings(CASE_RETENTION={"case": 7, "assessment": 5, "plan": 5, "timeline": 10, "referral": 5,
                                   "support_meeting": 3, "evacuation": 1},
                   CASE_FILE_REGISTER={**settings.CASE_FILE_REGISTER,
                                       "department": "架空市 福祉部 テスト課"})
def test_settings_and_the_agencies_register_feed_the_entry():
    AgencyFactory(organisation__name="汐見中央地域包括支援センター")
    rows = {row.heading: row.text for row in file_register.entry().rows}
    assert rows["個人情報ファイルが利用に供される事務をつかさどる組織の名称"] == "架空市 福祉部 テスト課"
    assert "支援経過記録：終結・中断から10年" in rows["保存期間"]
    assert "支援会議の記録：終結・中断から3年" in rows["保存期間"]
    assert "汐見中央地域包括支援センター" in rows["記録情報の経常的提供先"]
    assert "消防機関" in rows["記録情報の経常的提供先"]  # the 避難支援等関係者


def test_the_statutory_bodies_city_staff_keep_are_regular_recipients():
    from tests.factories import SharingBodyFactory

    SharingBodyFactory(name="汐見市要保護児童対策地域協議会", basis="child_25_2")
    SharingBodyFactory(name="廃止した会議", basis="ltc_115_48", active=False)
    recipients = {row.heading: row.text for row in file_register.entry().rows}["記録情報の経常的提供先"]
    assert "汐見市要保護児童対策地域協議会" in recipients and "児童福祉法第25条の2" in recipients
    assert "廃止した会議" not in recipients


@pytest.fixture
def reader(city_staff):
    AgencyFactory(organisation__name="汐見中央地域包括支援センター")
    return city_staff


def test_the_pdf_text_holds_the_items(client, reader, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) が必要です")
    client.force_login(reader)
    response = client.get(reverse("cases:file_register_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "register.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for heading in ("個人情報ファイルの名称", "記録範囲", "記録情報の収集方法", "開示請求等を受理する組織の名称及び所在地",
                    "保存期間", "汐見中央地域包括支援センター"):
        assert heading in flat, heading
    for item in file_register.entry().items:
        assert "".join(item.label.split()) in flat, item.label
    assert "避難支援等を必要とする事由（要配慮）" in flat


def test_the_xlsx_holds_the_items(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("cases:file_register_xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    items = {(r, label, level) for r, label, level in book["記録項目"].iter_rows(min_row=2, values_only=True)}
    assert items == {(r, label, "要配慮個人情報" if s else "個人情報") for r, label, s in _declared()}
    entry_rows = dict(book["個人情報ファイル簿"].iter_rows(min_row=2, values_only=True))
    assert entry_rows["要配慮個人情報が含まれるときは、その旨"] == "含む"


def test_city_staff_and_audit_open_it_and_case_workers_do_not(client, city_staff, auditor):
    worker = UserFactory(username="worker", roles=["相談支援員"])
    lead = UserFactory(username="lead", roles=["相談支援員", "相談支援管理者"])
    coordinator = UserFactory(username="coord", roles=["コーディネーター"])
    for user, status in ((city_staff, 200), (auditor, 200), (worker, 404), (lead, 404), (coordinator, 404)):
        client.force_login(user)
        for name in ("cases:file_register", "cases:file_register_pdf", "cases:file_register_xlsx"):
            assert client.get(reverse(name)).status_code == status, (user.username, name)
    assert EvacuationListing.objects.count() == 0
