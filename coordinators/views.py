from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality import exports as list_exports
from municipality.access import role_required
from municipality.errors import DomainError
from municipality.once import TOKEN_FIELD, submit_once
from municipality.roles import Role
from municipality.scoping import get_visible_or_404

from . import certificates_print, documents, exports, photos, selectors, services
from .forms import AppointmentNoticeForm, DismissalNoticeForm
from .models import AppointmentNotice, Certificate, Contract, Coordinator, DismissalNotice, NoticeStatus
from .services import PersonData

PORTAL_ROLES = (Role.CONTRACTOR, Role.COORDINATOR)


@role_required(*PORTAL_ROLES)
def coordinator_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    export = list_exports.requested_format(request.GET)
    if export is not None:
        # The page's two lists: the people (as the page reads them), or the contracts it shows.
        if request.GET.get("list") == "contracts":
            contracts = Contract.objects.visible_to(request.user).order_by("-start", "pk")
            return list_exports.table_response(request, exports.CONTRACTS, contracts, export)
        return list_exports.table_response(request, replace(exports.COORDINATORS, prepare=None),
                                           selectors.coordinators_for(request.user, day=today), export)
    return render(request, "coordinators/coordinator_list.html", {
        "coordinators": selectors.coordinators_for(request.user, day=today),
        "contracts": selectors.contracts_with_coverage(user=request.user, day=today),
        "today": today,
        "coordinator_links": list_exports.export_links(QueryDict(mutable=True)),
        "contract_links": list_exports.export_links(QueryDict("list=contracts", mutable=True)),
    })


@role_required(*PORTAL_ROLES)
def coordinator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    coordinator = get_visible_or_404(selectors.coordinators_for(request.user, day=timezone.localdate()),
                                     request.user, pk=pk)
    return render(request, "coordinators/coordinator_detail.html", {
        "coordinator": coordinator,
        # Papers are scoped on their own: after a change of employer, the new organisation
        # does not see the old one's notices and comments.
        "appointment_notices": AppointmentNotice.objects.visible_to(request.user).filter(coordinator=coordinator),
        "certificates": _with_download_rights(
            Certificate.objects.visible_to(request.user).filter(coordinator=coordinator), request.user),
        "dismissal_notices": DismissalNotice.objects.visible_to(request.user).filter(
            appointment__coordinator=coordinator),
        "training_records": coordinator.training_records.select_related("course"),
        "can_dismiss": request.user.has_role(Role.CONTRACTOR)
        and any(a.end is None for a in coordinator.appointments.all()),
    })


@role_required(*PORTAL_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    appointment_notices, dismissal_notices = selectors.notices_for(request.user)
    return render(request, "coordinators/notice_list.html", {
        "appointment_notices": appointment_notices,
        "dismissal_notices": dismissal_notices,
    })


@role_required(Role.CONTRACTOR)
@require_http_methods(["GET", "POST"])
@submit_once
def appointment_notice_create(request: HttpRequest) -> HttpResponse:
    replaces = None
    if request.GET.get("replaces") or request.POST.get("replaces"):
        replaces = get_visible_or_404(
            AppointmentNotice.objects.filter(status__in=[NoticeStatus.SUBMITTED, NoticeStatus.RETURNED]),
            request.user, pk=request.GET.get("replaces") or request.POST.get("replaces"),
        )
    initial = {}
    if replaces is not None:
        person = replaces.coordinator
        initial = {
            "contract": replaces.contract, "areas": list(replaces.areas.all()),
            "name": person.name, "name_kana": person.name_kana, "birth_date": person.birth_date,
            "job_title": person.job_title, "appointed_on": replaces.appointed_on, "reason": replaces.reason,
        }
    token = request.POST.get(TOKEN_FIELD, "")
    kept = photos.photo_kept(request.session, token=token) if request.method == "POST" else None
    form = AppointmentNoticeForm(request.POST or None, request.FILES or None, user=request.user, initial=initial,
                                 kept_photo=kept)
    kept_photo_url = ""
    if request.method == "POST":
        valid = form.is_valid()
        # The photo as checked and re-encoded (or the one kept from the last sending); None when refused.
        photo = form.cleaned_data.get("photo")
        photo_bytes = b""
        if photo is not None:
            photo_bytes = photo.read()
            photo.seek(0)
        if valid:
            data = form.cleaned_data
            person = None
            if not data["existing"]:
                person = PersonData(name=data["name"], name_kana=data["name_kana"], birth_date=data["birth_date"],
                                    job_title=data["job_title"])
            try:
                notice = services.appointment_notice_file(
                    organisation=request.user.organisation, contract=data["contract"], areas=data["areas"],
                    appointed_on=data["appointed_on"], reason=data["reason"], filed_by=request.user,
                    person=person, coordinator=data["existing"], photo=photo, replaces=replaces,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                photos.photo_forget(request.session)
                messages.success(request, f"{notice.coordinator.name}さんの選任届を提出しました。市の受理をお待ちください。")
                return redirect("coordinators:detail", pk=notice.coordinator_id)
        # Shown again: a photo that passed its checks is kept for the next sending of this form.
        if photo_bytes:
            photos.photo_keep(request.session, token=form[TOKEN_FIELD].value(), content=photo_bytes)
            kept_photo_url = photos.data_url(photo_bytes)
        else:
            photos.photo_forget(request.session)
    return render(request, "coordinators/appointment_notice_form.html", {
        "form": form, "replaces": replaces, "kept_photo_url": kept_photo_url,
    })


@role_required(Role.CONTRACTOR)
@require_http_methods(["GET", "POST"])
@submit_once
def dismissal_notice_create(request: HttpRequest, pk: int) -> HttpResponse:
    coordinator = get_visible_or_404(Coordinator, request.user, pk=pk)
    form = DismissalNoticeForm(request.POST or None, initial={"dismissed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.dismissal_notice_file(
                organisation=request.user.organisation, coordinator=coordinator, filed_by=request.user,
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{coordinator.name}さんの解任届を提出しました。速やかに後任の方を選任してください。")
            return redirect("coordinators:detail", pk=coordinator.pk)
    return render(request, "coordinators/dismissal_notice_form.html", {"form": form, "coordinator": coordinator})


@role_required(*PORTAL_ROLES, Role.CITY_STAFF)
def certificate_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """One certificate on an A4 sheet to cut, from its stored snapshot (stamped 無効 once void)."""
    certificate = _certificate_or_404(request, pk)
    rendered = certificates_print.render_sheets(
        [certificate], title=f"{certificate.document.snapshot['title']} 証番号 {certificate.number}（台紙）",
        filename=f"form2-certificate-{certificate.number}-a4.pdf")
    return pdf_response(rendered.filename, rendered.content)


@role_required(*PORTAL_ROLES, Role.CITY_STAFF)
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A certificate card as issued, also for the coordinator it was issued to while it is valid."""
    rendered = certificates_print.render_card(_certificate_or_404(request, pk))
    return pdf_response(rendered.filename, rendered.content)


def _with_download_rights(certificates, user) -> list[Certificate]:
    """Each certificate, marked when its PDF is withheld from this user (a void card's holder)."""
    rows = list(certificates.select_related("coordinator"))
    for certificate in rows:
        certificate.withheld = certificates_print.is_withheld_from(certificate, user)
    return rows


def _certificate_or_404(request: HttpRequest, pk: int) -> Certificate:
    certificate = get_visible_or_404(Certificate.objects.select_related("document", "coordinator"), request.user,
                                     pk=pk)
    if certificates_print.is_withheld_from(certificate, request.user):
        raise Http404("ページが見つかりません。")
    return certificate


# Blank forms are live reports: the declared kind's template, rendered on each request, never stored.
BLANK_FORMS = {
    kind.key: (kind.template, blank, f"{kind.key}-blank.pdf")
    for kind, blank in [
        (documents.APPOINTMENT_NOTICE, documents.blank_appointment_notice),
        (documents.CERTIFICATE, documents.blank_certificate),
        (documents.DISMISSAL_NOTICE, documents.blank_dismissal_notice),
    ]
}


@role_required(*PORTAL_ROLES, Role.CITY_STAFF, Role.SECRETARIAT)
def blank_form(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in BLANK_FORMS:
        from django.http import Http404

        raise Http404("ページが見つかりません。")
    template, snapshot, filename = BLANK_FORMS[kind]
    rendered = render_pdf(template, {"doc": snapshot()}, filename=filename)
    return pdf_response(rendered.filename, rendered.content)
