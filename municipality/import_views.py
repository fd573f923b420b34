"""The admin's import pages: the list of ledgers, a template per ledger, upload → preview → confirm.

For city staff (市職員) only: each view goes through ``role_required`` (municipality/access.py), so
other staff get 404; the admin site's ``admin_view`` sends users who are not staff to its login.
The preview is a dry run of the real import (the services run, then everything is rolled back),
so what it lists as created, changed or refused is what the import does. The file waits between
the preview and the confirmation in the media storage of django-import-export, under a name kept
in the user's session, and is removed once imported (or after a day, by the heartbeat job).
A file of more than ``import_jobs.background_rows()`` rows is checked and imported by the worker
(municipality/import_jobs.py); the page of its job follows it and then shows the same preview. The confirmation carries the one-time form
token: a second sending answers like the first and imports nothing twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from municipality.terms import localise

from . import import_jobs, importing, services
from .access import role_required
from .downloads import content_disposition
from .import_jobs import pending_storage
from .models import ImportJob
from .once import TOKEN_FIELD, claim_and_run
from .roles import Role

SESSION_KEY = "ledger_imports"
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=shift_jis",
}

city_staff = role_required(Role.CITY_STAFF)


class UploadForm(forms.Form):
    file = forms.FileField(label="ファイル（xlsx または CSV）")


def _ledger_or_404(key: str) -> importing.Ledger:
    ledger = importing.ledger_for(key)
    if ledger is None:
        raise Http404("台帳が見つかりません。")
    return ledger


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), **extra}


def _changelist_url(ledger: importing.Ledger) -> str:
    app_label, model = ledger.model.split(".")
    try:
        return reverse(f"admin:{app_label}_{model}_changelist")
    except NoReverseMatch:
        return reverse("admin:imports_index")


@city_staff
def index(request: HttpRequest) -> HttpResponse:
    """The ledgers in the order a moving city fills them in."""
    return TemplateResponse(request, "admin/imports/index.html", _context(
        request, title="台帳の取り込み（移行）", ledgers=importing.all_ledgers(),
        max_mb=importing.MAX_BYTES // (1024 * 1024), max_rows=importing.MAX_ROWS))


@city_staff
def template(request: HttpRequest, ledger: str, fmt: str) -> HttpResponse:
    """The empty ledger with its Japanese headers (xlsx with a 記入方法 sheet, or CP932 CSV)."""
    found = _ledger_or_404(ledger)
    if fmt not in CONTENT_TYPES:
        raise Http404("この形式のテンプレートはありません。")
    content = importing.template_xlsx(found) if fmt == "xlsx" else importing.template_csv(found)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(f"import-{found.key}.{fmt}")
    return response


def _pending(request: HttpRequest) -> dict[str, dict[str, str]]:
    return request.session.get(SESSION_KEY, {})


@city_staff
def upload(request: HttpRequest, ledger: str) -> HttpResponse:
    """Choose a file; the answer is the preview (a dry run) with a button to import."""
    found = _ledger_or_404(ledger)
    form = UploadForm(request.POST or None, request.FILES or None)
    context = _context(request, title=f"{localise(found.label)}の取り込み", ledger=found, form=form,
                       changelist_url=_changelist_url(found),
                       max_mb=importing.MAX_BYTES // (1024 * 1024), max_rows=importing.MAX_ROWS)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        filename = upload_file.name or "file"
        if upload_file.size > importing.MAX_BYTES:
            form.add_error("file", f"ファイルが大きすぎます（上限 {importing.MAX_BYTES // (1024 * 1024)} MB）。")
            return TemplateResponse(request, "admin/imports/upload.html", context)
        content = upload_file.read()
        try:
            dataset = importing.read_dataset(found, filename=filename, content=content)
        except importing.FileRefused as exc:
            form.add_error("file", exc.message)
            return TemplateResponse(request, "admin/imports/upload.html", context)
        storage = pending_storage(uuid.uuid4().hex)
        storage.save(content)
        upload_id = storage.name
        pending = _pending(request)
        pending[upload_id] = {"ledger": found.key, "filename": filename[:255]}
        request.session[SESSION_KEY] = pending
        if len(dataset) > import_jobs.background_rows():
            job = import_jobs.job_start(ledger=found, filename=filename, upload=upload_id, kind=ImportJob.Kind.PREVIEW,
                                        row_count=len(dataset), by=request.user)
            return HttpResponseRedirect(reverse("admin:imports_job", args=[job.token]))
        outcome = importing.run(found, dataset, by=request.user, dry_run=True)
        context.update(outcome=outcome, upload_id=upload_id, filename=filename, once_token=uuid.uuid4(),
                       token_field=TOKEN_FIELD)
    return TemplateResponse(request, "admin/imports/upload.html", context)


@city_staff
@require_POST
def confirm(request: HttpRequest, ledger: str) -> HttpResponse:
    """Import the previewed file: all rows, or (when the user chose it) the valid rows only."""
    found = _ledger_or_404(ledger)
    with transaction.atomic():
        return claim_and_run(request, form="admin:imports_confirm",
                             respond=lambda: _confirm(request, found))


def _confirm(request: HttpRequest, ledger: importing.Ledger) -> HttpResponse:
    upload_id = str(request.POST.get("upload", ""))
    entry = _pending(request).get(upload_id)
    if entry is None or entry["ledger"] != ledger.key:
        messages.error(request, "取り込むファイルが見つかりません。もう一度ファイルを選んでください。")
        return TemplateResponse(request, "admin/imports/upload.html", _context(
            request, title=f"{localise(ledger.label)}の取り込み", ledger=ledger, form=UploadForm(),
            changelist_url=_changelist_url(ledger), max_mb=importing.MAX_BYTES // (1024 * 1024),
            max_rows=importing.MAX_ROWS))
    storage = pending_storage(upload_id)
    valid_rows_only = request.POST.get("valid_rows_only") == "1"
    try:
        dataset = importing.read_dataset(ledger, filename=entry["filename"], content=storage.read())
    except (importing.FileRefused, OSError):
        messages.error(request, "取り込むファイルが読めません。もう一度ファイルを選んでください。")
        return HttpResponseRedirect(reverse("admin:imports_upload", args=[ledger.key]))
    if len(dataset) > import_jobs.background_rows():
        job = import_jobs.job_start(ledger=ledger, filename=entry["filename"], upload=upload_id,
                                    kind=ImportJob.Kind.IMPORT, row_count=len(dataset),
                                    valid_rows_only=valid_rows_only, by=request.user)
        _forget_pending(request, upload_id)
        return HttpResponseRedirect(reverse("admin:imports_job", args=[job.token]))
    outcome = importing.run(ledger, dataset, by=request.user, dry_run=False, valid_rows_only=valid_rows_only)
    services.import_run_record(
        ledger=ledger.key, ledger_label=ledger.label, filename=entry["filename"], valid_rows_only=valid_rows_only,
        saved=outcome.saved, created=outcome.created if outcome.saved else 0,
        updated=outcome.updated if outcome.saved else 0, refused=outcome.refused, by=request.user,
    )
    if not outcome.saved and outcome.refused:
        # Something changed between the preview and now: show why; the file stays for another try.
        return TemplateResponse(request, "admin/imports/upload.html", _context(
            request, title=f"{localise(ledger.label)}の取り込み", ledger=ledger, form=UploadForm(), outcome=outcome,
            upload_id=upload_id, filename=entry["filename"], once_token=uuid.uuid4(), token_field=TOKEN_FIELD,
            changelist_url=_changelist_url(ledger), refused_now=True,
            max_mb=importing.MAX_BYTES // (1024 * 1024), max_rows=importing.MAX_ROWS))
    _forget_pending(request, upload_id)
    transaction.on_commit(lambda: import_jobs.remove_quietly(storage))
    _imported_message(request, ledger, entry["filename"], outcome)
    return HttpResponseRedirect(_changelist_url(ledger))


def _forget_pending(request: HttpRequest, upload_id: str) -> None:
    pending = _pending(request)
    pending.pop(upload_id, None)
    request.session[SESSION_KEY] = pending


def _imported_message(request: HttpRequest, ledger: importing.Ledger, filename: str,
                      outcome: importing.Outcome) -> None:
    skipped = f"、取り込まなかった行 {outcome.refused} 件" if outcome.refused else ""
    messages.success(request, f"{localise(ledger.label)}を取り込みました（{filename}：新規 {outcome.created} 件、"
                              f"変更 {outcome.updated} 件{skipped}）。")


@city_staff
def job(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """A large file's preview or import: its state while the worker runs it, then its result.
    Only the person who asked for it reaches it (others: 404)."""
    found = ImportJob.objects.filter(token=token, requested_by=request.user).first()
    ledger = importing.ledger_for(found.ledger) if found is not None else None
    if found is None or ledger is None:
        raise Http404("取り込みの処理が見つかりません。")
    running = found.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    if request.GET.get("state") == "1":  # asked by static/js/import_job.js every few seconds
        return JsonResponse({"running": running})
    base = _context(request, title=f"{localise(ledger.label)}の取り込み", ledger=ledger, form=UploadForm(),
                    changelist_url=_changelist_url(ledger), max_mb=importing.MAX_BYTES // (1024 * 1024),
                    max_rows=importing.MAX_ROWS)
    if running or found.status == ImportJob.Status.FAILED:
        return TemplateResponse(request, "admin/imports/job.html", {**base, "job": found, "running": running})
    outcome = import_jobs.outcome_from_json(ledger, found.result)
    if found.kind == ImportJob.Kind.IMPORT and (outcome.saved or not outcome.refused):
        _imported_message(request, ledger, found.filename, outcome)
        return HttpResponseRedirect(_changelist_url(ledger))
    refused_now = found.kind == ImportJob.Kind.IMPORT
    if refused_now:  # something changed since the preview: the file waits for another try
        pending = _pending(request)
        pending[found.upload] = {"ledger": ledger.key, "filename": found.filename}
        request.session[SESSION_KEY] = pending
    return TemplateResponse(request, "admin/imports/upload.html", {
        **base, "outcome": outcome, "upload_id": found.upload, "filename": found.filename,
        "once_token": uuid.uuid4(), "token_field": TOKEN_FIELD, "refused_now": refused_now})
