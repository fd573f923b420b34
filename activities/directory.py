"""The public 社会資源 directory (seed 000 第9条(1)ウ 見える化・情報発信): the resources coordinators
marked public, by area and kind, searchable, and a printable A4 list per area for residents without
internet. Anyone may read it without logging in; it shows only the fields written for the public
(``selectors.PUBLIC_FIELDS``), never the internal 連絡先 or 提供している内容, which may name a person."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality.forms import JapaneseForm
from municipality.models import Area, Municipality

from . import selectors
from .models import ProviderKind, SocialResource

PER_PAGE = 50
PDF_CACHE_SECONDS = 24 * 60 * 60
QUERY_MAX = 100


class DirectorySearchForm(JapaneseForm):
    """The directory's search. The area choices are the areas with public resources, read once by the
    view (they also list the PDFs), so that checking an area costs no query."""

    q = forms.CharField(label="キーワード", max_length=QUERY_MAX, required=False, error_messages={
        "max_length": f"キーワードは{QUERY_MAX}文字以内で入力してください。",
        "null_characters_not_allowed": "キーワードに使えない文字が含まれています。",
    })
    area = forms.TypedChoiceField(label="区域", required=False, coerce=int, empty_value=None, error_messages={
        "invalid_choice": "区域は一覧から選んでください。",
    })
    kind = forms.ChoiceField(label="種類", required=False, choices=[("", "すべて"), *ProviderKind.choices],
                             error_messages={"invalid_choice": "種類は一覧から選んでください。"})

    def __init__(self, *args, areas: list[Area], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "すべて"), *((a.pk, a.name) for a in areas)]


# Public information: a browser may reuse it for five minutes; no shared proxy keeps it (the page shows
# a signed-in user's menu), as for the public meeting page.
@cache_control(private=True, max_age=300)
@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    """The public list: search by text, area and kind, 50 a page. Four queries whatever the rows."""
    areas = list(selectors.public_areas())
    form = DirectorySearchForm(request.GET if request.GET else None, areas=areas)
    chosen: dict = {}
    if form.is_bound:
        form.is_valid()
        chosen = form.cleaned_data  # the valid fields only: a bad one is reported and left out
    by_pk = {a.pk: a for a in areas}
    area = by_pk.get(chosen.get("area") or 0)
    text = (chosen.get("q") or "").strip()
    kind = chosen.get("kind") or ""
    resources = selectors.public_resources_matching(text=text, area=area, kind=kind)
    page = Paginator(resources, PER_PAGE).get_page(request.GET.get("page"))
    kept = {k: v for k, v in (("q", text), ("area", area.pk if area else ""), ("kind", kind)) if v}
    return render(request, "activities/directory.html", {
        "form": form, "areas": areas, "page": page, "text": text, "area": area, "kind": kind,
        "kinds": ProviderKind.choices, "page_query": urlencode(kept), "searched": bool(kept),
        "errors": [e for errors in form.errors.values() for e in errors] if form.is_bound else [],
    })


@cache_control(private=True, max_age=300)
@require_safe
def area_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One area's public resources as an A4 list to print and hand out, grouped by kind.

    A large area's list takes seconds to lay out (500 resources: 47 pages, 9 s on the 2-core machine,
    bench/directory.py) and anyone may ask for it, so the PDF is kept in the cache until a resource of
    the area changes, the area or the city is renamed, or the day (printed on it) changes."""
    area = selectors.public_areas().filter(pk=pk).first()
    if area is None:
        raise Http404("ページが見つかりません。")
    municipality = Municipality.objects.current()
    today = timezone.localdate()
    listed = selectors.public_resources().filter(area=area)
    state = listed.aggregate(n=Count("pk"), changed=Max("updated_at"))
    fingerprint = f"{area.name}|{municipality.name}|{today.isoformat()}|{state['n']}|{state['changed']}"
    key = f"directory-pdf:{area.pk}:{hashlib.sha256(fingerprint.encode()).hexdigest()}"
    filename = f"社会資源一覧_{area.name}.pdf"
    content = cache.get(key)
    if content is None:
        resources: list[SocialResource] = list(listed)
        order = list(ProviderKind.values)
        groups: dict[str, list[SocialResource]] = {}
        for resource in sorted(resources, key=lambda r: order.index(r.provider_kind)):
            groups.setdefault(resource.get_provider_kind_display(), []).append(resource)
        content = render_pdf("activities/directory_pdf.html", {
            "area": area, "groups": groups, "count": len(resources), "today": today, "municipality": municipality,
        }, filename=filename).content
        cache.set(key, content, timeout=PDF_CACHE_SECONDS)
    response = pdf_response(filename, content)
    response["Cache-Control"] = "private, max-age=300"
    return response
