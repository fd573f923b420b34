"""連携シート (referrals): minimum items by default, consent or a 支援会議 as the legal basis, a
snapshot the agency keeps, the receiving agency's pages (the sheet before acceptance, the case
after), the access log with the basis, the PDF, and the reminder of an unanswered sheet."""

import datetime as dt
import subprocess

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from consultations import reminders as case_reminders
from consultations import services
from consultations.forms import ReferralForm
from consultations.models import Agency, AgencyKind, Case, Referral, ReferralBasis, ReferralStatus
from municipality.errors import DomainError
from municipality.models import Organisation
from reminders import scan
from reminders.models import Delivery, Reason
from tests.consultations.test_audit_privacy import _log_text
from tests.factories import UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
SENT = dt.datetime(2026, 11, 13, 10, tzinfo=JST)  # a Friday


def _agency(name, kind=AgencyKind.SUPPORT_CENTER):
    return Agency.objects.create(organisation=Organisation.objects.create(name=name), kind=kind)


@pytest.fixture
def world():
    with time_machine.travel(dt.datetime(2026, 10, 1, 10, tzinfo=JST), tick=False):
        home = _agency("汐見市生活支援相談センター", AgencyKind.POVERTY)
        center = _agency("汐見中央地域包括支援センター")
        swc = _agency("汐見市社会福祉協議会", AgencyKind.SOCIAL_WELFARE_COUNCIL)
        worker = UserFactory(username="worker", email="worker@example.jp", roles=["相談支援員"],
                             organisation=home.organisation)
        recipient = UserFactory(username="swc_worker", roles=["相談支援員"], organisation=swc.organisation)
        stranger = UserFactory(username="stranger", roles=["相談支援員"], organisation=_agency("他の機関").organisation)
        case = services.case_open(
            received_on=dt.date(2026, 9, 1), route="phone", domains=["elderly"], person_name="鬼瓦 権左衛門",
            person_birth_date=dt.date(1950, 3, 1), person_address="汐見市潮見台九丁目87番65号",
            person_phone="0467-98-7654", presenting_problems="母の介護と家計の相談",
            household=[{"name": "蛭子谷 小次郎", "relation": "長男"}], by=worker)
        services.consent_record(case=case, agencies=[home, center], given_on=dt.date(2026, 9, 2), method="written",
                                by=worker)
        services.assessment_add(case=case, situation="二人暮らし", issues="介護サービス未利用", by=worker)
        meeting = services.support_meeting_record(
            held_on=dt.date(2026, 9, 20), cases=[case], shared="見守り", policy="社協につなぐ", by=worker,
            attendees=[{"name": "民生委員 A", "organisation": "民協", "confidentiality_acknowledged": True},
                       # the agency the meeting decides to share with attended, bound by its duty
                       {"name": "社協 B", "organisation": "汐見市社会福祉協議会", "confidentiality_acknowledged": True}])
    return {"case": case, "worker": worker, "recipient": recipient, "stranger": stranger, "center": center,
            "swc": swc, "meeting": meeting}


def send(w, *, agency=None, basis=ReferralBasis.SUPPORT_MEETING, items=("name_age", "problems"), meeting=True):
    with time_machine.travel(SENT, tick=False):
        return services.referral_send(
            case=w["case"], agency=agency or w["swc"], items=list(items), purpose="家計相談の受け入れのお願い",
            basis=basis, support_meeting=w["meeting"] if meeting and basis == ReferralBasis.SUPPORT_MEETING else None,
            by=w["worker"])


# --- Items and the legal basis ---------------------------------------------------------------


def test_the_items_preselected_are_the_minimum_necessary(world, client):
    assert ReferralForm().fields["items"].initial == ["name_age", "problems"]
    client.force_login(world["worker"])
    page = client.get(reverse("cases:referral", args=[world["case"].pk])).content.decode()
    checked = [line for line in page.split("<input") if 'name="items"' in line and "checked" in line]
    assert len(checked) == 2 and 'value="name_age"' in checked[0] and 'value="problems"' in checked[1]


def test_an_agency_outside_the_consent_is_refused_on_the_consent_basis(world):
    with pytest.raises(DomainError, match="本人の同意の範囲にないため"):
        send(world, basis=ReferralBasis.CONSENT)
    with pytest.raises(DomainError, match="支援会議を選んでください"):
        send(world, meeting=False)
    assert not Referral.objects.exists()


def test_an_agency_outside_the_consent_is_accepted_on_a_support_meeting_that_covers_the_case(world):
    referral = send(world)
    assert (referral.basis, referral.support_meeting, referral.status) == (
        ReferralBasis.SUPPORT_MEETING, world["meeting"], ReferralStatus.SENT)
    other_case = Case.objects.exclude(pk=world["case"].pk).first()
    assert other_case is None
    with time_machine.travel(SENT, tick=False):
        unrelated = services.support_meeting_record(
            held_on=dt.date(2026, 11, 1), cases=[], shared="別件", policy="別件", by=world["worker"],
            attendees=[{"name": "A", "organisation": "B", "confidentiality_acknowledged": True}])
        with pytest.raises(DomainError, match="このケースを検討していません"):
            services.referral_send(case=world["case"], agency=world["swc"], items=["problems"], purpose="p",
                                   basis=ReferralBasis.SUPPORT_MEETING, support_meeting=unrelated, by=world["worker"])


def test_an_agency_inside_the_consent_takes_the_consent_basis(world):
    referral = send(world, agency=world["center"], basis=ReferralBasis.CONSENT)
    assert referral.basis == ReferralBasis.CONSENT and referral.support_meeting is None


def test_a_consent_referral_records_the_consent_it_relies_on(world):
    referral = send(world, agency=world["center"], basis=ReferralBasis.CONSENT)
    assert referral.consent == world["case"].consents.get()
    assert referral.get_basis_display() == "本人の同意" and referral.basis_duty == ""


def test_a_consent_referral_is_refused_once_the_consent_is_withdrawn(world):
    consent = world["case"].consents.get()
    services.consent_withdraw(consent=consent, on=dt.date(2026, 11, 1), by=world["worker"])
    with pytest.raises(DomainError, match="本人の同意の範囲にないため"):
        send(world, agency=world["center"], basis=ReferralBasis.CONSENT)
    # Naming the withdrawn consent on purpose is refused too.
    with pytest.raises(DomainError, match="撤回されたか有効期限が切れています"), time_machine.travel(SENT, tick=False):
        services.referral_send(case=world["case"], agency=world["center"], items=["problems"], purpose="p",
                               basis=ReferralBasis.CONSENT, consent=consent, by=world["worker"])
    assert not Referral.objects.exists()


def test_a_meeting_referral_goes_only_to_an_agency_that_attended_the_meeting(world):
    with pytest.raises(DomainError, match="この支援会議に出席していないため"):
        send(world, agency=world["stranger"].organisation.agency)
    assert not Referral.objects.exists()
    referral = send(world)  # the 社協 attended (bound by 社会福祉法第106条の6第5項)
    assert referral.consent is None and referral.basis_duty == "社会福祉法第106条の6第5項"


def test_a_referral_on_a_body_meeting_goes_only_to_a_member_of_the_body(world):
    from consultations.models import SharingBody

    body = SharingBody.objects.create(name="汐見市要保護児童対策地域協議会", basis="child_25_2",
                                      organisation=world["center"].organisation)
    body.members.set([world["center"], world["swc"]])
    with time_machine.travel(SENT, tick=False):
        meeting = services.support_meeting_record(
            held_on=dt.date(2026, 11, 1), cases=[world["case"]], shared="s", policy="p", by=world["worker"], body=body,
            attendees=[{"name": "社協 B", "organisation": "汐見市社会福祉協議会", "confidentiality_acknowledged": True}])
        outsider = world["stranger"].organisation.agency
        with pytest.raises(DomainError, match="構成機関ではないため"):
            services.referral_send(case=world["case"], agency=outsider, items=["problems"], purpose="p",
                                   basis="child_25_2", support_meeting=meeting, by=world["worker"])
        with pytest.raises(DomainError, match="共有の根拠と合いません"):
            services.referral_send(case=world["case"], agency=world["center"], items=["problems"], purpose="p",
                                   basis=ReferralBasis.SUPPORT_MEETING, support_meeting=meeting, by=world["worker"])
        # A member that did not attend may receive it: the body's law binds every member.
        referral = services.referral_send(case=world["case"], agency=world["center"], items=["problems"], purpose="p",
                                          basis="child_25_2", support_meeting=meeting, by=world["worker"])
    assert (referral.basis, referral.support_meeting, referral.basis_duty) == ("child_25_2", meeting, "児童福祉法第25条の5")
    assert Referral.objects.count() == 1


@pytest.mark.postgres  # the as-sent trigger (migrations 0009, 0014, 0016) is PostgreSQL's
def test_the_database_keeps_the_basis_of_a_sent_sheet(world):
    from django.db import DatabaseError, IntegrityError, transaction

    referral = send(world, agency=world["center"], basis=ReferralBasis.CONSENT)
    with pytest.raises(DatabaseError, match="送付した連携シートは変更できません"), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(consent=None)  # the consent relied on stays (trigger)
    with pytest.raises(IntegrityError, match="referral_basis_names_consent_or_meeting"), transaction.atomic():
        Referral.objects.create(case=world["case"], agency=world["center"], sent_by=world["worker"],
                                sent_at=SENT, purpose="p", basis=ReferralBasis.CONSENT)  # no consent named


def test_only_the_assigned_staff_send_and_unknown_items_are_refused(world):
    with pytest.raises(DomainError, match="項目"):
        send(world, items=["name_age", "bank_account"])
    with pytest.raises(DomainError, match="担当者とCSWだけ"), time_machine.travel(SENT, tick=False):
        services.referral_send(case=world["case"], agency=world["swc"], items=["problems"], purpose="p",
                               basis=ReferralBasis.SUPPORT_MEETING, support_meeting=world["meeting"],
                               by=world["recipient"])


# --- The snapshot ----------------------------------------------------------------------------


def test_the_shared_content_is_a_snapshot_that_later_changes_do_not_reach(world, client):
    referral = send(world, items=["name_age", "problems", "assessment", "progress"])
    assert referral.shared_rows[0] == ("氏名・年齢", "鬼瓦 権左衛門（76歳）")
    assert [label for label, _ in referral.shared_rows] == ["氏名・年齢", "主訴", "アセスメントの要約", "経過"]
    Case.objects.filter(pk=world["case"].pk).update(person_name="別の 名前", presenting_problems="変わった主訴")
    services.assessment_add(case=world["case"], situation="変化", issues="新しい課題", by=world["worker"])
    referral.refresh_from_db()
    assert referral.shared_rows[1] == ("主訴", "母の介護と家計の相談")
    assert "新しい課題" not in str(referral.shared)
    client.force_login(world["recipient"])
    page = client.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert "鬼瓦 権左衛門" in page and "別の 名前" not in page and "変わった主訴" not in page


# --- The receiving agency --------------------------------------------------------------------


def test_the_recipient_sees_the_sheet_but_not_the_case_until_accepting(world, client):
    referral = send(world)
    case_url = reverse("cases:detail", args=[world["case"].pk])
    sheet_url = reverse("cases:referral_detail", args=[referral.pk])
    client.force_login(world["recipient"])
    inbox = client.get(reverse("cases:referrals")).content.decode()
    assert f"連携シート {referral.pk}" in inbox and "鬼瓦" not in inbox  # the list names no one
    sheet = client.get(sheet_url).content.decode()
    assert "鬼瓦 権左衛門" in sheet and "母の介護と家計の相談" in sheet
    assert "潮見台" not in sheet and "0467" not in sheet and "蛭子谷" not in sheet  # items not chosen
    assert "受理する" in sheet and "ケースを開く" not in sheet
    assert client.get(case_url).status_code == 404
    assert client.get(reverse("cases:pdf", args=[world["case"].pk, "intake"])).status_code == 404

    assert client.post(reverse("cases:referral_accept", args=[referral.pk])).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.answered_by == world["recipient"]
    assert client.get(case_url).status_code == 200
    assert "ケースを開く" in client.get(sheet_url).content.decode()
    # Read only, as under consent: the pages that change the case stay closed.
    assert client.get(reverse("cases:consent", args=[world["case"].pk])).status_code == 404
    assert client.get(reverse("cases:referral", args=[world["case"].pk])).status_code == 404


def test_other_agencies_see_neither_the_sheet_nor_its_answers(world, client):
    referral = send(world)
    client.force_login(world["stranger"])
    for name in ("cases:referral_detail", "cases:referral_pdf", "cases:referral_return"):
        assert client.get(reverse(name, args=[referral.pk])).status_code == 404
    assert client.post(reverse("cases:referral_accept", args=[referral.pk])).status_code == 404
    assert Referral.objects.get().status == ReferralStatus.SENT
    # The sender's side: the case team (an agency under consent included) sees the sheet.
    center_worker = UserFactory(username="center", roles=["相談支援員"], organisation=world["center"].organisation)
    client.force_login(center_worker)
    assert client.get(reverse("cases:referral_detail", args=[referral.pk])).status_code == 200
    with pytest.raises(DomainError, match="送付先の関係機関"):
        services.referral_accept(referral=referral, by=center_worker)


def test_a_return_needs_a_reason_and_gives_nothing_beyond_the_sheet(world, client):
    referral = send(world)
    with pytest.raises(DomainError, match="返戻の理由"):
        services.referral_return(referral=referral, reason="  ", by=world["recipient"])
    client.force_login(world["recipient"])
    url = reverse("cases:referral_return", args=[referral.pk])
    page = client.post(url, {"reason": "", **once()}).content.decode()
    assert "必須" in page or "入力してください" in page
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert client.post(url, {"reason": "対象外の地域のため", **once()}).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.return_reason) == (ReferralStatus.RETURNED, "対象外の地域のため")
    assert client.get(reverse("cases:detail", args=[world["case"].pk])).status_code == 404
    assert client.get(reverse("cases:referral_detail", args=[referral.pk])).status_code == 200
    with pytest.raises(DomainError, match="回答は一度だけ"):
        services.referral_accept(referral=referral, by=world["recipient"])


def test_an_accepted_sheet_sent_under_consent_ends_with_the_consent(world, client):
    referral = send(world, agency=world["center"], basis=ReferralBasis.CONSENT)
    center_worker = UserFactory(username="center", roles=["相談支援員"], organisation=world["center"].organisation)
    services.referral_accept(referral=referral, by=center_worker)
    client.force_login(center_worker)
    assert client.get(reverse("cases:detail", args=[world["case"].pk])).status_code == 200
    services.consent_withdraw(consent=world["case"].consents.get(), on=dt.date(2026, 11, 14), by=world["worker"])
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=JST), tick=False):
        assert client.get(reverse("cases:detail", args=[world["case"].pk])).status_code == 404


# --- The access log --------------------------------------------------------------------------


def test_the_sending_and_every_view_by_the_recipient_are_logged_with_the_basis(world, client):
    referral = send(world, items=["name_age", "problems", "contact"])
    sent = LogEntry.objects.get(action=LogEntry.Action.ACCESS, additional_data__purpose__startswith="連携シートの送付")
    assert sent.object_pk == str(world["case"].pk) and sent.actor == world["worker"]
    assert sent.changes["disclosed_fields"] == ["name_age", "contact", "problems"]
    assert (sent.additional_data["basis"], sent.additional_data["support_meeting"], sent.additional_data["agency"]) == (
        "swl_106_6", world["meeting"].pk, world["swc"].pk)
    client.force_login(world["recipient"])
    for _ in range(2):
        client.get(reverse("cases:referral_detail", args=[referral.pk]))
    client.get(reverse("cases:referral_pdf", args=[referral.pk]))
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=world["recipient"], object_pk=str(referral.pk))
    assert reads.count() == 3
    assert {r.additional_data["basis"] for r in reads} == {"swl_106_6"}
    assert all("受け手" in r.additional_data["purpose"] for r in reads)
    services.referral_return(referral=referral, reason="鬼瓦 権左衛門さんは対象外", by=world["recipient"])
    text = _log_text()
    for secret in ("鬼瓦", "権左衛門", "潮見台", "98-7654", "家計相談の受け入れ", "対象外"):
        assert secret not in text, secret


# --- The PDF ---------------------------------------------------------------------------------


def test_the_pdf_prints_the_shared_items_the_basis_the_sender_and_the_date(world, client, tmp_path):
    referral = send(world)
    Case.objects.filter(pk=world["case"].pk).update(presenting_problems="変わった主訴")
    client.force_login(world["recipient"])
    response = client.get(reverse("cases:referral_pdf", args=[referral.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "referral.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())
    for expected in ("連携シート", "汐見市社会福祉協議会", "令和8年11月13日", "社会福祉法第106条の6（支援会議）",
                     "令和8年9月20日開催の支援会議で決定", "鬼瓦権左衛門（76歳）", "＊＊＊（要配慮）", world["worker"].name):
        assert "".join(expected.split()) in flat, expected
    # The 主訴 is 要配慮: masked without an approval (tests/consultations/test_masking.py).
    assert "変わった主訴" not in flat and "潮見台" not in flat and "母の介護と家計の相談" not in flat
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert image.height > image.width  # A4 portrait
    assert sum(1 for p in image.getdata() if p < 128) > 1000  # text was drawn


# --- The reminder ----------------------------------------------------------------------------


def test_an_unanswered_sheet_reminds_the_sender_after_five_working_days(world):
    referral = send(world)  # Friday 2026-11-13: five working days later is Friday 2026-11-20
    assert case_reminders.referral_unanswered(scan.Scan(dt.date(2026, 11, 19))) == []
    [planned] = case_reminders.referral_unanswered(scan.Scan(dt.date(2026, 11, 20)))
    assert (planned.user_id, planned.reason, planned.step) == (world["worker"].pk, Reason.REFERRAL, "2026-11-20")
    assert world["case"].number in planned.subject
    assert "鬼瓦" not in planned.subject + planned.body and "家計" not in planned.body
    assert case_reminders.referral_unanswered(scan.Scan(dt.date(2026, 11, 24))) != []  # caught up later
    delivery = Delivery(reason=Reason.REFERRAL, object_key=planned.object_key, step=planned.step)
    assert case_reminders.referral_still_due(delivery, dt.date(2026, 11, 20))
    services.referral_accept(referral=referral, by=world["recipient"])
    assert not case_reminders.referral_still_due(delivery, dt.date(2026, 11, 20))
    assert case_reminders.referral_unanswered(scan.Scan(dt.date(2026, 11, 24))) == []


def test_working_days_skip_weekends():
    assert services.working_days_after(dt.date(2026, 11, 13), 5) == dt.date(2026, 11, 20)
    assert services.working_days_after(dt.date(2026, 11, 14), 5) == dt.date(2026, 11, 20)  # a Saturday
    assert services.working_days_before(dt.date(2026, 11, 20), 5) == dt.date(2026, 11, 13)


# --- Retention -------------------------------------------------------------------------------


def test_anonymisation_reaches_the_copies_sent(world):
    referral = send(world)
    Case.objects.filter(pk=world["case"].pk).update(status="closed", closed_on=dt.date(2026, 11, 14))
    services.cases_anonymise(closed_before=dt.date(2026, 12, 1), by=world["worker"])
    referral.refresh_from_db()
    assert "鬼瓦" not in str(referral.shared) and referral.shared_rows[0][0] == "氏名・年齢"


@pytest.mark.postgres
def test_the_database_keeps_a_sent_sheet_as_sent(world):
    from django.db import DatabaseError, transaction

    referral = send(world)
    for change in ({"shared": [["主訴", "書き換え"]]}, {"agency": world["center"]}, {"items": ["contact"]}):
        with pytest.raises(DatabaseError, match="変更できません"), transaction.atomic():
            Referral.objects.filter(pk=referral.pk).update(**change)
    services.referral_accept(referral=referral, by=world["recipient"])
    with pytest.raises(DatabaseError, match="回答は変更できません"), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.SENT, answered_at=None, answered_by=None)
