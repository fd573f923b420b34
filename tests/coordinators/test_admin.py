"""City staff accept notices and issue certificates from the admin, with a list of what waits."""

import datetime as dt

import pytest
from django.urls import reverse

from coordinators import selectors, services
from coordinators.models import (
    AppointmentNotice,
    Certificate,
    CertificateStatus,
    NoticeStatus,
)
from tests.factories import TrainingCourseFactory, TrainingRecordFactory
from tests.lifecycle import CONTRACT_START, file_notice

pytestmark = pytest.mark.django_db


def run_action(client, model, action, pks, **extra):
    url = reverse(f"admin:coordinators_{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": pks, **extra}, follow=True)


def test_waiting_list_shows_what_waits(client, city_user, contract_a, contractor_a):
    notice = file_notice(contract_a, contractor_a)
    client.force_login(city_user)
    body = client.get(reverse("admin:coordinators_waiting")).content.decode()
    assert "受理待ちの選任届（1件）" in body
    assert notice.coordinator.name in body
    home = client.get(reverse("portal:home")).content.decode()
    assert "受理待ちの選任届：1件" in home


def test_accept_then_issue_from_the_admin(client, city_user, contract_a, contractor_a):
    notice = file_notice(contract_a, contractor_a)
    client.force_login(city_user)
    response = run_action(client, "appointmentnotice", "accept", [notice.pk])
    assert "1件を受理しました" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACCEPTED
    response = run_action(client, "appointment", "issue_certificate", [notice.appointment.pk], apply="1")
    assert "1件を交付しました" in response.content.decode()
    certificate = Certificate.objects.get()
    assert certificate.issued_by == city_user
    assert certificate.status == CertificateStatus.VALID


def test_a_refusal_in_the_admin_shows_the_japanese_reason(client, city_user, contract_a, contractor_a):
    notice = file_notice(contract_a, contractor_a, photo=False)
    client.force_login(city_user)
    run_action(client, "appointmentnotice", "accept", [notice.pk])
    notice.refresh_from_db()
    response = run_action(client, "appointment", "issue_certificate", [notice.appointment.pk], apply="1")
    assert "写真が登録されていないため、証を交付できません。" in response.content.decode()
    assert not Certificate.objects.exists()


def test_send_back_asks_for_a_reason_first(client, city_user, contract_a, contractor_a):
    notice = file_notice(contract_a, contractor_a)
    client.force_login(city_user)
    page = run_action(client, "appointmentnotice", "send_back", [notice.pk])
    assert "差戻しの理由" in page.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SUBMITTED
    run_action(client, "appointmentnotice", "send_back", [notice.pk], apply="1", text="生年月日を確認してください。")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RETURNED
    assert notice.return_comment == "生年月日を確認してください。"


def test_reissue_from_the_admin(client, city_user, accepted):
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    client.force_login(city_user)
    run_action(client, "certificate", "reissue", [certificate.pk], apply="1", text="紛失のため")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REPLACED
    assert Certificate.objects.get(replaces=certificate).status == CertificateStatus.VALID


def test_print_selected_certificates_on_a4(client, city_user, accepted):
    certificate = services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    client.force_login(city_user)
    response = client.post(reverse("admin:coordinators_certificate_changelist"),
                           {"action": "print_sheet", "_selected_action": [certificate.pk]})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_notices_and_history_are_read_only_in_the_admin(client, city_user, contract_a, contractor_a):
    notice = file_notice(contract_a, contractor_a)
    client.force_login(city_user)
    url = reverse("admin:coordinators_appointmentnotice_change", args=[notice.pk])
    client.post(url, {"status": "accepted"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SUBMITTED
    assert client.post(reverse("admin:coordinators_appointmentnotice_delete", args=[notice.pk]),
                       {"post": "yes"}).status_code == 403
    assert AppointmentNotice.objects.filter(pk=notice.pk).exists()


def test_contracts_awaiting_a_successor_are_flagged(client, city_user, accepted, contractor_a):
    services.dismissal_notice_file(
        organisation=accepted.coordinator.employer, coordinator=accepted.coordinator,
        dismissed_on=dt.date.today() - dt.timedelta(days=3), reason="退職", certificate_returned=True,
        filed_by=contractor_a)
    client.force_login(city_user)
    body = client.get(reverse("admin:coordinators_contract_changelist")).content.decode()
    assert "後任未選任の区域あり" in body


def test_contractor_has_no_admin(client, contractor_a):
    client.force_login(contractor_a)
    response = client.get(reverse("admin:coordinators_appointmentnotice_changelist"))
    assert response.status_code == 302  # to the admin login: not staff


def test_coordinators_missing_required_training(accepted, city_user):
    course = TrainingCourseFactory(is_required=True)
    TrainingCourseFactory(is_required=False)
    within = dt.timedelta(days=365)
    # Within the set time after appointment: not yet flagged.
    assert list(selectors.coordinators_missing_required_training(day=CONTRACT_START + within)) == []
    late = CONTRACT_START + within + dt.timedelta(days=1)
    assert list(selectors.coordinators_missing_required_training(day=late)) == [accepted.coordinator]
    TrainingRecordFactory(coordinator=accepted.coordinator, course=course)
    assert list(selectors.coordinators_missing_required_training(day=late)) == []


def test_the_coordinator_page_links_the_photo_through_the_admin_not_the_media_address(
        client, city_user, contract_a, contractor_a, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    coordinator = file_notice(contract_a, contractor_a).coordinator
    client.force_login(city_user)
    page = client.get(reverse("admin:coordinators_coordinator_change", args=[coordinator.pk])).content.decode()
    photo_url = reverse("admin:coordinators_coordinator_photo", args=[coordinator.pk])
    assert f'href="{photo_url}"' in page and "登録済みの写真を見る" in page
    assert coordinator.photo.url not in page  # MEDIA_URL, which nothing serves
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert photo.content[:2] == b"\xff\xd8" and "no-store" in photo["Cache-Control"]
    # Someone outside the coordinator's scope, and a coordinator without a photo: 404.
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="sec_x", roles=["協議体事務局"], is_staff=True))
    assert client.get(photo_url).status_code == 404
    coordinator.photo = None
    coordinator.save()
    client.force_login(city_user)
    assert client.get(photo_url).status_code == 404
