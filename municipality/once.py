"""Each sending of a form counts once.

A create form carries a one-time token (a hidden field, a new UUID for each rendered form). The
view that saves it claims the token first, in the same transaction as the save, by inserting a
``FormSubmission`` row whose token is unique in the database:

* a double click, a form sent again (a reload after a lost answer) or two identical requests at
  the same moment carry the same token; the second insert waits on the unique index until the
  first transaction ends, then fails, and the second request answers like the first (a redirect
  to the page the first one opened) with a message: nothing is created twice, no error page;
* going back to a sent form, the browser may load the page anew (a new token) and put back what
  was typed (Chromium does; tests/browser/test_once_browser.py). static/js/portal.js then puts
  back the token the form was sent with (kept in sessionStorage at the sending, for back/forward
  navigations only). A form opened anew by a link is a new form;
* when a sending did not save (an invalid form, a refused action), its claim is removed in the
  same transaction, so the corrected form can be sent again with the same token;
* a form sent without a token, or with a token that is not a UUID, is an invalid form with a
  message asking to reload the page (what was typed is kept, and the page shown again carries a
  token). Every form the portal renders has one.

Portal views: ``OnceFormMixin`` on the form, ``@submit_once`` on the view. Admin add forms: the
admin site mixes ``OnceAdminMixin`` into every ModelAdmin it registers (config/admin_site.py).
Tokens older than ``FORM_TOKEN_DAYS`` are deleted by ``services.form_submissions_prune`` (run by the
worker heartbeat job, every minute).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseRedirectBase

from .models import FormSubmission

TOKEN_FIELD = "once_token"
ALREADY_DONE = "この内容はすでに登録されています（二重送信を防ぎました）。"
RELOAD = "この画面は正しく送信できませんでした。ページを読み込み直してから、もう一度送信してください。"


def parse_token(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class OnceFormMixin:
    """Adds the hidden one-time token to a form; a bound form without a valid token is invalid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.fields[TOKEN_FIELD] = forms.CharField(  # type: ignore[attr-defined]
            widget=forms.HiddenInput, required=False, initial=uuid.uuid4, max_length=36)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        # The token is the view's business: views pass cleaned_data on to services as it is.
        getattr(self, "cleaned_data", {}).pop(TOKEN_FIELD, None)
        if self.is_bound and parse_token(self.data.get(self.add_prefix(TOKEN_FIELD))) is None:  # type: ignore[attr-defined]
            self.add_error(None, RELOAD)  # type: ignore[attr-defined]
            # The form shown again carries a fresh token, so that sending it once more goes through.
            data = self.data.copy()  # type: ignore[attr-defined]
            data[self.add_prefix(TOKEN_FIELD)] = str(uuid.uuid4())  # type: ignore[attr-defined]
            self.data = data


def _duplicate_response(request: HttpRequest, token: uuid.UUID, form: str) -> HttpResponse:
    first = FormSubmission.objects.filter(token=token).first()
    if first is None or first.user_id != request.user.pk or first.form != form or not first.result_url:
        # A token of someone else's or of another form: not a resent form; show the form again.
        messages.error(request, RELOAD)
        return HttpResponseRedirect(request.get_full_path())
    messages.info(request, ALREADY_DONE)
    return HttpResponseRedirect(first.result_url)


def claim_and_run(request: HttpRequest, *, form: str, respond: Callable[[], HttpResponse]) -> HttpResponse:
    """Run ``respond`` (the view's handling of the POST) once for the request's token.

    Must be called inside a transaction: the claim commits or rolls back with the save.
    A response that is not a redirect means nothing was saved, and the claim is removed.
    """
    token = parse_token(request.POST.get(TOKEN_FIELD))
    if token is None:
        return respond()  # the form itself refuses a missing token
    try:
        with transaction.atomic():
            claim = FormSubmission.objects.create(token=token, form=form, user=request.user)
    except IntegrityError:
        return _duplicate_response(request, token, form)
    response = respond()
    saved_at = _saved_at(request, response)
    if saved_at:
        claim.result_url = saved_at[:300]
        claim.save(update_fields=["result_url"])
    else:
        claim.delete()
    return response


def _saved_at(request: HttpRequest, response: HttpResponse) -> str:
    """Where a successful sending left the user ("" when nothing was saved)."""
    if isinstance(response, HttpResponseRedirectBase):
        return response["Location"]
    # An admin add form opened as a pop-up (the "+" beside a select) answers its success with a page
    # that closes the pop-up; a repeat is sent back to the add form with the message.
    names = getattr(response, "template_name", None) or []
    if isinstance(names, str):
        names = [names]
    if response.status_code == 200 and any(str(name).endswith("popup_response.html") for name in names):
        return request.get_full_path()
    return ""


def submit_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal view whose POST creates something: its form (with ``OnceFormMixin``) is saved once."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        form = request.resolver_match.view_name if request.resolver_match else view.__qualname__
        with transaction.atomic():
            return claim_and_run(request, form=form, respond=lambda: view(request, *args, **kwargs))

    wrapped.submits_once = True  # type: ignore[attr-defined]
    return wrapped


class OnceAdminMixin:
    """An admin add form saved once: the same token, claimed in the admin's own transaction."""

    submits_once = True

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if obj is None and not change and not issubclass(form, OnceFormMixin):
            form = type(form.__name__, (OnceFormMixin, form), {"__module__": form.__module__})
        return form

    def _changeform_view(self, request: HttpRequest, object_id: Any, form_url: str, extra_context: Any) -> Any:
        # ModelAdmin.changeform_view runs this inside transaction.atomic().
        if object_id is not None or request.method != "POST" or "_saveasnew" in request.POST:
            return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        opts = self.model._meta  # type: ignore[attr-defined]
        return claim_and_run(request, form=f"admin:{opts.app_label}_{opts.model_name}_add",
                             respond=lambda: super(OnceAdminMixin, self)._changeform_view(
                                 request, object_id, form_url, extra_context))
