"""The disclosure register (提供の記録, issue 14 item 5): every sharing of a case — meetings, 連携シート,
reads by an agency — with its recipients, items and legal basis; for the case team, and for the 監査
role by case number without any case contents."""

import datetime as dt
import io

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from consultations import services
from consultations.disclosures import disclosures_of
from consultations.models import Case
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def demo():
    call_command("load_demo_data", stdout=io.StringIO())
    return {case.person_name: case for case in Case.objects.all()}


def test_the_register_of_each_demo_case_lists_every_sharing_the_demo_made(demo):
    from consultations.models import EvacuationExport, OutputApproval, SupportMeeting

    kinds_seen = set()
    for case in demo.values():
        expected = ({reverse("cases:conference_detail", args=[c.pk]) for c in case.conferences.all()}
                    | {reverse("cases:support_meeting_detail", args=[m.pk])
                       for m in SupportMeeting.objects.filter(cases=case)}
                    | {reverse("cases:referral_detail", args=[r.pk]) for r in case.referrals.all()}
                    | {reverse("cases:evacuation_export_xlsx", args=[e.pk])
                       for e in EvacuationExport.objects.filter(cases=case)})
        rows = disclosures_of(case)
        unmasked = [d for d in rows if d.kind.startswith("マスクなしの出力")]
        assert {d.url for d in rows if d.url and d not in unmasked} == expected, case.number
        # An approval is a disclosure once it was used to print; a request waiting or refused is not.
        assert len(unmasked) == OutputApproval.objects.filter(case=case, used_at__isnull=False).count()
        assert all(d.basis and not d.basis_label.startswith("（不明") for d in rows)
        kinds_seen |= {(d.kind.split("（")[0], d.basis) for d in rows}
    # The demo makes a sharing of each kind the issue names.
    assert {("重層的支援会議", "consent"), ("支援会議", "swl_106_6"), ("支援会議", "child_25_2"),
            ("連携シート", "consent"), ("連携シート", "swl_106_6"), ("マスクなしの出力", "consent"),
            ("避難行動要支援者名簿の提供", "disaster_49_11")} <= kinds_seen


def test_the_demo_is_still_idempotent_with_its_body_and_sharings(demo):
    from consultations.models import Referral, SharingBody, SupportMeeting

    before = (SharingBody.objects.count(), SupportMeeting.objects.count(), Referral.objects.count())
    call_command("load_demo_data", stdout=io.StringIO())
    assert (SharingBody.objects.count(), SupportMeeting.objects.count(), Referral.objects.count()) == before
    body = SharingBody.objects.get()
    assert body.basis == "child_25_2" and body.members.count() == 4


def test_the_register_rows_name_items_and_recipients_never_contents(demo):
    active = demo["架空 一郎"]
    rows = {d.kind.split("（")[0]: d for d in disclosures_of(active)}
    sheet = rows["連携シート"]
    assert sheet.to == "汐見市生活支援相談センター" and sheet.what == "氏名・年齢、連絡先、主訴、プランの内容"
    assert sheet.basis_label == "本人の同意" and "本人同意" in sheet.basis_detail
    conference = rows["重層的支援会議"]
    assert "汐見中央地域包括支援センター" in conference.to and "本人同意" in conference.basis_detail
    text = " ".join(f"{d.to} {d.what} {d.basis_detail}" for d in disclosures_of(active))
    assert "架空" not in text and "家賃" not in text


@pytest.fixture
def w(db):
    home = AgencyFactory(organisation__name="汐見市福祉政策課", kind="city")
    center = AgencyFactory(organisation__name="汐見中央地域包括支援センター")
    worker = UserFactory(username="worker", roles=["相談支援員"], organisation=home.organisation)
    lead = UserFactory(username="lead", roles=["相談支援員", "相談支援管理者"], organisation=home.organisation)
    reader = UserFactory(username="reader", name="包括 相談員", roles=["相談支援員"], organisation=center.organisation)
    outsider = UserFactory(username="outsider", roles=["相談支援員"])
    auditor = UserFactory(username="auditor", roles=["監査"])
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        case = services.case_open(received_on=dt.date(2026, 5, 10), route="phone", domains=["elderly"],
                                  person_name="秘密野 花子", presenting_problems="借金と通院の相談", by=worker)
        services.consent_record(case=case, agencies=[center], given_on=dt.date(2026, 5, 11), method="written",
                                by=worker)
    return {"case": case, "worker": worker, "lead": lead, "reader": reader, "outsider": outsider,
            "auditor": auditor, "superuser": superuser}


def test_reads_by_an_agency_under_consent_are_listed_once_per_user_and_day(w, client):
    client.force_login(w["reader"])
    url = reverse("cases:detail", args=[w["case"].pk])
    with time_machine.travel(dt.datetime(2026, 6, 2, 10, tzinfo=JST)):
        assert client.get(url).status_code == 200
        client.get(url)
    with time_machine.travel(dt.datetime(2026, 6, 3, 10, tzinfo=JST)):
        client.get(url)
    client.force_login(w["worker"])
    client.get(url)  # the team's own reads are no disclosure
    reads = [d for d in disclosures_of(w["case"]) if d.kind == "関係機関による閲覧"]
    assert len(reads) == 2
    assert {d.to for d in reads} == {"汐見中央地域包括支援センター（包括 相談員）"}
    assert {d.basis for d in reads} == {"consent"} and "本人同意" in reads[0].basis_detail
    assert "本人氏名" in reads[0].what


def test_the_case_register_is_for_the_team_and_404_for_an_agency_and_outsiders(w, client):
    url = reverse("cases:disclosures", args=[w["case"].pk])
    for name, status in (("worker", 200), ("lead", 200), ("reader", 404), ("outsider", 404), ("auditor", 404),
                         ("superuser", 404)):
        client.force_login(w[name])
        assert client.get(url).status_code == status, name
        assert client.get(reverse("cases:disclosures_xlsx", args=[w["case"].pk])).status_code == status, name
    client.force_login(w["worker"])
    assert "提供の記録" in client.get(reverse("cases:detail", args=[w["case"].pk])).content.decode()


def test_the_auditor_finds_the_register_by_number_without_any_case_contents_and_the_lookup_is_logged(w, client):
    client.force_login(w["reader"])
    client.get(reverse("cases:detail", args=[w["case"].pk]))
    client.force_login(w["auditor"])
    url = reverse("cases:audit_disclosures")
    assert client.get(url).status_code == 200
    page = client.get(url, {"number": w["case"].number}).content.decode()
    assert "関係機関による閲覧" in page and "汐見中央地域包括支援センター" in page and "本人の同意" in page
    for secret in ("秘密野", "花子", "借金", "通院"):
        assert secret not in page, secret
    assert reverse("cases:detail", args=[w["case"].pk]) not in page
    logged = LogEntry.objects.filter(actor=w["auditor"], action=LogEntry.Action.ACCESS, object_pk=str(w["case"].pk))
    assert logged.count() == 1 and logged.get().additional_data["purpose"] == "提供の記録の確認（監査）"
    # The auditor's lookup is not itself listed as a disclosure.
    assert all("監査" not in d.to for d in disclosures_of(w["case"]))
    assert "のケースはありません" in client.get(url, {"number": "R8-9999"}).content.decode()
    response = client.get(reverse("cases:audit_disclosures_xlsx"), {"number": w["case"].number})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][:5] == ("日時", "種類", "提供先", "提供した項目", "根拠") or list(values[0][:5]) == [
        "日時", "種類", "提供先", "提供した項目", "根拠"]
    assert any("関係機関による閲覧" in str(row) for row in values[1:])
    assert "秘密野" not in str(values)


@pytest.mark.parametrize("name", ["worker", "reader", "superuser"])
def test_the_auditor_lookup_is_404_for_anyone_else(w, client, name):
    client.force_login(w[name])
    assert client.get(reverse("cases:audit_disclosures"), {"number": w["case"].number}).status_code == 404
    assert client.get(reverse("cases:audit_disclosures_xlsx"), {"number": w["case"].number}).status_code == 404


def test_the_auditor_finds_the_lookup_in_the_menu_and_a_case_worker_does_not(w, client):
    url = reverse("cases:audit_disclosures")
    client.force_login(w["auditor"])
    assert f'href="{url}"' in client.get(reverse("portal:home")).content.decode()
    client.force_login(w["worker"])
    assert f'href="{url}"' not in client.get(reverse("portal:home")).content.decode()


def test_a_disclosure_is_dated_and_sorted_on_the_tokyo_calendar():
    from consultations.disclosures import Disclosure

    early = Disclosure(at=dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC), kind="連携シート", to="a", what="b",
                       basis="consent")  # 8:30 on 2 June in Tokyo
    meeting = Disclosure(at=dt.date(2026, 6, 2), kind="支援会議", to="a", what="b", basis="swl_106_6")
    assert early.local_date == dt.date(2026, 6, 2)
    assert sorted([meeting, early], key=lambda d: d.sort_key) == [meeting, early]
