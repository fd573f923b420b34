"""Jobs from web requests: published only after commit, and a broker that is down or hung never
fails or stalls the request (the outbox row waits for the sweep)."""

import socket
import threading
import time

import pytest
from django.db import transaction
from django.urls import reverse

from config.celery import app
from municipality.jobs import publish, publish_on_commit
from reminders.models import Delivery, DeliveryStatus, Reason
from reminders.tasks import send_pending


def queued_tasks() -> int:
    """Messages waiting in the broker's default queue."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        return channel.queue_declare(queue=app.conf.task_default_queue, durable=True, auto_delete=False).message_count


@pytest.fixture
def empty_queue():
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)
    yield
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)


@pytest.fixture
def broker_at(monkeypatch):
    """Point the application at another broker for the rest of the test."""
    def point(url: str) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its configuration; changing
        # only the variable leaves the application's configuration as it was for later tests.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
    return point


class HungBroker:
    """Accepts connections and never answers: the worst case for a client without timeouts."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(50)
        self.port = self.server.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        for connection in self.connections:
            connection.close()
        self.server.close()


@pytest.mark.django_db(transaction=True)
def test_a_job_is_published_only_after_the_commit_and_not_at_all_on_rollback(empty_queue):
    with transaction.atomic():
        publish_on_commit(send_pending)
        assert queued_tasks() == 0  # not before the commit
    assert queued_tasks() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_on_commit(send_pending)
        raise RuntimeError("the request failed")
    assert queued_tasks() == 1  # the rolled-back transaction published nothing


def test_publish_reports_a_dead_broker_instead_of_raising(broker_at):
    broker_at("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    started = time.monotonic()
    assert publish(send_pending) is False
    assert time.monotonic() - started < 2


def send_invitations_by_click(client, secretary, meeting):
    client.force_login(secretary)
    started = time.monotonic()
    response = client.post(reverse("councils:meeting", args=[meeting.pk]), {"send": "1"}, follow=True)
    return response, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_request_succeeds_and_the_mail_waits_in_the_outbox(
        client, secretary, meeting_to_announce, broker_at):
    broker_at("redis://127.0.0.1:9/0")
    response, seconds = send_invitations_by_click(client, secretary, meeting_to_announce)
    assert response.status_code == 200
    assert "1人あての開催通知メールを送信します" in response.content.decode()
    assert seconds < 10
    delivery = Delivery.objects.get(reason=Reason.INVITATION)
    assert (delivery.recipient, delivery.status) == ("iin@example.jp", DeliveryStatus.QUEUED)


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_that_never_answers_the_request_returns_within_seconds(
        client, secretary, meeting_to_announce, broker_at):
    hung = HungBroker()
    try:
        broker_at(f"redis://127.0.0.1:{hung.port}/0")
        response, seconds = send_invitations_by_click(client, secretary, meeting_to_announce)
    finally:
        hung.close()
    assert hung.connections, "the request did try the hung broker"
    assert response.status_code == 200
    assert "1人あての開催通知メールを送信します" in response.content.decode()
    assert seconds < 10, f"the request took {seconds:.1f} s"
    assert Delivery.objects.get(reason=Reason.INVITATION).status == DeliveryStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_with_the_broker_down_still_answers(client, contractor_a, broker_at):
    broker_at("redis://127.0.0.1:9/0")
    from municipality.models import PasswordResetRequest

    response = client.post(reverse("password_reset"), {"email": contractor_a.email})
    assert response.status_code == 302
    # The request waits for the minute sweep (reminders.tasks.send_pending), which queues its mail.
    assert PasswordResetRequest.objects.get().processed_at is None
    send_pending()
    assert Delivery.objects.get(reason=Reason.PASSWORD_RESET).status == DeliveryStatus.SENT


def test_a_hung_embedded_broker_on_its_unix_socket_costs_a_publish_seconds(broker_at, tmp_path):
    """The embedded default's private Redis listens on a socket file; stopped (e.g. SIGSTOP) it still
    accepts connections and never answers."""
    hung = socket.socket(socket.AF_UNIX)
    hung.bind(str(tmp_path / "redis.sock"))
    hung.listen(50)
    try:
        broker_at(f"redis+socket://{tmp_path / 'redis.sock'}")
        started = time.monotonic()
        assert publish(send_pending) is False
        seconds = time.monotonic() - started
    finally:
        hung.close()
    assert seconds < 5, f"the publish took {seconds:.1f} s"
