"""The 受託団体 portal: own data only, notices filed from the web, bad input changes nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from coordinators import services
from coordinators.models import AppointmentNotice, Coordinator, NoticeStatus
from tests.factories import UserFactory
from tests.lifecycle import CONTRACT_START, file_notice, jpeg_bytes, photo_upload
from tests.once import once

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_world(contract_b, contractor_b, city_user):
    """Organisation B with a certified coordinator and a pending notice."""
    notice = file_notice(contract_b, contractor_b, name="Ｂの人")
    appointment = services.appointment_notice_accept(notice=notice, accepted_by=city_user)
    certificate = services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=CONTRACT_START)
    pending = file_notice(contract_b, contractor_b, name="Ｂの新人")
    return {"coordinator": appointment.coordinator, "certificate": certificate, "notice": notice, "pending": pending}


def b_urls(b):
    return [
        reverse("coordinators:detail", args=[b["coordinator"].pk]),
        reverse("coordinators:dismiss", args=[b["coordinator"].pk]),
        reverse("documents:pdf", args=[b["certificate"].document_id]),
        reverse("documents:pdf", args=[b["notice"].document_id]),
        reverse("coordinators:certificate_sheet", args=[b["certificate"].pk]),
        reverse("coordinators:appoint") + f"?replaces={b['pending'].pk}",
    ]


def test_organisation_a_cannot_reach_anything_of_b(client, contractor_a, contract_a, b_world):
    client.force_login(contractor_a)
    for url in b_urls(b_world):
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("coordinators:list")).content.decode()
    notices = client.get(reverse("coordinators:notices")).content.decode()
    for name in ["Ｂの人", "Ｂの新人"]:
        assert name not in listing
        assert name not in notices


def test_organisation_a_cannot_dismiss_bs_coordinator_by_post(client, contractor_a, b_world):
    client.force_login(contractor_a)
    url = reverse("coordinators:dismiss", args=[b_world["coordinator"].pk])
    response = client.post(url, {**once(), "dismissed_on": "2026-10-31", "reason": "x", "certificate_returned": "on"})
    assert response.status_code == 404
    assert b_world["coordinator"].appointments.get().end is None


def test_organisation_b_sees_its_own(client, contractor_b, b_world):
    client.force_login(contractor_b)
    for url in b_urls(b_world)[:5]:
        assert client.get(url).status_code == 200, url
    assert "Ｂの人" in client.get(reverse("coordinators:list")).content.decode()


def test_other_roles_do_not_reach_the_contractor_pages(client, b_world):
    for roles in (["相談支援員"], ["協議体事務局"], []):
        user = UserFactory(roles=roles)
        client.force_login(user)
        assert client.get(reverse("coordinators:list")).status_code == 404
        assert client.get(reverse("documents:pdf", args=[b_world["notice"].document_id])).status_code == 404


def test_a_coordinator_sees_their_own_record_and_certificate_but_not_colleagues(client, b_world, org_b):
    user = UserFactory(roles=["コーディネーター"], organisation=org_b)
    Coordinator.objects.filter(pk=b_world["coordinator"].pk).update(user=user)
    client.force_login(user)
    assert client.get(reverse("coordinators:detail", args=[b_world["coordinator"].pk])).status_code == 200
    card = client.get(reverse("coordinators:certificate_pdf", args=[b_world["certificate"].pk]))
    assert card.content == bytes(b_world["certificate"].document.pdf)
    # A colleague's record and the organisation's notices (with birth dates) stay hidden.
    assert client.get(reverse("coordinators:detail", args=[b_world["pending"].coordinator_id])).status_code == 404
    assert client.get(reverse("documents:pdf", args=[b_world["pending"].document_id])).status_code == 404


def notice_form(the_contract, **overrides):
    data = {
        "contract": the_contract.pk,
        "areas": [the_contract.areas.first().pk],
        "name": "新井 花子", "name_kana": "あらい はなこ", "birth_date": "1985-05-05", "job_title": "主任",
        "appointed_on": "2026-04-01", "reason": "前任者の退職に伴い選任したため。",
        "photo": photo_upload(),
    }
    data.update(overrides)
    data.update(once())
    return {k: v for k, v in data.items() if v is not None}


def test_filing_an_appointment_notice_from_the_portal(client, contractor_a, contract_a):
    client.force_login(contractor_a)
    response = client.post(reverse("coordinators:appoint"), notice_form(contract_a))
    assert response.status_code == 302
    notice = AppointmentNotice.objects.get()
    assert notice.status == NoticeStatus.SUBMITTED
    assert notice.coordinator.name == "新井 花子"
    assert notice.coordinator.photo
    detail = client.get(response["Location"]).content.decode()
    assert "提出済（受理待ち）" in detail
    assert client.get(reverse("documents:pdf", args=[notice.document_id]))["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"appointed_on": "2027-04-01"}, "委託期間"),
        ({"name": ""}, "氏名"),
        ({"reason": ""}, "このフィールドは必須です"),
        ({"photo": photo_upload("x.jpg", b"not an image")}, "画像"),
        ({"photo": photo_upload("x.gif", b"GIF89a", "image/gif")}, "画像"),
        ({"appointed_on": "令和8年4月1日"}, "日付を正しく入力してください"),
        ({"appointed_on": "9999-12-31"}, "2000年から2100年までの日付を入力してください"),
        ({"appointed_on": "0001-01-01"}, "2000年から2100年までの日付を入力してください"),
        ({"birth_date": "0001-01-01"}, "生年月日は1868年（明治元年）から今日まで"),
        ({"birth_date": "9999-12-31"}, "生年月日は1868年（明治元年）から今日まで"),
        ({"reason": "あ" * 2001}, "2000 文字以下"),
    ],
)
def test_bad_input_gets_a_japanese_message_and_saves_nothing(client, contractor_a, contract_a, overrides, message):
    client.force_login(contractor_a)
    response = client.post(reverse("coordinators:appoint"), notice_form(contract_a, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AppointmentNotice.objects.exists()
    assert not Coordinator.objects.exists()


def test_the_contract_of_another_organisation_is_not_offered(client, contractor_a, contract_a, contract_b):
    client.force_login(contractor_a)
    response = client.post(reverse("coordinators:appoint"), notice_form(contract_a, contract=contract_b.pk))
    assert response.status_code == 200
    assert "正しく選択してください" in response.content.decode()
    assert not AppointmentNotice.objects.exists()


def test_dismissal_from_the_portal(client, contractor_a, accepted):
    client.force_login(contractor_a)
    url = reverse("coordinators:dismiss", args=[accepted.coordinator_id])
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    response = client.post(url, {**once(), "dismissed_on": yesterday, "reason": "退職のため", "certificate_returned": "on"})
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.end is not None
    listing = client.get(reverse("coordinators:list")).content.decode()
    assert "後任未選任" in listing


def test_refused_dismissal_shows_the_reason(client, contractor_a, accepted):
    client.force_login(contractor_a)
    url = reverse("coordinators:dismiss", args=[accepted.coordinator_id])
    response = client.post(url, {**once(), "dismissed_on": "2026-03-01", "reason": "退職", "certificate_returned": "on"})
    assert response.status_code == 200
    assert "選任年月日（令和8年4月1日）より前です" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.end is None


def test_coordinator_list_query_count_is_fixed(client, contractor_a, contract_a, city_user, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(contractor_a)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("coordinators:list")).status_code == 200
        return len(queries)

    def add(n, start):
        for i in range(n):
            notice = file_notice(contract_a, contractor_a, name=f"人{start + i}")
            appointment = services.appointment_notice_accept(notice=notice, accepted_by=city_user)
            services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=CONTRACT_START)

    add(1, 0)
    few = measure()
    add(5, 10)
    assert measure() == few
    assert client.get(reverse("coordinators:notices")).status_code == 200


def test_jpeg_helper_makes_an_image():
    assert jpeg_bytes()[:2] == b"\xff\xd8"
