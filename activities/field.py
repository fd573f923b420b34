"""Recording in the field without signal (現地での記録): the installable coordinator page.

A coordinator at a サロン, a 公民館 or a visit records an activity, a 地域ニーズ or a 社会資源 note on the
phone. The page (``page``) is a shell with no data in it: static/js/field.js fills its choice lists
from what ``choices`` last gave this user (kept on the phone in IndexedDB), saves each entry on the
phone first (「保存しました（未送信）」), and sends the waiting entries, oldest first, to ``send`` when
the connection is there (and on a button).

Each entry carries a key made on the phone; the record it creates stores the key, unique in the
database (``client_key``), so a resend after a lost answer, two tabs sending together, or a resend
after a crash answers "already stored" instead of making a second record. An entry the server
refuses gets the reasons in Japanese and stays on the phone for the coordinator to correct or discard.

The service worker (``service_worker``, its scope this page's folder only) keeps the shell and the
portal's static files, nothing else: it never sees a case page, and the choice lists and the sending
go to the network. Logging out clears the phone (``Clear-Site-Data``, portal.views.LogoutView).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from municipality.access import role_required
from municipality.errors import DomainError
from municipality.forms import max_length_of
from municipality.models import Municipality
from municipality.once import TOKEN_FIELD
from municipality.roles import Role
from municipality.terms import localise

from . import selectors, services
from .forms import ActivityForm, NeedForm, SocialResourceForm
from .models import Activity, Need, SocialResource
from .views import _own_coordinator

# What the service worker keeps: the shell and the static files it loads. Nothing else, ever.
SHELL_STATIC = ("css/portal.css", "js/field_store.js", "js/field.js", "img/favicon.svg",
                "img/field-192.png", "img/field-512.png")
KINDS = ("activity", "need", "resource")


def _options(choices: Iterable) -> list[dict]:
    """A form field's choices as the page builds its <select>: groups of {value, label}."""
    groups: list[dict] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            groups.append({"label": str(value), "options": [{"value": str(v), "label": str(lb)} for v, lb in label]})
        else:
            if not groups or groups[-1]["label"] is not None:
                groups.append({"label": None, "options": []})
            groups[-1]["options"].append({"value": "" if value is None else str(value), "label": str(label)})
    return groups


@role_required(Role.COORDINATOR)
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """The shell: the same for every coordinator (the service worker keeps it), nothing of anyone in it."""
    return render(request, "activities/field.html", {"limits": {
        "narrative": max_length_of(Activity, "narrative"), "title": max_length_of(Need, "title"),
        "raised_by": max_length_of(Need, "raised_by"), "description": max_length_of(Need, "description"),
        "name": max_length_of(SocialResource, "name"), "offers": max_length_of(SocialResource, "offers"),
        "contact": max_length_of(SocialResource, "contact"),
    }})


@role_required(Role.COORDINATOR)
@require_GET
@never_cache
def choices(request: HttpRequest) -> JsonResponse:
    """The choice lists of the three forms, as the online forms offer them to this user today, and
    the token the sending needs (kept in the page's memory only, never on the phone)."""
    coordinator = _own_coordinator(request.user)
    today = timezone.localdate()
    activity = ActivityForm(areas=services.areas_of(coordinator, today), user=request.user)
    areas = selectors.areas_for(request.user)
    need, resource = NeedForm(areas=areas), SocialResourceForm(areas=areas)
    fields = {
        "activity": {name: _options(activity.fields[name].choices)
                     for name in ("minutes", "area", "category", "organisations", "home_area")
                     if name in activity.fields},
        "need": {name: _options(need.fields[name].choices) for name in ("area", "status")},
        "resource": {name: _options(resource.fields[name].choices) for name in ("area", "provider_kind", "status")},
    }
    return JsonResponse({
        "owner": request.user.pk, "csrf": get_token(request), "today": today.isoformat(),
        "received": timezone.now().isoformat(), "fields": fields,
        "initial": {"activity": {"minutes": str(activity.fields["minutes"].initial)},
                    "need": {"status": str(need.fields["status"].initial or "open")},
                    "resource": {"status": "active"}},
    }, json_dumps_params={"ensure_ascii": False})


def _reasons(form) -> list[str]:
    reasons = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name in ("__all__", TOKEN_FIELD):
            continue
        label = form.fields[name].label if name in form.fields else name
        reasons += [f"{label}：{e}" for e in errors]
    return reasons


def _refused(reasons: list[str]) -> JsonResponse:
    return JsonResponse({"status": "refused", "reasons": reasons}, status=422, json_dumps_params={"ensure_ascii": False})


KIND_MODELS = {"activity": (Activity, "activities:edit", "活動記録"), "need": (Need, "activities:need_edit", "地域ニーズ"),
               "resource": (SocialResource, "activities:resource_edit", "社会資源")}


def _stored(record, created: bool, kind: str) -> JsonResponse:
    _, url_name, label = KIND_MODELS[kind]
    return JsonResponse({"status": "saved" if created else "already", "label": label,
                         "url": reverse(url_name, args=[record.pk])},
                        status=201 if created else 200, json_dumps_params={"ensure_ascii": False})


def _activity_areas(coordinator, posted: str) -> list:
    """The areas the form offers: those of the entry's day (recorded on the 31 March, sent on the
    1 April after a change of areas, it is still the day's area), else today's."""
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(posted)
    except ValueError:
        day = today
    return services.areas_of(coordinator, day if day <= today else today) or services.areas_of(coordinator, today)


@role_required(Role.COORDINATOR)
@require_POST
def send(request: HttpRequest) -> JsonResponse:
    """One waiting entry from the phone: stored once under its key, or refused with the reasons."""
    coordinator = _own_coordinator(request.user)
    kind = request.POST.get("kind", "")
    try:
        key = uuid.UUID(request.POST.get("key", ""))
    except ValueError:
        key = None
    if kind not in KINDS or key is None:
        return _refused(["記録の種類か識別子が正しくありません。この画面を読み込み直してください。"])
    if request.POST.get("owner") != str(request.user.pk):
        # Saved on the phone by someone else (before they logged out, or in a window left open): never
        # stored as this user's. The page removes it.
        return JsonResponse({"status": "not_yours", "reasons": ["別の利用者がこの端末で保存した記録です。"]},
                            status=409, json_dumps_params={"ensure_ascii": False})
    try:
        # Already stored (the answer to an earlier sending was lost): so, whatever has changed since.
        existing = services.stored_by_key(KIND_MODELS[kind][0], key, coordinator=coordinator, by=request.user)
        if existing is not None:
            return _stored(existing, False, kind)
        # The key stands in for the one-time token of the online forms: it is the phone's, made once per entry.
        data = request.POST.copy()
        data[TOKEN_FIELD] = str(key)
        if kind == "activity":
            form = ActivityForm(data, areas=_activity_areas(coordinator, data.get("date", "")), user=request.user)
            if not form.is_valid():
                return _refused(_reasons(form))
            record, created = services.activity_log_once(key=key, coordinator=coordinator, by=request.user,
                                                         **form.service_values())
        elif kind == "need":
            form = NeedForm(data, areas=selectors.areas_for(request.user))
            if not form.is_valid():
                return _refused(_reasons(form))
            record, created = services.need_save_once(key=key, need=form.save(commit=False),
                                                      coordinator=coordinator, by=request.user)
        else:
            data["is_public"] = ""  # a note from the field is never public; the full register is online
            form = SocialResourceForm(data, areas=selectors.areas_for(request.user))
            if not form.is_valid():
                return _refused(_reasons(form))
            record, created = services.resource_save_once(key=key, resource=form.save(commit=False),
                                                          coordinator=coordinator, by=request.user)
    except DomainError as error:
        return _refused([error.message])
    return _stored(record, created, kind)


def _shell_files() -> list[str]:
    return [reverse("activities:field")] + [static(name) for name in SHELL_STATIC]


@role_required(Role.COORDINATOR)
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, its list of kept files built here (static names carry their hash), its
    version the hash of that list and of its own text: a changed file makes a new worker."""
    files = _shell_files()
    digest = hashlib.sha256(render(request, "activities/field_sw.js", {"files_json": json.dumps(files)}).content)
    digest.update(page(request).content)
    for name in SHELL_STATIC:
        digest.update(Path(finders.find(name)).read_bytes())
    version = digest.hexdigest()[:12]
    response = render(request, "activities/field_sw.js",
                      {"files_json": json.dumps(files), "version": version}, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@role_required(Role.COORDINATOR)
@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the portal's field page on the home screen, named for the municipality."""
    municipality = Municipality.objects.current()
    shell = reverse("activities:field")
    return JsonResponse({
        "name": f"{municipality.name} {localise('コーディネーター')} 現地での記録",
        "short_name": "現地での記録",
        "description": "電波のない所でも活動・地域ニーズ・社会資源のメモを記録し、電波が戻ったら送信します。",
        "lang": "ja", "dir": "ltr",
        "id": shell, "start_url": shell, "scope": shell, "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#0b5394",
        "icons": [
            {"src": static("img/field-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/field-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/field-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
