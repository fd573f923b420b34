"""Notices in the portal and the admin, the log of what was sent, and the schedule of the jobs."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from reminders import scan
from reminders.models import Delivery, DeliveryStatus, Notice, Reason
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def notice(user, title="自分宛て", **kwargs):
    return Notice.objects.create(user=user, reason=Reason.VACANCY, object_key=f"x:{title}", step="1", title=title,
                                 body="本文", **kwargs)


def test_a_notice_is_its_owners_only(client, city_user):
    mine = notice(city_user)
    other = UserFactory(username="other-user", roles=["市職員"], is_staff=True)
    client.force_login(other)
    assert "自分宛て" not in client.get("/portal/notices/").content.decode()
    assert client.post(f"/portal/notices/{mine.pk}/read/").status_code == 404
    assert "自分宛て" not in client.get("/admin/reminders/notice/").content.decode()
    assert client.get(f"/admin/reminders/notice/{mine.pk}/change/").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None
    client.force_login(city_user)
    client.post(f"/portal/notices/{mine.pk}/read/")
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_menu_counts_unread_notices_and_all_can_be_marked_read(client, city_user):
    for i in range(3):
        notice(city_user, title=f"お知らせ{i}")
    notice(city_user, title="既読のもの", read_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    client.force_login(city_user)
    page = client.get("/portal/").content.decode()
    assert '<span class="nav-count">3<span class="visually-hidden">件の未読</span>' in page
    unread_page = client.get("/portal/notices/?unread=1").content.decode()
    assert "お知らせ0" in unread_page and "既読のもの" not in unread_page
    response = client.post(reverse("reminders:read_all"), {"next": "/portal/notices/?unread=1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/portal/notices/?unread=1"
    assert "3件のお知らせを既読にしました" in response.content.decode()
    assert not Notice.objects.filter(read_at__isnull=True).exists()
    assert "nav-count" not in client.get("/portal/").content.decode()


def test_marking_read_never_redirects_elsewhere(client, city_user):
    mine = notice(city_user)
    client.force_login(city_user)
    response = client.post(f"/portal/notices/{mine.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/portal/notices/"


def test_the_notice_list_is_paged(client, city_user):
    for i in range(35):
        notice(city_user, title=f"件{i:02d}")
    client.force_login(city_user)
    first = client.get("/portal/notices/").content.decode()
    assert "1 / 2ページ（35件）" in first
    assert "件34" in first and "件00" not in first
    assert "件00" in client.get("/portal/notices/?page=2").content.decode()


def test_staff_mark_notices_read_in_the_admin(client, city_user):
    mine = notice(city_user)
    client.force_login(city_user)
    client.post("/admin/reminders/notice/", {"action": "mark_read", "_selected_action": [mine.pk]})
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_city_staff_see_the_log_of_mail_and_send_a_failed_one_again(client, city_user):
    sent = Delivery.objects.create(recipient="a@example.jp", reason=Reason.VACANCY, object_key="x:1", step="1",
                                   subject="送ったもの", body="本文", status=DeliveryStatus.SENT,
                                   sent_at=dt.datetime(2026, 11, 20, 1, tzinfo=dt.UTC))
    failed = Delivery.objects.create(recipient="b@example.jp", reason=Reason.VACANCY, object_key="x:2", step="1",
                                     subject="届かなかったもの", body="本文", status=DeliveryStatus.FAILED,
                                     attempts=10, last_error="550 no such user")
    client.force_login(city_user)
    page = client.get("/admin/reminders/delivery/").content.decode()
    assert "送ったもの" in page and "a@example.jp" in page and "送信済み" in page and "送信できず" in page
    client.post("/admin/reminders/delivery/", {"action": "retry", "_selected_action": [sent.pk, failed.pk]})
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.QUEUED, 0)
    assert sent.status == DeliveryStatus.SENT


@pytest.mark.parametrize("role", ["受託団体", "コーディネーター", "協議体事務局", "相談支援員"])
def test_only_city_staff_read_the_log_of_mail(client, role):
    Delivery.objects.create(recipient="a@example.jp", reason=Reason.VACANCY, object_key="x:1", step="1",
                            subject="送ったもの", body="本文")
    client.force_login(UserFactory(username="someone", roles=[role], is_staff=True))
    assert client.get("/admin/reminders/delivery/").status_code == 403


def test_the_reminder_jobs_are_on_the_database_schedule_city_staff_can_change(client, city_user, reminder_jobs):
    from django_celery_beat.models import PeriodicTask

    jobs = {task.task: task for task in PeriodicTask.objects.filter(task__startswith="reminders.")}
    assert set(jobs) == {"reminders.tasks.scan_due", "reminders.tasks.send_pending"}
    scan_job = jobs["reminders.tasks.scan_due"]
    assert (scan_job.crontab.hour, scan_job.crontab.minute, str(scan_job.crontab.timezone)) == ("7-19", "0", "Asia/Tokyo")
    assert (jobs["reminders.tasks.send_pending"].interval.every, jobs["reminders.tasks.send_pending"].interval.period) \
        == (1, "minutes")
    client.force_login(city_user)
    page = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[scan_job.pk]))
    assert page.status_code == 200
    assert "保存" in page.content.decode()  # city staff may change it, not only look


def test_demo_data_has_a_reminder_of_every_kind(settings):
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        call_command("load_demo_data", stdout=io.StringIO())
        reasons = {p.reason for p in scan.due(dt.date(2026, 11, 24))}
    assert reasons == {Reason.TERM_EXPIRY, Reason.MEETING, Reason.MONITORING, Reason.TIMELINE_SILENT,
                       Reason.EVALUATION, Reason.CERTIFICATE_EXPIRY,
                       Reason.CONTRACT_EXPIRY, Reason.TRAINING, Reason.VACANCY, Reason.PLEDGE,
                       Reason.MONTHLY_REPORT, Reason.WEEKLY_DIGEST, Reason.MINUTES_OVERDUE}


def test_every_demo_notice_links_to_a_page_its_reader_may_open(client):
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        call_command("load_demo_data", stdout=io.StringIO())
        call_command("send_reminders", stdout=io.StringIO())
        notices = list(Notice.objects.select_related("user"))
        assert len({n.user_id for n in notices}) >= 5
        for n in notices:
            assert n.url, n.title
            client.force_login(n.user)
            assert client.get(n.url).status_code == 200, (n.user.username, n.title, n.url)


def test_the_user_guide_explains_the_reminders(client, city_user):
    client.force_login(city_user)
    page = client.get(reverse("portal:guide")).content.decode()
    assert "お知らせとメール（リマインダー）" in page
    assert "任期が終わる120日前・60日前・30日前" in page and "会議の7日前・前日" in page and "毎月10日" in page


def test_the_mail_log_hides_rsvp_links_and_case_reminders(client, city_user):
    invitation = Delivery.objects.create(
        recipient="a@example.jp", reason=Reason.INVITATION, object_key="councils.invitation:1", step="第0版",
        subject="開催のお知らせ", body="出欠：http://testserver/meetings/rsvp/secret-token-123/")
    reminder = Delivery.objects.create(
        recipient="a@example.jp", reason=Reason.MEETING, object_key="councils.meeting:1", step="7日前 2026-12-01",
        subject="開催日が近づいています", body="本文", url="/meetings/rsvp/other-token-456/")
    monitoring = Delivery.objects.create(
        recipient="w@example.jp", reason=Reason.MONITORING, object_key="consultations.plan:1", step="2026-09-01",
        subject="【モニタリングの時期】ケース R8-0001", body="本文")
    client.force_login(city_user)
    for delivery, token in ((invitation, "secret-token-123"), (reminder, "other-token-456")):
        page = client.get(reverse("admin:reminders_delivery_change", args=[delivery.pk])).content.decode()
        assert token not in page and "本人用のため非表示" in page
    assert "ケース R8-0001" not in client.get("/admin/reminders/delivery/").content.decode()
    assert client.get(reverse("admin:reminders_delivery_change", args=[monitoring.pk])).status_code == 404
