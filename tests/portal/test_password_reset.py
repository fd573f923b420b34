"""Password reset: the request answers the same, with the same work and in the same time, whether or
not the address is registered; a worker (or the minute sweep) looks the user up and queues the mail;
requests are limited per address and per client; the addresses do not stay."""

import datetime as dt
import re
import statistics
import time

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import name_city

pytestmark = pytest.mark.django_db

UNKNOWN = "nobody@example.jp"


@pytest.fixture(autouse=True)
def municipality_name():
    name_city()


def request_reset(client, email: str, *, ip: str = "192.0.2.10"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def process_and_send() -> int:
    """What the worker does after the response: queue the reset mails, then send the outbox."""
    from portal.services import password_reset_requests_process
    from reminders.services import send_due

    password_reset_requests_process()
    return send_due()


def test_the_answer_is_the_same_for_a_registered_and_an_unknown_address(client, contractor_a):
    known, unknown = request_reset(client, contractor_a.email), request_reset(client, UNKNOWN)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert known.content == unknown.content
    assert sorted(known.headers.items()) == sorted(unknown.headers.items())


def test_the_request_does_the_same_queries_and_never_looks_up_the_user(client, contractor_a):
    request_reset(client, "warm-up@example.jp")  # first-use queries (content types, sessions) out of the way
    captured = {}
    for email in [contractor_a.email, UNKNOWN]:
        with CaptureQueriesContext(connection) as queries:
            request_reset(client, email)
        captured[email] = [q["sql"] for q in queries]
    known, unknown = captured[contractor_a.email], captured[UNKNOWN]
    assert len(known) == len(unknown)
    assert not any("municipality_user" in sql or "reminders_delivery" in sql for sql in known + unknown), known
    assert sum(sql.startswith("INSERT") for sql in known) == 1


def test_the_request_takes_the_same_time_for_a_registered_and_an_unknown_address(client, contractor_a):
    """Loose on purpose (a shared machine): the queries are compared strictly above; here only the
    medians of interleaved runs, which differed tenfold when the request looked the user up."""
    timings = {contractor_a.email: [], UNKNOWN: []}
    for _ in range(20):
        for email in timings:
            started = time.perf_counter()
            request_reset(client, email)
            timings[email].append(time.perf_counter() - started)
    known, unknown = (statistics.median(timings[e]) for e in (contractor_a.email, UNKNOWN))
    assert abs(known - unknown) < 0.5 * min(known, unknown) + 0.003, (known, unknown)


def test_the_worker_queues_the_mail_and_the_outbox_delivers_a_working_link(client, contractor_a):
    from reminders.models import Delivery, Reason
    from reminders.services import ERASED

    request_reset(client, contractor_a.email)
    assert mail.outbox == [] and not Delivery.objects.exists()  # nothing happens in the request
    assert process_and_send() == 1
    delivery = Delivery.objects.get(reason=Reason.PASSWORD_RESET)
    assert delivery.recipient == contractor_a.email and delivery.body == ERASED and delivery.sensitive
    [message] = mail.outbox
    assert message.to == [contractor_a.email]
    assert message.subject == "【汐見市】パスワード再設定のご案内"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)
    form_url = client.get(link, follow=True).request["PATH_INFO"]
    response = client.post(form_url, {"new_password1": "aoi-umi-shiroi-nami-7", "new_password2": "aoi-umi-shiroi-nami-7"})
    assert response.status_code == 302
    contractor_a.refresh_from_db()
    assert contractor_a.check_password("aoi-umi-shiroi-nami-7")


def test_an_unknown_address_gets_no_mail(client):
    from reminders.models import Delivery

    request_reset(client, UNKNOWN)
    assert process_and_send() == 0
    assert mail.outbox == [] and not Delivery.objects.exists()


def test_processing_twice_queues_one_mail(client, contractor_a):
    from municipality.models import PasswordResetRequest
    from portal.services import password_reset_requests_process

    request_reset(client, contractor_a.email)
    password_reset_requests_process()
    PasswordResetRequest.objects.update(processed_at=None, email=contractor_a.email)  # as if a worker died
    assert process_and_send() == 1


def test_five_requests_for_one_address_send_at_most_the_limit(client, contractor_a, settings):
    assert settings.PASSWORD_RESET_LIMIT_PER_ADDRESS == 3
    for _ in range(5):
        response = request_reset(client, contractor_a.email.upper())  # the case of an address does not matter
        assert response.status_code == 302  # the same answer for the requests over the limit
    assert process_and_send() == 3
    assert len(mail.outbox) == 3


def test_the_address_limit_is_per_hour(client, contractor_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            request_reset(client, contractor_a.email)
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        request_reset(client, contractor_a.email)
        assert process_and_send() == 4  # 3 in the first hour, then 1 more


def test_one_client_asking_for_many_addresses_is_limited(client, contractor_a, settings):
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 10
    for n in range(10):
        request_reset(client, f"guess{n}@example.jp", ip="198.51.100.7")
    request_reset(client, contractor_a.email, ip="198.51.100.7")  # the 11th from this client
    assert process_and_send() == 0
    request_reset(client, contractor_a.email, ip="203.0.113.5")  # another client is not held back
    assert process_and_send() == 1


def test_a_flooding_client_stores_nothing_past_its_limit(client, contractor_a, settings):
    from municipality.models import PasswordResetRequest

    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 10
    answers = {request_reset(client, f"flood{n}@example.jp", ip="198.51.100.9").url for n in range(25)}
    assert len(answers) == 1  # the same answer throughout
    assert PasswordResetRequest.objects.filter(client="198.51.100.9").count() == 10


def test_addresses_do_not_stay_and_rows_go_after_a_day(client, contractor_a):
    from municipality.models import PasswordResetRequest
    from portal.services import password_reset_requests_process

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request_reset(client, contractor_a.email)
        row = PasswordResetRequest.objects.get()
        assert (row.email, str(row.client)) == (contractor_a.email, "192.0.2.10")
        password_reset_requests_process()
        row.refresh_from_db()
        assert row.email == "" and row.processed_at is not None
        assert contractor_a.email not in row.email_hash and len(row.email_hash) == 64
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        password_reset_requests_process()
    assert not PasswordResetRequest.objects.exists()


def test_requests_are_not_in_the_audit_log(client, contractor_a):
    from auditlog.models import LogEntry

    before = LogEntry.objects.count()  # creating the user is logged, with its address
    request_reset(client, contractor_a.email)
    process_and_send()
    assert not LogEntry.objects.filter(content_type__model="passwordresetrequest").exists()
    assert not any(contractor_a.email in str(entry.changes) for entry in LogEntry.objects.order_by("pk")[before:])


def test_the_request_publishes_the_worker_task_on_commit(client, contractor_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        request_reset(client, contractor_a.email)
    assert [callback.args[0].name for callback in callbacks] == ["portal.tasks.process_password_resets"]


def test_the_minute_sweep_processes_what_the_broker_lost(client, contractor_a):
    from reminders.tasks import send_pending

    request_reset(client, contractor_a.email)  # in a test transaction: nothing is published
    assert send_pending() == 1
    assert [m.to for m in mail.outbox] == [[contractor_a.email]]


def test_the_worker_task_queues_the_mail_and_wakes_the_sender(client, contractor_a, django_capture_on_commit_callbacks):
    from portal.tasks import process_password_resets
    from reminders.models import Delivery, DeliveryStatus

    request_reset(client, contractor_a.email)
    with django_capture_on_commit_callbacks() as callbacks:
        assert process_password_resets() == 1
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    assert [callback.args[0].name for callback in callbacks] == ["reminders.tasks.send_pending"]
