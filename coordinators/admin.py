from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from forms_pdf.models import GeneratedFileStatus
from forms_pdf.services import generated_files_to_announce
from forms_pdf.views import pdf_response
from municipality.admin import (
    ExportAdminMixin,
    LargeListAdminMixin,
    OrganisationSearchFilter,
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
    run_each,
    search_filter,
    text_action,
)
from municipality.downloads import content_disposition
from municipality.errors import DomainError
from municipality.forms import max_length_of
from municipality.models import Area
from municipality.terms import localise, term
from municipality.validators import require_event_dates
from municipality.wareki import format_wareki

from . import certificates_print, exports, selectors, services
from .models import (
    Appointment,
    AppointmentNotice,
    Certificate,
    CertificateStatus,
    Contract,
    Coordinator,
    DismissalNotice,
    Pledge,
    PledgeKind,
    TrainingCourse,
    TrainingRecord,
)
from .photos import clean_photo


def _pdf_link(document_id: int | None) -> str:
    if not document_id:
        return "—"
    return format_html('<a href="{}">PDF</a>', reverse("documents:pdf", args=[document_id]))


# --- 委託契約 ---------------------------------------------------------------------------

def _never_covered_annotation(day) -> Exists:
    """A contract in force on the day with an area nobody was ever appointed to (on or before it)."""
    ever = Appointment.areas.through.objects.filter(area_id=OuterRef("area_id"), appointment__start__lte=day)
    return Exists(Contract.areas.through.objects.filter(
        contract_id=OuterRef("pk"), contract__status="active", contract__start__lte=day, contract__end__gte=day,
    ).exclude(Exists(ever)))


def _awaiting_successor_annotation(day) -> Exists:
    through = Appointment.areas.through
    current = through.objects.filter(area_id=OuterRef("pk"), appointment__start__lte=day).filter(
        Q(appointment__end__isnull=True) | Q(appointment__end__gte=day)
    )
    past = through.objects.filter(area_id=OuterRef("pk"), appointment__end__lt=day)
    return Exists(Area.objects.filter(contracts=OuterRef("pk")).filter(Exists(past)).exclude(Exists(current)))


class ContractAdminForm(forms.ModelForm):
    """The admin's contract form saves through ``contract_save``, so it refuses what the service
    refuses (a 任意団体, areas of another layer, an end before the start) with the service's message.
    The admin's change view runs in one transaction; a refusal raises before anything is saved."""

    class Meta:
        model = Contract
        fields = ["organisation", "title", "layer", "areas", "start", "end", "status"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        instance = self.instance
        def value(name: str) -> Any:  # read-only fields (appointments exist) keep the stored value
            if name in data:
                return data[name]
            return list(instance.areas.all()) if name == "areas" else getattr(instance, name)
        try:
            self.saved = services.contract_save(
                organisation=value("organisation"), title=value("title"), layer=value("layer"),
                areas=value("areas"), start=value("start"), end=value("end"), status=value("status"),
                by=self.request.user, contract=instance if instance.pk else None,
            )
        except DomainError as error:
            raise ValidationError(error.message) from error
        return data


@admin.register(Contract)
class ContractAdmin(ExportAdminMixin, ScopedModelAdmin):
    form = ContractAdminForm
    export_table = exports.CONTRACTS
    list_display = ["title", "organisation", "layer", "start", "end", "status", "coverage", "has_pledge"]
    # Organisations are found by name: a link per organisation (thousands) on every page helps nobody.
    list_filter = ["status", "layer", OrganisationSearchFilter]
    search_fields = ["title", "organisation__name"]
    list_select_related = ["organisation"]
    filter_horizontal = ["areas"]
    autocomplete_fields = ["organisation"]

    actions = ["cancel_today"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        today = timezone.localdate()
        return super().get_queryset(request).annotate(
            awaiting_successor=_awaiting_successor_annotation(today),
            never_covered=_never_covered_annotation(today),
            pledged=Exists(Pledge.objects.filter(kind=PledgeKind.ORGANISATION, contract=OuterRef("pk"))),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Once people are appointed under a contract, its period, state and areas change only
        # through the services (a cancellation voids the certificates that rest on it).
        if obj is not None and obj.appointments.exists():
            return ["organisation", "layer", "start", "end", "status", "areas"]
        return []

    @admin.action(description="選択した契約を本日付で解除する（選任は終了し、証は無効になります）", permissions=["change"])
    def cancel_today(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_each(request, queryset,
             lambda c: services.contract_cancel(contract=c, on=timezone.localdate(), by=request.user),
             "解除しました")

    @admin.display(description="配置状況", boolean=False)
    def coverage(self, obj: Contract) -> str:
        flags = []
        if getattr(obj, "awaiting_successor", False):
            flags.append("後任未選任の区域あり")
        if getattr(obj, "never_covered", False):
            flags.append("未配置の区域あり")
        if not flags:
            return "—"
        return format_html_join("<br>", "<strong>{}</strong>", ((f,) for f in flags))

    @admin.display(description="受託団体の誓約", boolean=True)
    def has_pledge(self, obj: Contract) -> bool:
        return bool(getattr(obj, "pledged", False))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        return form

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Contract:
        return form.saved  # saved by contract_save in the form's clean, areas included

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- コーディネーター -------------------------------------------------------------------

class _StoredPhoto:
    """The stored photo as the file widget shows it: a link to the admin's own photo page."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return "登録済みの写真を見る"


class StoredPhotoInput(forms.ClearableFileInput):
    """Django links a stored file by its MEDIA_URL, which nothing serves here (a photo is personal
    data): the link goes to ``CoordinatorAdmin.photo_view`` instead, which checks access."""

    photo_url = ""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"] and self.photo_url:
            context["widget"]["value"] = _StoredPhoto(self.photo_url)
        return context


class CoordinatorAdminForm(forms.ModelForm):
    class Meta:
        model = Coordinator
        fields = ["name", "name_kana", "birth_date", "job_title", "layer", "employer", "photo", "user"]
        widgets = {"photo": StoredPhotoInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "photo" in self.fields:
            self.fields["photo"].widget.photo_url = reverse("admin:coordinators_coordinator_photo",
                                                            args=[self.instance.pk])

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "content_type"):  # a new upload, not the stored file
            return clean_photo(photo)
        return photo


class HistoryInline(admin.TabularInline):
    """History shown under its owner, read only."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppointmentInline(HistoryInline):
    model = Appointment
    fields = ["layer", "contract", "start", "end"]


class CertificateInline(HistoryInline):
    model = Certificate
    fk_name = "coordinator"
    fields = ["number", "issued_on", "valid_from", "valid_until", "status", "invalidated_on"]


class TrainingRecordInline(admin.TabularInline):
    model = TrainingRecord
    fields = ["course", "completed_on", "note"]
    extra = 0
    can_delete = False


def _coordinator_pledged() -> Exists:
    return Exists(Pledge.objects.filter(kind=PledgeKind.COORDINATOR, coordinator=OuterRef("pk")))


class PledgeFilter(admin.SimpleListFilter):
    title = "守秘義務の誓約"
    parameter_name = "pledge"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("missing", "未提出（在任中）"), ("signed", "提出済み")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "missing":
            return queryset.filter(pk__in=selectors.coordinators_without_pledge(day=timezone.localdate()).values("pk"))
        if self.value() == "signed":
            return queryset.filter(_coordinator_pledged())
        return queryset


@admin.register(Coordinator)
class CoordinatorAdmin(ExportAdminMixin, LargeListAdminMixin, ScopedModelAdmin):
    export_table = exports.COORDINATORS
    form = CoordinatorAdminForm
    list_display = ["name", "name_kana", "employer", "layer", "has_photo", "has_pledge"]
    list_filter = ["layer", search_filter(OrganisationSearchFilter, "employer", title="雇用する団体", parameter_name="employer"),
                   PledgeFilter]
    search_fields = ["name", "name_kana", "employer__name"]
    list_select_related = ["employer"]
    autocomplete_fields = ["employer", "user"]
    inlines = [AppointmentInline, CertificateInline, TrainingRecordInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(pledged=_coordinator_pledged())

    @admin.display(description="写真", boolean=True)
    def has_photo(self, obj: Coordinator) -> bool:
        return bool(obj.photo)

    @admin.display(description="守秘義務の誓約", boolean=True)
    def has_pledge(self, obj: Coordinator) -> bool:
        return bool(getattr(obj, "pledged", False))

    def get_urls(self):
        return [path("<int:pk>/photo/", self.admin_site.admin_view(self.photo_view),
                     name="coordinators_coordinator_photo"), *super().get_urls()]

    def photo_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The stored photo (a JPEG, coordinators/photos.py), to those who may see the coordinator."""
        coordinator = self.get_queryset(request).filter(pk=pk).first()
        if coordinator is None or not coordinator.photo or not self.has_view_or_change_permission(request, coordinator):
            raise Http404("写真が見つかりません。")
        with coordinator.photo.open("rb") as photo:
            response = HttpResponse(photo.read(), content_type="image/jpeg")
        response["Content-Disposition"] = content_disposition(f"photo-{coordinator.pk}.jpg", as_attachment=False)
        response["Cache-Control"] = "private, no-store"
        return response

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- 選任届 -----------------------------------------------------------------------------

class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """History and notices change only through the lifecycle's services."""


@admin.register(AppointmentNotice)
class AppointmentNoticeAdmin(LargeListAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["filed_on", "organisation", "coordinator", "appointed_on", "area_names", "status", "pdf"]
    list_filter = ["status", OrganisationSearchFilter]
    search_fields = ["coordinator__name", "coordinator__name_kana", "organisation__name"]
    list_select_related = ["organisation", "coordinator"]
    actions = ["accept", "send_back"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("areas")

    def get_urls(self):
        return [
            path("waiting/", self.admin_site.admin_view(self.waiting_view), name="coordinators_waiting"),
            *super().get_urls(),
        ]

    def waiting_view(self, request: HttpRequest) -> HttpResponse:
        """The city's list of what waits for it."""
        if not request.user.has_perm("coordinators.accept_appointmentnotice"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        today = timezone.localdate()
        return render(request, "admin/coordinators/waiting.html", {
            **self.admin_site.each_context(request),
            "title": "処理待ちの一覧",
            "waiting": selectors.waiting_for_city(),
            "awaiting_successor": selectors.areas_awaiting_successor(day=today),
            "missing_training": selectors.coordinators_missing_required_training(day=today),
            "never_covered": selectors.areas_never_covered(day=today),
            "coordinators_without_pledge": selectors.coordinators_without_pledge(day=today),
            "contracts_without_pledge": selectors.contracts_without_pledge(day=today),
        })

    @admin.display(description="担当区域")
    def area_names(self, obj: AppointmentNotice) -> str:
        return "、".join(area.name for area in obj.areas.all())

    @admin.display(description="様式第1号")
    def pdf(self, obj: AppointmentNotice) -> str:
        return _pdf_link(obj.document_id)

    @admin.action(description="選択した選任届を受理する", permissions=["accept"])
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_each(request, queryset, lambda n: services.appointment_notice_accept(notice=n, accepted_by=request.user),
             "受理しました")

    @admin.action(description="選択した選任届を差し戻す（理由を入力）", permissions=["accept"])
    def send_back(self, request: HttpRequest, queryset: QuerySet):
        return text_action(
            self, request, queryset, title="選任届の差戻し", label="差戻しの理由",
            call=lambda n, text: services.appointment_notice_return(notice=n, returned_by=request.user, comment=text),
            done="差し戻しました", max_length=max_length_of(AppointmentNotice, "return_comment"),
        )

    def has_accept_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("coordinators.accept_appointmentnotice")


@admin.register(Appointment)
class AppointmentAdmin(LargeListAdminMixin, ReadOnlyHistoryAdmin):
    # Short columns, so that the list fits beside the filters at 1366 px: the contract's organisation
    # rather than the contract's long name, one column for the period, and the certificate's number.
    list_display = ["coordinator", "layer", "organisation", "period", "area_names", "certificate"]
    list_filter = ["layer", ("end", admin.EmptyFieldListFilter)]
    search_fields = ["coordinator__name", "coordinator__name_kana"]
    list_select_related = ["coordinator", "contract__organisation"]
    actions = ["issue_certificate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related(
            "areas",
            Prefetch("certificates", to_attr="valid_certificates",
                     queryset=Certificate.objects.filter(status=CertificateStatus.VALID).order_by("-issued_on")),
        )

    @admin.display(description="受託団体", ordering="contract__organisation__name")
    def organisation(self, obj: Appointment) -> str:
        return obj.contract.organisation.name if obj.contract else "（市の職員）"

    @admin.display(description="在任期間", ordering="start")
    def period(self, obj: Appointment) -> str:
        return f"{format_wareki(obj.start)}〜{format_wareki(obj.end) if obj.end else '在任中'}"

    @admin.display(description="担当区域")
    def area_names(self, obj: Appointment) -> str:
        return "、".join(area.name for area in obj.areas.all())

    @admin.display(description="証")
    def certificate(self, obj: Appointment) -> str:
        """The valid certificate's number, linked to its PDF (the access-checked download), or 未交付."""
        certificates = getattr(obj, "valid_certificates", None)
        if certificates is None:
            certificates = list(obj.certificates.filter(status=CertificateStatus.VALID))
        if not certificates:
            return "未交付"
        return format_html_join("、", '<a href="{}">証番号 {}</a>', (
            (reverse("documents:pdf", args=[c.document_id]), c.number) for c in certificates))

    @admin.action(description=term("選択した選任にコーディネーター証を交付する（確認があります）"), permissions=["issue"])
    def issue_certificate(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        """First a page listing who gets which number; issuing happens only once it is confirmed."""
        if "apply" not in request.POST:
            return TemplateResponse(request, "admin/coordinators/issue_confirm.html", {
                **self.admin_site.each_context(request),
                "title": localise("コーディネーター証の交付の確認"), "opts": self.model._meta,
                "rows": selectors.certificate_issue_preview(queryset, day=timezone.localdate()),
                "action": request.POST.get("action"),
            })
        issued = []

        def issue(appointment: Appointment) -> None:
            issued.append(services.certificate_issue(appointment=appointment, issued_by=request.user))

        run_each(request, queryset.order_by("pk"), issue, "交付しました")
        if issued:
            messages.success(request, format_html(
                "交付した証：{}（番号を押すと様式第2号の PDF を開きます）",
                format_html_join("、", '<a href="{}">証番号 {}</a> {}', (
                    (reverse("documents:pdf", args=[c.document_id]), c.number, c.coordinator.name) for c in issued)),
            ))
        return None

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("coordinators.add_certificate")


@admin.register(DismissalNotice)
class DismissalNoticeAdmin(LargeListAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["filed_on", "organisation", "coordinator", "dismissed_on", "certificate_returned", "status", "pdf"]
    list_filter = ["status", OrganisationSearchFilter]
    search_fields = ["appointment__coordinator__name", "organisation__name"]
    list_select_related = ["organisation", "appointment__coordinator"]
    actions = ["accept"]

    @admin.display(description="解任した者")
    def coordinator(self, obj: DismissalNotice) -> str:
        return obj.appointment.coordinator.name

    @admin.display(description="様式第3号")
    def pdf(self, obj: DismissalNotice) -> str:
        return _pdf_link(obj.document_id)

    @admin.action(description="選択した解任届を受理する", permissions=["accept"])
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_each(request, queryset, lambda n: services.dismissal_notice_accept(notice=n, accepted_by=request.user),
             "受理しました")

    def has_accept_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("coordinators.accept_dismissalnotice")


@admin.register(Certificate)
class CertificateAdmin(ExportAdminMixin, LargeListAdminMixin, ReadOnlyHistoryAdmin):
    export_table = exports.CERTIFICATES
    list_display = ["number", "coordinator", "issued_on", "valid_from", "valid_until", "status", "pdf", "replaces"]
    list_filter = ["status", "fiscal_year", "layer"]
    search_fields = ["number", "coordinator__name", "coordinator__name_kana"]
    list_select_related = ["coordinator", "replaces__coordinator"]
    actions = ["print_sheet", "reissue", "mark_returned"]

    @admin.display(description="様式第2号")
    def pdf(self, obj: Certificate) -> str:
        return _pdf_link(obj.document_id)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Back on the list: say which sheets asked for earlier are now ready (each file once).
        for generated in generated_files_to_announce(owner=request.user):
            if generated.status == GeneratedFileStatus.READY:
                messages.success(request, format_html(
                    "{}ができました：<a href=\"{}\" download>ダウンロードする</a>（<a href=\"{}\">出力したファイル</a>）",
                    generated.title, reverse("documents:file", args=[generated.pk]), reverse("documents:files")))
            else:
                messages.error(request, f"{generated.title}：{generated.error}")
        return super().changelist_view(request, extra_context)

    @admin.action(description="選択した証をA4の台紙（10枚/ページ）で印刷する")
    def print_sheet(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """A few cards download at once; a larger batch (a year's cards) is made in the background."""
        certificates = queryset.order_by("fiscal_year", "serial")
        count = certificates.count()
        if count <= services.SHEETS_AT_ONCE:
            rendered = certificates_print.render_sheets(certificates)
            # An attachment: a PDF answered inline to a POST gives no file in a browser without a viewer.
            return pdf_response(rendered.filename, rendered.content, inline=False)
        services.certificate_sheets_request(certificates=certificates, requested_by=request.user)
        messages.info(request, format_html(
            "{}件の証の台紙を作成しています。できあがると、この一覧を開いたときにお知らせします"
            "（<a href=\"{}\">出力したファイル</a>でも確認できます）。", count, reverse("documents:files")))
        return None

    @admin.action(description="選択した証を再交付する（理由を入力）", permissions=["issue"])
    def reissue(self, request: HttpRequest, queryset: QuerySet):
        return text_action(
            self, request, queryset, title=localise("コーディネーター証の再交付"), label="再交付の理由",
            call=lambda c, text: services.certificate_reissue(certificate=c, reason=text, issued_by=request.user),
            done="再交付しました", max_length=max_length_of(Certificate, "reissue_reason"),
        )

    @admin.action(description="選択した未返還の証を返還済みにする", permissions=["issue"])
    def mark_returned(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_each(request, queryset, lambda c: services.certificate_mark_returned(certificate=c, received_by=request.user),
             "返還済みにしました")

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("coordinators.add_certificate")


@admin.register(TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "is_required"]
    list_filter = ["provider", "is_required"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ExportAdminMixin, ScopedModelAdmin):
    export_table = exports.TRAINING
    list_display = ["coordinator", "course", "completed_on", "note"]
    list_filter = ["course"]
    search_fields = ["coordinator__name", "coordinator__name_kana"]
    list_select_related = ["coordinator", "course"]
    autocomplete_fields = ["coordinator"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # who completed which course is history; a wrong entry is corrected


# --- 守秘義務の誓約 -------------------------------------------------------------------------

class PledgeAdminForm(forms.ModelForm):
    """Records through ``pledge_record`` (one pledge per coordinator and per contract), so that the
    admin refuses what the service refuses, with its message."""

    class Meta:
        model = Pledge
        fields = ["coordinator", "contract", "signed_on", "signer"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "signer" in self.fields:
            self.fields["signer"].required = False
            self.fields["signer"].help_text = localise(
                "受託団体の誓約は代表者の職名と氏名。コーディネーターの誓約は空欄なら本人の氏名")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or self.instance.pk:
            return data
        request = getattr(self, "request", None)  # set by PledgeAdmin.get_form
        try:
            require_event_dates({"誓約日": data["signed_on"]})
            if request is None:
                return data
            self.saved = services.pledge_record(
                coordinator=data.get("coordinator"), contract=data.get("contract"), signed_on=data["signed_on"],
                signer=data.get("signer") or "", by=request.user)
        except DomainError as error:
            raise ValidationError(error.message) from error
        return data


@admin.register(Pledge)
class PledgeAdmin(ScopedModelAdmin):
    """Pledges are recorded here from the signed paper; a recorded pledge is not changed or deleted."""

    form = PledgeAdminForm
    list_display = ["signed_on", "kind", "organisation", "coordinator", "contract_title", "signer"]
    list_filter = ["kind", OrganisationSearchFilter]
    search_fields = ["signer", "coordinator__name", "coordinator__name_kana", "organisation__name"]
    list_select_related = ["organisation", "coordinator", "contract"]
    autocomplete_fields = ["coordinator", "contract"]

    @admin.display(description="委託契約")
    def contract_title(self, obj: Pledge) -> str:
        return obj.contract.title if obj.contract else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            return ["kind", "organisation", "coordinator", "contract", "signed_on", "signer", "recorded_by",
                    "recorded_at"]
        return []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        return form

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Pledge:
        return form.saved if not change else form.instance

    def save_model(self, request: HttpRequest, obj: Pledge, form: Any, change: bool) -> None:
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # no many-to-many fields; saved by pledge_record

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
