"""State changes of the portal: password reset requests, whose mail goes through the outbox.
The request rows are the core's (municipality.PasswordResetRequest); the mail is the outbox's."""

from __future__ import annotations

import datetime as dt
import ipaddress
from urllib.parse import urlsplit

from celery import Task, current_app
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from municipality.jobs import publish_on_commit
from municipality.models import Municipality, PasswordResetRequest
from municipality.naming import SYSTEM_NAME
from reminders.models import Reason
from reminders.services import Mail, mail_queue

from .forms import PasswordResetForm

# A request row (and with it the client's address) is kept this long: far beyond the limits' hour.
PASSWORD_RESET_KEEP = dt.timedelta(days=1)
PASSWORD_RESET_WINDOW = dt.timedelta(hours=1)
PASSWORD_RESET_BATCH = 50


def _address_hash(email: str) -> str:
    # Keyed with SECRET_KEY: the hash counts requests without being a lookup table of addresses.
    return salted_hmac("municipality.password_reset", email.strip().lower(), algorithm="sha256").hexdigest()


def _client_address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


def _process_password_resets() -> Task:
    """The task that processes the waiting requests, found by its name: tasks.py calls this module,
    so this module does not import tasks.py (apps.py imports it at start, which registers the task)."""
    return current_app.tasks["portal.tasks.process_password_resets"]


@transaction.atomic
def password_reset_request(*, email: str, client: str | None) -> PasswordResetRequest | None:
    """Record a request for a reset mail and wake the worker once it commits. The same single insert
    whatever the address: whether it is registered shows neither in the answer nor in its time."""
    client = _client_address(client)
    # A client past its limit would be refused by the worker anyway: its further requests are not
    # even stored, so that a flood cannot fill the table or keep the worker busy. The count is made
    # for every request, whatever the address, so the answer still says nothing.
    recent = PasswordResetRequest.objects.filter(
        client=client, requested_at__gt=timezone.now() - PASSWORD_RESET_WINDOW).count() if client else 0
    if recent >= settings.PASSWORD_RESET_LIMIT_PER_CLIENT:
        return None
    request = PasswordResetRequest.objects.create(email=email, email_hash=_address_hash(email), client=client)
    publish_on_commit(_process_password_resets())
    return request


def _over_limit(request: PasswordResetRequest) -> bool:
    """Whether earlier requests within the hour already reached a limit (for this address, or from
    this client). Counted from the rows, which never change, so any worker in any order agrees."""
    earlier = PasswordResetRequest.objects.filter(pk__lt=request.pk,
                                                  requested_at__gt=request.requested_at - PASSWORD_RESET_WINDOW)
    if earlier.filter(email_hash=request.email_hash).count() >= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS:
        return True
    return bool(request.client) and (
        earlier.filter(client=request.client).count() >= settings.PASSWORD_RESET_LIMIT_PER_CLIENT)


def _reset_mails(request: PasswordResetRequest, municipality: Municipality) -> list[Mail]:
    """The reset mail of each active user with this address (usually one, often none)."""
    site = urlsplit(settings.SITE_URL)
    mails = []
    for user in PasswordResetForm().get_users(request.email):
        context = {
            "email": user.email, "user": user, "domain": site.netloc, "site_name": site.netloc,
            "protocol": site.scheme or "https", "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "municipality_name": municipality.name, "system_name": SYSTEM_NAME,
        }
        mails.append(Mail(
            to=user.email,
            subject="".join(render_to_string("registration/password_reset_subject.txt", context).splitlines()),
            body=render_to_string("registration/password_reset_email.html", context),
            reason=Reason.PASSWORD_RESET, object_key=f"municipality.user:{user.pk}",
            # One mail per request, however often the request is processed.
            step=f"request {request.pk}", user_id=user.pk, sensitive=True,
        ))
    return mails


def password_reset_requests_process() -> int:
    """Queue the reset mails of the requests that wait (the worker after a request, and the minute
    sweep for what a broker that was down lost); erase their addresses; drop rows older than a day.
    Safe in several workers at once: each takes the rows it locked. Returns how many were processed."""
    municipality = Municipality.objects.current()
    processed = 0
    while True:
        with transaction.atomic():
            batch = list(PasswordResetRequest.objects.select_for_update(skip_locked=True)
                         .filter(processed_at__isnull=True).order_by("pk")[:PASSWORD_RESET_BATCH])
            if not batch:
                break
            mails = [mail for request in batch if request.email and not _over_limit(request)
                     for mail in _reset_mails(request, municipality)]
            if mails:
                mail_queue(mails=mails)
            PasswordResetRequest.objects.filter(pk__in=[r.pk for r in batch]).update(
                processed_at=timezone.now(), email="")
        processed += len(batch)
    PasswordResetRequest.objects.filter(requested_at__lt=timezone.now() - PASSWORD_RESET_KEEP).delete()
    return processed
