"""Issue 14 item 6: 避難行動要支援者 (災害対策基本法 第49条の10〜第49条の11). Nothing is shared without the
person's current agreement, only with the 避難支援等関係者 it names, and only the items the law allows."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from openpyxl import load_workbook

from consultations import services
from consultations.disclosures import disclosures_of
from consultations.models import EvacuationExport, EvacuationListing
from municipality.errors import DomainError
from municipality.models import Organisation
from tests.factories import EvacuationListingFactory, UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    home = Organisation.objects.create(name="汐見市生活支援相談センター")
    other = Organisation.objects.create(name="汐見南地域包括支援センター")
    worker = UserFactory(username="worker_home", name="本田 担当", roles=["相談支援員"], organisation=home)
    lead = UserFactory(username="lead_home", name="管理 花子", roles=["相談支援員", "相談支援管理者"], organisation=home)
    other_worker = UserFactory(username="worker_other", roles=["相談支援員"], organisation=other)

    def case(name, by=worker, **extra):
        return services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"], person_name=name,
                                  person_birth_date=dt.date(1940, 4, 1), person_address="汐見市浜町1-2",
                                  person_phone="0120-000-000", presenting_problems=f"{name}の主訴：認知症の母の介護",
                                  by=by, **extra)

    return {"home": home, "worker": worker, "lead": lead, "other_worker": other_worker, "case": case,
            "listed": case("架空 一子"), "unlisted": case("架空 二郎"), "withdrawn": case("架空 三子"),
            "other_team": case("架空 四郎", by=other_worker)}


def _rows(export: EvacuationExport) -> list[list[str]]:
    return [values for _, values in export.rows]


def test_only_current_agreements_naming_the_recipient_are_exported(team):
    EvacuationListingFactory(case=team["listed"], recipients=["commissioner", "fire"], reason="要介護3で歩行が困難")
    gone = EvacuationListingFactory(case=team["withdrawn"], recipients=["commissioner"])
    services.evacuation_listing_withdraw(listing=gone, on=dt.date(2026, 6, 1), by=team["worker"])
    EvacuationListingFactory(case=team["other_team"], recipients=["commissioner"])  # another team's case

    export = services.evacuation_export(recipient="commissioner", by=team["lead"])

    assert list(export.cases.all()) == [team["listed"]]
    assert _rows(export) == [["架空 一子", "1940-04-01", "汐見市浜町1-2", "0120-000-000", "要介護3で歩行が困難"]]
    # The police is not named in the agreement: nothing to export, nothing recorded.
    with pytest.raises(DomainError, match="警察への提供に同意した方がいません"):
        services.evacuation_export(recipient="police", by=team["lead"])
    assert EvacuationExport.objects.count() == 1


def test_a_case_without_agreement_is_never_exported(team):
    EvacuationListingFactory(case=team["listed"])
    export = services.evacuation_export(recipient="fire", by=team["lead"])
    assert team["unlisted"] not in export.cases.all()
    assert not any("架空 二郎" in value for values in _rows(export) for value in values)


def test_the_export_holds_exactly_the_allowed_columns_and_no_other_case_data(client, team):
    EvacuationListingFactory(case=team["listed"])
    client.force_login(team["lead"])
    response = client.post(reverse("cases:evacuation_exports"), {"recipient": "commissioner", **once()})
    assert response.status_code == 302
    export = EvacuationExport.objects.get()
    download = client.get(reverse("cases:evacuation_export_xlsx", args=[export.pk]))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.content))
    sheet = book["名簿"]
    rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["氏名", "生年月日", "住所又は居所", "電話番号その他の連絡先", "避難支援等を必要とする事由"]
    assert rows[1:] == [["架空 一子", "1940-04-01", "汐見市浜町1-2", "0120-000-000", "要介護3。一人での避難が難しい"]]
    everything = " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "主訴" not in everything and "認知症" not in everything and "高齢" not in everything
    # Each case of the download is logged as a read.
    assert LogEntry.objects.filter(object_pk=str(team["listed"].pk), action=LogEntry.Action.ACCESS,
                                   additional_data__purpose__startswith="避難行動要支援者名簿のダウンロード").exists()


def test_the_export_is_in_the_disclosure_register_of_each_case_in_it(team):
    EvacuationListingFactory(case=team["listed"])
    export = services.evacuation_export(recipient="fire", by=team["lead"])
    rows = [d for d in disclosures_of(team["listed"]) if d.kind == "避難行動要支援者名簿の提供"]
    assert len(rows) == 1
    assert (rows[0].to, rows[0].basis, rows[0].at) == ("消防機関", "disaster_49_11", export.exported_at)
    assert "避難支援等を必要とする事由" in rows[0].what and "主訴" not in rows[0].what
    assert rows[0].basis_label.startswith("災害対策基本法第49条の11")
    assert disclosures_of(team["unlisted"]) == []


def test_only_the_team_lead_exports_and_only_the_teams_exports_are_downloaded(client, team):
    EvacuationListingFactory(case=team["listed"])
    with pytest.raises(DomainError):
        services.evacuation_export(recipient="fire", by=team["worker"])
    export = services.evacuation_export(recipient="fire", by=team["lead"])
    other_lead = UserFactory(username="lead_other", roles=["相談支援員", "相談支援管理者"],
                             organisation=team["other_worker"].organisation)
    for user in (team["worker"], other_lead):
        client.force_login(user)
        assert client.get(reverse("cases:evacuation_export_xlsx", args=[export.pk])).status_code == 404
    client.force_login(team["worker"])
    assert client.get(reverse("cases:evacuation_exports")).status_code == 404


def test_the_agreement_is_recorded_and_withdrawn_by_assigned_staff_on_the_case_page(client, team):
    case = team["listed"]
    client.force_login(team["worker"])
    url = reverse("cases:evacuation", args=[case.pk])
    response = client.post(url, {"agreed_on": "2026-05-02", "method": "written", "reason": "視覚障害（1級）",
                                 "recipients": ["fire", "voluntary"], **once()})
    assert response.status_code == 302
    listing = EvacuationListing.objects.get(case=case)
    assert (listing.recipients, listing.reason) == (["fire", "voluntary"], "視覚障害（1級）")
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "消防機関、自主防災組織" in page and "視覚障害（1級）" in page
    # A second agreement while one is current is refused in Japanese, nothing saved.
    again = client.post(url, {"agreed_on": "2026-05-03", "method": "oral", "reason": "x", "recipients": ["fire"],
                              **once()})
    assert "いまの同意を撤回してから" in again.content.decode()
    client.post(reverse("cases:evacuation_withdraw", args=[case.pk, listing.pk]))
    listing.refresh_from_db()
    assert listing.withdrawn_on is not None
    assert EvacuationListing.objects.count() == 1  # kept


def test_bad_input_is_refused_in_japanese_and_nothing_saved(client, team):
    client.force_login(team["worker"])
    url = reverse("cases:evacuation", args=[team["listed"].pk])
    for data in ({"agreed_on": "2026-13-01", "method": "written", "reason": "x", "recipients": ["fire"]},
                 {"agreed_on": "2026-05-02", "method": "written", "reason": "", "recipients": ["fire"]},
                 {"agreed_on": "2026-05-02", "method": "written", "reason": "x", "recipients": []},
                 {"agreed_on": "2026-05-02", "method": "written", "reason": "x" * 1001, "recipients": ["fire"]},
                 {"agreed_on": "2026-05-02", "method": "written", "reason": "x", "recipients": ["army"]}):
        response = client.post(url, {**data, **once()})
        assert response.status_code == 200
    assert not EvacuationListing.objects.exists()
    # Someone who only reads the case (not assigned) cannot record it.
    client.force_login(team["other_worker"])
    assert client.get(url).status_code == 404


def test_an_export_is_not_downloaded_again_after_a_listed_person_withdrew(client, team):
    listing = EvacuationListingFactory(case=team["listed"])
    export = services.evacuation_export(recipient="fire", by=team["lead"])
    client.force_login(team["lead"])
    url = reverse("cases:evacuation_export_xlsx", args=[export.pk])
    assert client.get(url)["Content-Type"].startswith("application/vnd.openxmlformats")
    services.evacuation_listing_withdraw(listing=listing, on=dt.date(2026, 6, 1), by=team["worker"])
    response = client.get(url, follow=True)
    assert response["Content-Type"].startswith("text/html") and "新しく出力してください" in response.content.decode()
