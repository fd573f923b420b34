from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from municipality.terms import term
from municipality.wareki import format_wareki_datetime

from . import wareki
from .roles import CITY_WIDE_ROLES, Role
from .scoping import ScopedQuerySet, ScopeRule
from .validators import validate_event_date


class CoordinatorTerm(models.TextChoices):
    SEIKATSU_SHIEN = "生活支援コーディネーター", "生活支援コーディネーター"
    SASAEAI = "地域支え合い推進員", "地域支え合い推進員"


# Until the city fills in its settings, forms show the usual 〇〇 placeholders.
PLACEHOLDER_SETTINGS = {
    "name": "〇〇市",
    "mayor_title": "〇〇市長",
    "certificate_department": "〇〇市福祉部高齢福祉介護課",
    "coordinator_term": "生活支援コーディネーター",
    "second_layer_basis": "日常生活圏域",
    "plan_name": "〇〇市高齢者福祉計画・介護保険事業計画",
}


class MunicipalityQuerySet(models.QuerySet):
    def current(self) -> Municipality:
        """The municipality this installation serves: one row, created with placeholders on first use."""
        municipality, _ = self.get_or_create(pk=Municipality.SINGLETON_PK, defaults=PLACEHOLDER_SETTINGS)
        return municipality


class Municipality(models.Model):
    """The settings of the one municipality that runs this installation (SPEC §1)."""

    SINGLETON_PK = 1

    name = models.CharField("市町村名", max_length=50)
    mayor_title = models.CharField(
        "あて先（首長の職名）", max_length=50, help_text="届出書のあて先に印字します。例：千葉市長"
    )
    certificate_department = models.CharField(
        "証の届出・返還先の部署",
        max_length=100,
        help_text=term("コーディネーター証の裏面に印字します。例：千葉市保健福祉局地域包括ケア推進課"),
    )
    coordinator_term = models.CharField(
        "コーディネーターの名称", max_length=30, choices=CoordinatorTerm.choices,
        default=CoordinatorTerm.SEIKATSU_SHIEN,
    )
    second_layer_basis = models.CharField(
        "第2層の区域の単位",
        max_length=50,
        help_text="例：まちぢから協議会区域、日常生活圏域、あんしんケアセンター圏域、中学校区",
    )
    plan_name = models.CharField(
        "計画の名称", max_length=100, help_text="例：茅ヶ崎市高齢者福祉計画・介護保険事業計画"
    )
    is_designated_city = models.BooleanField("政令指定都市", default=False)
    ward_count = models.PositiveSmallIntegerField("行政区の数", default=0, help_text="政令指定都市のみ")
    report_due_day = models.PositiveSmallIntegerField(
        "月次報告の提出期限（翌月の日）", default=10, help_text="例：10 なら翌月10日までに提出"
    )
    required_training_within_days = models.PositiveIntegerField(
        "必須研修の受講期限（選任からの日数）", default=365,
        help_text=term("選任からこの日数を過ぎても必須研修の受講記録がないコーディネーターを一覧に示します。"),
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "市町村の設定"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="municipality_single_row"),
        ]

    def __str__(self) -> str:
        return self.name


class PlanPeriod(models.Model):
    """A period of the municipality's care-insurance plan: three 年度 (計画期間)."""

    number = models.PositiveSmallIntegerField("期", unique=True, help_text="第9期なら 9")
    start = models.DateField("開始日", validators=[validate_event_date])
    end = models.DateField("終了日", validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "計画期間"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="planperiod_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"第{self.number}期（{self.fiscal_years_label}）"

    @property
    def fiscal_years_label(self) -> str:
        return wareki.PlanTerm(self.number, self.start, self.end).fiscal_years_label

    def clean(self) -> None:
        if self.start and self.end:
            if (self.start.month, self.start.day) != (4, 1) or (self.end.month, self.end.day) != (3, 31):
                raise ValidationError(
                    "計画期間は年度の初日（4月1日）に始まり、年度の末日（3月31日）に終わる必要があります。"
                )
            if self.end <= self.start:
                raise ValidationError("終了日は開始日より後にしてください。")
            overlapping = PlanPeriod.objects.filter(start__lte=self.end, end__gte=self.start).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError(f"{overlapping.first()}と期間が重なっています。")

    def contains(self, day) -> bool:
        return self.start <= day <= self.end


class AreaQuerySet(models.QuerySet):
    def second_layer(self) -> AreaQuerySet:
        return self.filter(layer=2)


class Area(models.Model):
    """An area of the municipality: 第1層 is the whole city, 第2層 its sub-areas, and deeper."""

    parent = models.ForeignKey(
        "self", verbose_name="上位の区域", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    layer = models.PositiveSmallIntegerField("層", help_text="第1層＝市全域、第2層＝その区域")
    code = models.CharField("区域コード", max_length=20, unique=True)
    name = models.CharField("区域名", max_length=100)
    boundary_basis = models.CharField(
        "区域の単位", max_length=50, blank=True, help_text="空欄なら市町村の設定の「第2層の区域の単位」"
    )
    support_center = models.CharField("担当の地域包括支援センター", max_length=100, blank=True)
    sort_order = models.PositiveIntegerField("表示順", default=0)
    is_active = models.BooleanField("使用中", default=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "区域"
        ordering = ["layer", "sort_order", "code"]
        # The lists' order: the admin's page reads its 50 rows instead of sorting every area.
        indexes = [models.Index(fields=["layer", "sort_order", "code"], name="area_list_order")]
        constraints = [
            models.CheckConstraint(condition=Q(layer__gte=1), name="area_layer_positive"),
            models.CheckConstraint(
                condition=(Q(layer=1) & Q(parent__isnull=True)) | (Q(layer__gt=1) & Q(parent__isnull=False)),
                name="area_only_first_layer_without_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.layer_label} {self.name}"

    @property
    def layer_label(self) -> str:
        return f"第{self.layer}層"

    def clean(self) -> None:
        if self.layer == 1 and self.parent_id:
            raise ValidationError({"parent": "第1層の区域に上位の区域は設定できません。"})
        if self.layer and self.layer > 1:
            if not self.parent_id:
                raise ValidationError({"parent": f"第{self.layer}層の区域には上位の区域が必要です。"})
            if self.parent.layer != self.layer - 1:
                raise ValidationError(
                    {"parent": f"第{self.layer}層の区域の上位は第{self.layer - 1}層の区域にしてください。"}
                )
        if self.layer == 1 and Area.objects.filter(layer=1).exclude(pk=self.pk).exists():
            raise ValidationError({"layer": "第1層（市全域）の区域はすでに登録されています。"})

    def descendant_ids(self) -> set[int]:
        """This area and every area below it (the tree is small: one query per layer)."""
        found = {self.pk}
        frontier = {self.pk}
        while frontier:
            frontier = set(Area.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
            found |= frontier
        return found


class LegalForm(models.TextChoices):
    LOCAL_GOVERNMENT = "地方公共団体", "地方公共団体"
    SOCIAL_WELFARE_CORPORATION = "社会福祉法人", "社会福祉法人"
    NPO = "特定非営利活動法人", "特定非営利活動法人"
    GENERAL_INCORPORATED = "一般社団法人", "一般社団法人"
    PUBLIC_INTEREST_INCORPORATED = "公益社団法人", "公益社団法人"
    COMPANY = "株式会社", "株式会社"
    COOPERATIVE = "協同組合", "協同組合"
    VOLUNTARY = "任意団体", "任意団体"
    OTHER = "その他", "その他"


class OrganisationQuerySet(ScopedQuerySet):
    # Every member sees their own organisation's profile, coordinators included.
    scope_rule = ScopeRule(organisation="pk", organisation_roles=frozenset(Role))


class Organisation(models.Model):
    """An organisation: a city department, a contracted organisation, a council member body."""

    name = models.CharField("名称", max_length=200, unique=True)
    name_kana = models.CharField("名称（ふりがな）", max_length=200, blank=True)
    legal_form = models.CharField("法人格", max_length=30, choices=LegalForm.choices, default=LegalForm.OTHER)
    is_city_department = models.BooleanField("市の部署", default=False)
    address = models.CharField("所在地", max_length=200, blank=True)
    representative_title = models.CharField("代表者の職名", max_length=100, blank=True)
    representative_name = models.CharField("代表者の氏名", max_length=100, blank=True)
    phone = models.CharField("電話番号", max_length=30, blank=True)
    email = models.EmailField("メールアドレス", blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "団体"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="organisation", user="pk")


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who logs in. Roles are groups (see roles.py)."""

    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("氏名（ふりがな）", max_length=100, blank=True)
    job_title = models.CharField("職名", max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属団体", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    areas = models.ManyToManyField(Area, verbose_name="担当区域", blank=True, related_name="users")
    # Django's own fields, with the range check every date field of ours carries.
    last_login = models.DateTimeField(_("last login"), blank=True, null=True, validators=[validate_event_date])
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now, validators=[validate_event_date])

    objects = ScopedUserManager()

    REQUIRED_FIELDS = ["email", "name"]

    class Meta:
        verbose_name = verbose_name_plural = "利用者"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @cached_property
    def roles(self) -> frozenset[Role]:
        if not self.is_active:
            return frozenset()
        names = set(self.groups.values_list("name", flat=True))
        return frozenset(role for role in Role if role.value in names)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_city_wide(self) -> bool:
        """Sees every object of the municipality that is not need-to-know data."""
        return self.is_active and (self.is_superuser or bool(self.roles & CITY_WIDE_ROLES))


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the heartbeat task that beat schedules every minute."""

    hostname = models.CharField("ワーカー", max_length=200, unique=True)
    last_seen = models.DateTimeField("最終稼働", validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "バックグラウンド処理の稼働状況"
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.hostname


class PasswordResetRequest(models.Model):
    """A request for a password-reset mail as the form received it. The web request only inserts
    this row, the same work whether or not the address is registered; a worker then looks the user
    up and queues the mail (municipality/services.py). Once processed the address is erased (the
    hash still counts the requests for the limit), and rows go after a day."""

    email = models.EmailField("メールアドレス", blank=True, help_text="処理したら消去します")
    email_hash = models.CharField("メールアドレスのハッシュ", max_length=64, help_text="回数の上限を数えるため")
    client = models.GenericIPAddressField("接続元", null=True, blank=True)
    requested_at = models.DateTimeField("受付日時", default=timezone.now, validators=[validate_event_date])
    processed_at = models.DateTimeField("処理日時", null=True, blank=True, validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "パスワード再設定の申込み"
        indexes = [
            models.Index(fields=["email_hash", "requested_at"], name="password_reset_by_address"),
            models.Index(fields=["client", "requested_at"], name="password_reset_by_client"),
            models.Index(fields=["requested_at"], condition=Q(processed_at__isnull=True), name="password_reset_pending"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(processed_at__isnull=True) | Q(email=""),
                                   name="password_reset_processed_keeps_no_address"),
        ]

    def __str__(self) -> str:
        return f"{format_wareki_datetime(self.requested_at)}"


class FormSubmission(models.Model):
    """One sending of a rendered form, known by the form's one-time token (municipality/once.py).

    The row is inserted in the transaction that saves what the form asks for: a second sending of
    the same form, even at the same moment, hits the unique token and creates nothing."""

    token = models.UUIDField("送信の識別子", unique=True)
    form = models.CharField("フォーム", max_length=100)
    user = models.ForeignKey("municipality.User", on_delete=models.CASCADE, related_name="+", verbose_name="送信した人")
    result_url = models.CharField("登録後に開いた画面", max_length=300, blank=True)
    created_at = models.DateTimeField("送信日時", auto_now_add=True, db_index=True,
                                      validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "フォームの送信"

    def __str__(self) -> str:
        return f"{self.form} {self.token}"


class ImportRun(models.Model):
    """One import of a ledger file (kept or refused): who, which ledger, which file, how many rows.
    The audit log records each as it is created (AUDITLOG_INCLUDE_ALL_MODELS)."""

    ledger = models.CharField("台帳", max_length=30)
    ledger_label = models.CharField("台帳名", max_length=50)
    filename = models.CharField("ファイル名", max_length=255)
    valid_rows_only = models.BooleanField("有効な行だけ取り込む", default=False)
    saved = models.BooleanField("保存した", default=False)
    created_count = models.PositiveIntegerField("新規", default=0)
    updated_count = models.PositiveIntegerField("変更", default=0)
    refused_count = models.PositiveIntegerField("取り込めない行", default=0)
    imported_by = models.ForeignKey(
        "municipality.User", verbose_name="取り込んだ職員", on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("取り込んだ日時", default=timezone.now, validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "台帳の取り込み"
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.ledger_label}の取り込み（{self.filename}）"


class ImportJob(models.Model):
    """A large ledger file (over ``importing.BACKGROUND_ROWS`` rows) checked or imported by the
    worker, so that the request answers at once and the page follows the job. The rows' results are
    kept here for the page; the import itself is recorded as an ``ImportRun`` (in the audit log)."""

    class Kind(models.TextChoices):
        PREVIEW = "preview", "確認"
        IMPORT = "import", "取り込み"

    class Status(models.TextChoices):
        QUEUED = "queued", "順番待ち"
        RUNNING = "running", "処理中"
        DONE = "done", "完了"
        FAILED = "failed", "中断"

    token = models.UUIDField("番号", unique=True, editable=False)
    ledger = models.CharField("台帳", max_length=30)
    filename = models.CharField("ファイル名", max_length=255)
    upload = models.CharField("待機中のファイル", max_length=64)
    kind = models.CharField("処理", max_length=10, choices=Kind.choices)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.QUEUED)
    valid_rows_only = models.BooleanField("有効な行だけ取り込む", default=False)
    row_count = models.PositiveIntegerField("行数", default=0)
    result = models.JSONField("結果", null=True, blank=True)
    requested_by = models.ForeignKey(
        "municipality.User", verbose_name="依頼した職員", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("依頼日時", default=timezone.now, validators=[validate_event_date])
    finished_at = models.DateTimeField("終了日時", null=True, blank=True, validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "台帳の取り込み（処理中のもの）"
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="importjob_status_requested")]

    def __str__(self) -> str:
        return f"{self.filename}の{self.get_kind_display()}"
