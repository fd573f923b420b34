"""Contracted organisations' contracts, coordinators, and the appointment lifecycle (SPEC §3, §4).

The lifecycle (選任届 → 受理 → コーディネーター証 → 解任届) changes state only through
``services.py``; the rules the data must always obey are database constraints here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from municipality import wareki
from municipality.roles import Role
from municipality.scoping import ScopedQuerySet, ScopeRule
from municipality.terms import term
from municipality.validators import text_limits, validate_birth_date, validate_event_date

# Papers of the lifecycle (notices with birth dates, certificates) are the organisation's
# business: its 受託団体 users see them; its coordinators see their own only.
CONTRACTOR_ONLY = frozenset({Role.CONTRACTOR})


class Layer(models.IntegerChoices):
    FIRST = 1, "第1層"
    SECOND = 2, "第2層"


# --- 委託契約 ------------------------------------------------------------------------

class ContractStatus(models.TextChoices):
    ACTIVE = "active", "締結済"
    ENDED = "ended", "終了"
    CANCELLED = "cancelled", "解除"


class ContractQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="organisation", area="areas", organisation_roles=CONTRACTOR_ONLY)

    def in_force_on(self, day: dt.date) -> ContractQuerySet:
        return self.filter(status=ContractStatus.ACTIVE, start__lte=day, end__gte=day)


class Contract(models.Model):
    """A 委託契約: the city contracts an organisation to place coordinators in some areas."""

    organisation = models.ForeignKey(
        "municipality.Organisation", verbose_name="受託団体", on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField("契約名", max_length=200, help_text="例：汐見市地域支え合い推進員配置業務委託")
    layer = models.PositiveSmallIntegerField("層", choices=Layer.choices, default=Layer.SECOND)
    areas = models.ManyToManyField("municipality.Area", verbose_name="区域", related_name="contracts")
    start = models.DateField("委託期間（開始）", validators=[validate_event_date])
    end = models.DateField("委託期間（終了）", validators=[validate_event_date])
    status = models.CharField("状態", max_length=10, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "委託契約"
        ordering = ["-start", "organisation__name"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="contract_end_not_before_start"),
        ]
        indexes = [models.Index(fields=["end"], condition=Q(status="active"), name="contract_active_end")]

    def __str__(self) -> str:
        return f"{self.title}（{self.organisation}、{wareki.format_wareki(self.start)}〜{wareki.format_wareki(self.end)}）"

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


# --- コーディネーター -------------------------------------------------------------------

class CoordinatorQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="employer", user="user", organisation_roles=CONTRACTOR_ONLY)


def photo_path(instance: Coordinator, filename: str) -> str:
    return f"coordinators/photos/{filename}"


class Coordinator(models.Model):
    """A person who is, was or is to be a coordinator. Areas come from their appointments."""

    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("氏名（ふりがな）", max_length=100)
    birth_date = models.DateField("生年月日", validators=[validate_birth_date])
    job_title = models.CharField("職名", max_length=100, blank=True)
    layer = models.PositiveSmallIntegerField("層", choices=Layer.choices, default=Layer.SECOND)
    employer = models.ForeignKey(
        "municipality.Organisation", verbose_name="所属（雇用主）", on_delete=models.PROTECT,
        related_name="coordinators", help_text="第2層は受託団体、第1層は市の部署も可",
    )
    photo = models.ImageField("写真", upload_to=photo_path, blank=True, help_text="縦3.0cm×横2.4cm の証明写真")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="ログインID", null=True, blank=True,
        on_delete=models.PROTECT, related_name="coordinator",
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True, validators=[validate_event_date])

    objects = CoordinatorQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = term("コーディネーター")
        ordering = ["name_kana", "pk"]

    def __str__(self) -> str:
        return self.name


# --- 選任届（様式第1号） -----------------------------------------------------------------

class NoticeStatus(models.TextChoices):
    SUBMITTED = "submitted", "提出済（受理待ち）"
    ACCEPTED = "accepted", "受理"
    RETURNED = "returned", "差戻し"
    WITHDRAWN = "withdrawn", "取下げ（訂正済み）"


class AppointmentNoticeQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="organisation", organisation_roles=CONTRACTOR_ONLY)


class AppointmentNotice(models.Model):
    """選任届出書: the organisation reports a coordinator it has appointed."""

    organisation = models.ForeignKey(
        "municipality.Organisation", verbose_name="届出者（受託団体）", on_delete=models.PROTECT,
        related_name="appointment_notices",
    )
    contract = models.ForeignKey(
        Contract, verbose_name="委託契約", on_delete=models.PROTECT, related_name="appointment_notices"
    )
    coordinator = models.ForeignKey(
        Coordinator, verbose_name="選任した者", on_delete=models.PROTECT, related_name="appointment_notices"
    )
    areas = models.ManyToManyField("municipality.Area", verbose_name="担当区域", related_name="+")
    appointed_on = models.DateField("選任年月日", validators=[validate_event_date])
    reason = models.TextField("選任事由", max_length=2000)
    filed_on = models.DateField("届出日", validators=[validate_event_date])
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出者", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状態", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.SUBMITTED)
    decided_at = models.DateTimeField("受理・差戻しの日時", null=True, blank=True, validators=[validate_event_date])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理・差戻しした職員", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    return_comment = models.TextField("差戻しの理由", max_length=2000, blank=True)
    document = models.OneToOneField(
        "forms_pdf.IssuedDocument", verbose_name="様式第1号", on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.OneToOneField(
        "self", verbose_name="訂正前の届出", null=True, blank=True, on_delete=models.PROTECT,
        related_name="replaced_by",
    )

    objects = AppointmentNoticeQuerySet.as_manager()

    class Meta:
        constraints = text_limits("appointmentnotice", reason=2000, return_comment=2000)
        verbose_name = verbose_name_plural = "選任届"
        ordering = ["-filed_on", "-pk"]
        permissions = [("accept_appointmentnotice", "選任届を受理・差戻しできる")]

    def __str__(self) -> str:
        return f"選任届：{self.coordinator}（{wareki.format_wareki(self.appointed_on)}）"


# --- 選任（受理された選任） --------------------------------------------------------------

class AppointmentQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="coordinator__employer", area="areas", user="coordinator__user",
                           organisation_roles=CONTRACTOR_ONLY)

    def active_on(self, day: dt.date) -> AppointmentQuerySet:
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))


class Appointment(models.Model):
    """A coordinator in office: who covered which areas, from when to when."""

    coordinator = models.ForeignKey(
        Coordinator, verbose_name=term("コーディネーター"), on_delete=models.PROTECT, related_name="appointments"
    )
    layer = models.PositiveSmallIntegerField("層", choices=Layer.choices)
    contract = models.ForeignKey(
        Contract, verbose_name="委託契約", null=True, blank=True, on_delete=models.PROTECT,
        related_name="appointments", help_text="第1層の市職員は契約なし",
    )
    notice = models.OneToOneField(
        AppointmentNotice, verbose_name="選任届", null=True, blank=True, on_delete=models.PROTECT,
        related_name="appointment",
    )
    areas = models.ManyToManyField("municipality.Area", verbose_name="担当区域", related_name="appointments")
    start = models.DateField("選任年月日", validators=[validate_event_date])
    end = models.DateField("解任年月日", null=True, blank=True, validators=[validate_event_date])

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "選任（在任期間）"
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="appointment_end_not_before_start"
            ),
            # One appointment in office per person and layer.
            models.UniqueConstraint(
                fields=["coordinator", "layer"], condition=Q(end__isnull=True), name="one_open_appointment_per_layer"
            ),
        ]

    def __str__(self) -> str:
        until = wareki.format_wareki(self.end) if self.end else "在任中"
        return f"{self.coordinator}（{self.get_layer_display()}、{wareki.format_wareki(self.start)}〜{until}）"


# --- 解任届（様式第3号） -----------------------------------------------------------------

class DismissalNoticeQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="organisation", organisation_roles=CONTRACTOR_ONLY)


class DismissalNotice(models.Model):
    """解任届出書: the organisation reports that it has dismissed a coordinator."""

    organisation = models.ForeignKey(
        "municipality.Organisation", verbose_name="届出者（受託団体）", on_delete=models.PROTECT,
        related_name="dismissal_notices",
    )
    appointment = models.OneToOneField(
        Appointment, verbose_name="選任", on_delete=models.PROTECT, related_name="dismissal_notice"
    )
    dismissed_on = models.DateField("解任年月日", validators=[validate_event_date])
    reason = models.TextField("解任事由", max_length=2000)
    certificate_returned = models.BooleanField(term("コーディネーター証を添付（返還）"), default=True)
    filed_on = models.DateField("届出日", validators=[validate_event_date])
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出者", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状態", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.SUBMITTED)
    decided_at = models.DateTimeField("受理の日時", null=True, blank=True, validators=[validate_event_date])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理した職員", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    document = models.OneToOneField(
        "forms_pdf.IssuedDocument", verbose_name="様式第3号", on_delete=models.PROTECT, related_name="+"
    )

    objects = DismissalNoticeQuerySet.as_manager()

    class Meta:
        constraints = text_limits("dismissalnotice", reason=2000)
        verbose_name = verbose_name_plural = "解任届"
        ordering = ["-filed_on", "-pk"]
        permissions = [("accept_dismissalnotice", "解任届を受理できる")]

    def __str__(self) -> str:
        return f"解任届：{self.appointment.coordinator}（{wareki.format_wareki(self.dismissed_on)}）"


# --- コーディネーター証（様式第2号） ------------------------------------------------------

class CertificateStatus(models.TextChoices):
    VALID = "valid", "有効"
    RETURNED = "returned", "返還済み（解任）"
    UNRETURNED = "unreturned", "無効（未返還）"
    REPLACED = "replaced", "再交付により無効"
    EXPIRED = "expired", "期間満了"


class CertificateQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="coordinator__employer", user="coordinator__user",
                           organisation_roles=CONTRACTOR_ONLY)

    def valid_on(self, day: dt.date) -> CertificateQuerySet:
        """Certificates that were (or are) valid on a day: history, not only today's status.
        A certificate is void from the day after its dismissal date, and from the day a
        replacement is issued (its invalidated_on is that day)."""
        return self.filter(valid_from__lte=day, valid_until__gte=day).filter(
            Q(invalidated_on__isnull=True)
            | Q(status=CertificateStatus.REPLACED, invalidated_on__gt=day)
            | (~Q(status=CertificateStatus.REPLACED) & Q(invalidated_on__gte=day))
        )


class Certificate(models.Model):
    """コーディネーター証: numbered per fiscal year (令和8-012), valid for the contract period."""

    coordinator = models.ForeignKey(
        Coordinator, verbose_name=term("コーディネーター"), on_delete=models.PROTECT, related_name="certificates"
    )
    appointment = models.ForeignKey(
        Appointment, verbose_name="選任", on_delete=models.PROTECT, related_name="certificates"
    )
    layer = models.PositiveSmallIntegerField("層", choices=Layer.choices)
    fiscal_year = models.PositiveSmallIntegerField("交付年度")
    serial = models.PositiveIntegerField("年度内の番号")
    number = models.CharField("証番号", max_length=20, unique=True)
    issued_on = models.DateField("交付日", validators=[validate_event_date])
    valid_from = models.DateField("有効期間（開始）", validators=[validate_event_date])
    valid_until = models.DateField("有効期間（終了）", validators=[validate_event_date])
    status = models.CharField("状態", max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    invalidated_on = models.DateField("無効になった日", null=True, blank=True, validators=[validate_event_date])
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="交付した職員", on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.OneToOneField(
        "self", verbose_name="再交付前の証", null=True, blank=True, on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    reissue_reason = models.CharField("再交付の理由", max_length=200, blank=True)
    document = models.OneToOneField(
        "forms_pdf.IssuedDocument", verbose_name="様式第2号", on_delete=models.PROTECT, related_name="+"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = term("コーディネーター証")
        ordering = ["-fiscal_year", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "serial"], name="certificate_serial_per_fiscal_year"),
            models.UniqueConstraint(
                fields=["coordinator", "layer"], condition=Q(status="valid"), name="one_valid_certificate_per_role"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="certificate_valid_until_not_before_from"
            ),
        ]
        indexes = [models.Index(fields=["valid_until"], condition=Q(status="valid"), name="certificate_valid_until")]

    def __str__(self) -> str:
        return f"証番号 {self.number} {self.coordinator}"


class CertificateSequence(models.Model):
    """The last certificate number given in a fiscal year (a row lock serialises issuers)."""

    fiscal_year = models.PositiveSmallIntegerField("年度", primary_key=True)
    last_serial = models.PositiveIntegerField("最後の番号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "証番号の採番"

    def __str__(self) -> str:
        return f"{wareki.fiscal_year_label(self.fiscal_year)}：{self.last_serial}"


# --- 研修 -----------------------------------------------------------------------------

class TrainingProvider(models.TextChoices):
    NATIONAL = "national", "国"
    PREFECTURE = "prefecture", "都道府県"
    MUNICIPALITY = "municipality", "市町村"
    OTHER = "other", "その他"


class TrainingCourse(models.Model):
    """A course; required ones must be taken within the municipality's set time after appointment."""

    name = models.CharField("研修名", max_length=200, unique=True)
    provider = models.CharField("実施主体", max_length=20, choices=TrainingProvider.choices)
    is_required = models.BooleanField("受講必須", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "研修"
        ordering = ["-is_required", "name"]

    def __str__(self) -> str:
        return self.name


class TrainingRecordQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="coordinator__employer", user="coordinator__user",
                           organisation_roles=CONTRACTOR_ONLY)


class TrainingRecord(models.Model):
    coordinator = models.ForeignKey(
        Coordinator, verbose_name=term("コーディネーター"), on_delete=models.PROTECT, related_name="training_records"
    )
    course = models.ForeignKey(TrainingCourse, verbose_name="研修", on_delete=models.PROTECT, related_name="records")
    completed_on = models.DateField("修了日", validators=[validate_event_date])
    note = models.CharField("備考", max_length=200, blank=True)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "研修の受講記録"
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["coordinator", "course", "completed_on"], name="training_record_once"),
        ]

    def __str__(self) -> str:
        return f"{self.coordinator}：{self.course}（{wareki.format_wareki(self.completed_on)}）"


# --- 守秘義務の誓約（千葉市 第8条、茅ヶ崎市 第15条） ----------------------------------------------

class PledgeKind(models.TextChoices):
    COORDINATOR = "coordinator", term("コーディネーター")
    ORGANISATION = "organisation", "受託団体（契約の開始時）"


class PledgeQuerySet(ScopedQuerySet):
    # The organisation's 受託団体 users see its pledges; a coordinator sees their own.
    scope_rule = ScopeRule(organisation="organisation", user="coordinator__user", organisation_roles=CONTRACTOR_ONLY)


class Pledge(models.Model):
    """A signed confidentiality pledge: each coordinator's, and the 受託団体's own at the start of a
    contract. The duty lasts after the contract or the post ends, so a pledge is never deleted."""

    kind = models.CharField("誓約の区分", max_length=20, choices=PledgeKind.choices)
    organisation = models.ForeignKey("municipality.Organisation", verbose_name="団体", on_delete=models.PROTECT,
                                     related_name="confidentiality_pledges")
    coordinator = models.ForeignKey(Coordinator, verbose_name=term("コーディネーター"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="pledges")
    contract = models.ForeignKey(Contract, verbose_name="委託契約", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="pledges")
    signed_on = models.DateField("誓約日", validators=[validate_event_date])
    signer = models.CharField("誓約した人", max_length=100, help_text="受託団体は代表者の職名と氏名")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した職員", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date])

    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = term("守秘義務の誓約（コーディネーター・受託団体）")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="coordinator", coordinator__isnull=False, contract__isnull=True)
                | Q(kind="organisation", contract__isnull=False, coordinator__isnull=True),
                name="pledge_names_its_signer",
            ),
            models.UniqueConstraint(fields=["coordinator"], condition=Q(kind="coordinator"),
                                    name="pledge_once_per_coordinator"),
            models.UniqueConstraint(fields=["contract"], condition=Q(kind="organisation"),
                                    name="pledge_once_per_contract"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.signer}（{wareki.format_wareki(self.signed_on)}）"
