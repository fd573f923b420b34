"""What coordinators do every day (SPEC §5): activities, social resources, needs, matches,
and the monthly report that locks a month's activities once submitted."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from municipality import wareki
from municipality.roles import Role
from municipality.scoping import ScopedQuerySet, ScopeRule
from municipality.terms import term
from municipality.validators import text_limits, validate_event_date

CONTRACTOR_ONLY = frozenset({Role.CONTRACTOR})


class Function(models.TextChoices):
    """The coordinator's functions in seed 002: (A)(B)(C), plus the municipality's その他."""

    A = "A", "A 資源開発"
    B = "B", "B ネットワーク構築"
    C = "C", "C ニーズと取組のマッチング"
    OTHER = "D", "その他"


class ActivityCategory(models.Model):
    """A sub-item of a function, as the municipality's 要綱 lists them (e.g. 第9条(1)ア)."""

    function = models.CharField("機能", max_length=1, choices=Function.choices)
    code = models.CharField("項目番号", max_length=20, unique=True, help_text="例：(1)ア")
    label = models.CharField("内容", max_length=200)
    sort_order = models.PositiveIntegerField("表示順", default=0)
    is_active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "活動の項目"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_label(month: dt.date) -> str:
    if month < wareki.ERAS[-1].first_day:
        return f"{month.year}年{month.month}月"  # a stored date before 明治 still prints
    w = wareki.to_wareki(month)
    return f"{w.era}{w.year_label}年{month.month}月"


# --- 社会資源・地域ニーズ・マッチング ----------------------------------------------------------

class ProviderKind(models.TextChoices):
    NPO = "npo", "NPO"
    COMPANY = "company", "民間企業"
    COOPERATIVE = "coop", "協同組合"
    SOCIAL_WELFARE = "swc", "社会福祉法人"
    VOLUNTEER = "volunteer", "ボランティア"
    SALON = "salon", "サロン"
    NEIGHBOURHOOD = "neighbourhood", "自治会・町内会"
    OTHER = "other", "その他"


class ResourceStatus(models.TextChoices):
    ACTIVE = "active", "活動中"
    PLANNED = "planned", "立上げ準備中"
    PAUSED = "paused", "休止中"
    CLOSED = "closed", "終了"


class SocialResourceQuerySet(ScopedQuerySet):
    # Resources are shared knowledge within the areas a user works in.
    scope_rule = ScopeRule(organisation="registered_by", area="area")

    def listed_publicly(self) -> SocialResourceQuerySet:
        """What the public directory shows: marked public, active, in an area in use."""
        return self.filter(is_public=True, status=ResourceStatus.ACTIVE, area__is_active=True)


# The fields of the public directory's listing, written for residents (SocialResource).
PUBLIC_LISTING_FIELDS = ("is_public", "public_description", "public_window", "public_phone")

# A phone number as residents dial it: digits with hyphens or brackets, 10 or 11 digits.
PHONE_CHARACTERS = re.compile(r"^[0-9()\- ]+$")
# Mobile numbers (070/080/090) belong to a person, not to an organisation's window.
MOBILE_PREFIXES = ("070", "080", "090")


def normalise_phone(value: str) -> str:
    """Full-width digits and hyphens as residents type them on a Japanese keyboard, made half-width."""
    return unicodedata.normalize("NFKC", value).replace("ー", "-").replace("−", "-").replace("‐", "-").strip()


def public_listing_problems(resource: SocialResource) -> dict[str, str]:
    """Why a resource cannot be listed publicly as it stands (field → Japanese message); empty if it can.

    The public directory shows only the fields made for it: a description and a contact that the
    coordinator writes for residents, never the internal 連絡先 (which may name a person)."""
    problems: dict[str, str] = {}
    phone = normalise_phone(resource.public_phone or "")
    if phone:
        digits = re.sub(r"\D", "", phone)
        if not PHONE_CHARACTERS.match(phone) or not 10 <= len(digits) <= 11:
            problems["public_phone"] = "電話番号は数字とハイフンで、市外局番から入力してください（例：0467-00-1234）。"
        elif digits.startswith(MOBILE_PREFIXES):
            problems["public_phone"] = (
                "携帯電話の番号は個人の連絡先のため公開できません。団体・窓口の電話番号を入力してください。"
            )
    if resource.is_public:
        if not (resource.public_description or "").strip():
            problems.setdefault("public_description", "公開するには、公開用の説明を入力してください。")
        if not (resource.public_window or "").strip():
            problems.setdefault("public_window", "公開するには、問い合わせ先の団体・窓口の名称を入力してください。")
        if not phone:
            problems.setdefault("public_phone", "公開するには、問い合わせ先の電話番号を入力してください。")
    return problems


class SocialResource(models.Model):
    name = models.CharField("名称", max_length=200)
    provider_kind = models.CharField("提供主体の種類", max_length=20, choices=ProviderKind.choices)
    area = models.ForeignKey("municipality.Area", verbose_name="区域", on_delete=models.PROTECT,
                             related_name="social_resources")
    offers = models.TextField("提供している内容", max_length=2000)
    contact = models.CharField("連絡先", max_length=200, blank=True)
    status = models.CharField("状態", max_length=10, choices=ResourceStatus.choices, default=ResourceStatus.ACTIVE)
    registered_by = models.ForeignKey("municipality.Organisation", verbose_name="登録した団体", null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登録日時", auto_now_add=True, validators=[validate_event_date])
    # When the row last changed: the public directory's printed lists are kept until a resource of
    # their area changes (activities/directory.py).
    updated_at = models.DateTimeField("更新日時", auto_now=True, db_default=Now(), validators=[validate_event_date])
    # The public directory (seed 000 第9条(1)ウ 見える化・情報発信) shows only these fields, written for
    # residents: the internal 連絡先 and 提供している内容 may name a person.
    is_public = models.BooleanField(
        "社会資源一覧（公開）に載せる", default=False, db_default=False,
        help_text="載せると、ログインしない住民の方も見られる一覧とPDFに、名称・種類・区域と下の公開用の項目が表示されます。",
    )
    public_description = models.TextField(
        "公開用の説明", max_length=1000, blank=True, default="", db_default="",
        help_text="住民の方向けに、何をしているか・日時・場所など。個人の氏名や個人の連絡先は書かないでください。",
    )
    public_window = models.CharField(
        "問い合わせ先（団体・窓口の名称）", max_length=100, blank=True, default="", db_default="",
        help_text="例：汐見市社会福祉協議会 地域福祉課。個人の氏名は書かないでください。",
    )
    public_phone = models.CharField(
        "問い合わせ先の電話番号", max_length=20, blank=True, default="", db_default="",
        help_text="団体・窓口の電話番号（携帯電話の番号は公開できません）。",
    )

    # The key the phone gave a record made in the field without signal (activities/field.py): the
    # database stores each key once, so a resend after a lost answer never makes a second record.
    client_key = models.UUIDField("端末での記録の識別子", null=True, blank=True, unique=True, editable=False)

    objects = SocialResourceQuerySet.as_manager()

    class Meta:
        constraints = [
            *text_limits("socialresource", offers=2000, public_description=1000),
            # A public resource always has what the directory shows in place of the internal fields.
            models.CheckConstraint(
                condition=Q(is_public=False)
                | (~Q(public_description="") & ~Q(public_window="") & ~Q(public_phone="")),
                name="socialresource_public_has_public_fields",
                violation_error_message="公開するには、公開用の説明・問い合わせ先・電話番号を入力してください。",
            ),
        ]
        verbose_name = verbose_name_plural = "社会資源"
        ordering = ["area__sort_order", "name"]
        indexes = [
            models.Index(fields=["area", "status"]),
            # An import finds the resource of a row by its name in its area (activities/imports.py).
            models.Index(fields=["area", "name"], name="socialresource_area_name"),
            # The public directory: only the public rows, an area's in the order they are listed.
            models.Index(fields=["area", "provider_kind", "name"], name="socialresource_public_list",
                         condition=Q(is_public=True, status="active")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.public_phone = normalise_phone(self.public_phone or "")
        problems = public_listing_problems(self)
        if problems:
            raise ValidationError(problems)


class NeedStatus(models.TextChoices):
    OPEN = "open", "未対応"
    IN_PROGRESS = "progress", "調整中"
    MET = "met", "対応済み"
    CLOSED = "closed", "終了"


class NeedQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="recorded_by__employer", area="area", user="recorded_by__user",
                           organisation_roles=CONTRACTOR_ONLY)


class Need(models.Model):
    """地域ニーズ: what is needed, where, and who raised it (no personal data)."""

    title = models.CharField("ニーズ", max_length=200)
    description = models.TextField("内容", max_length=4000, blank=True)
    area = models.ForeignKey("municipality.Area", verbose_name="区域", on_delete=models.PROTECT, related_name="needs")
    raised_by = models.CharField("把握のきっかけ（誰から）", max_length=200, help_text="例：民生委員、サロン参加者、地域包括支援センター")
    raised_on = models.DateField("把握した日", validators=[validate_event_date])
    status = models.CharField("状態", max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    recorded_by = models.ForeignKey("coordinators.Coordinator", verbose_name="記録した人", on_delete=models.PROTECT,
                                    related_name="needs")
    # The 地域課題 of a 地域ケア会議 this need takes on to resource development (seed 002); a string
    # reference, so activities never imports councils.
    community_issue = models.ForeignKey("councils.CommunityIssue", verbose_name="もとになった地域課題", null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="needs")

    # The key the phone gave a record made in the field without signal (activities/field.py): the
    # database stores each key once, so a resend after a lost answer never makes a second record.
    client_key = models.UUIDField("端末での記録の識別子", null=True, blank=True, unique=True, editable=False)

    objects = NeedQuerySet.as_manager()

    class Meta:
        constraints = text_limits("need", description=4000)
        verbose_name = verbose_name_plural = "地域ニーズ"
        ordering = ["-raised_on", "-pk"]
        indexes = [models.Index(fields=["-raised_on", "-id"], name="need_newest_first")]

    def __str__(self) -> str:
        return self.title


class MatchOutcome(models.TextChoices):
    ARRANGING = "arranging", "調整中"
    MATCHED = "matched", "成立"
    NOT_MATCHED = "failed", "不成立"


class MatchQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="coordinator__employer", area="need__area", user="coordinator__user",
                           organisation_roles=CONTRACTOR_ONLY)


class Match(models.Model):
    """A need linked to a resource (function C), with what came of it."""

    need = models.ForeignKey(Need, verbose_name="ニーズ", on_delete=models.PROTECT, related_name="matches")
    resource = models.ForeignKey(SocialResource, verbose_name="社会資源", on_delete=models.PROTECT,
                                 related_name="matches")
    coordinator = models.ForeignKey("coordinators.Coordinator", verbose_name=term("コーディネーター"),
                                    on_delete=models.PROTECT, related_name="matches")
    matched_on = models.DateField("つないだ日", validators=[validate_event_date])
    outcome = models.CharField("結果", max_length=10, choices=MatchOutcome.choices, default=MatchOutcome.ARRANGING)
    note = models.TextField("経過・結果の内容", max_length=2000, blank=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "マッチング"
        ordering = ["-matched_on", "-pk"]
        constraints = [
            *text_limits("match", note=2000),
            models.UniqueConstraint(fields=["need", "resource"], name="match_need_resource_once"),
        ]

    def __str__(self) -> str:
        return f"{self.need} → {self.resource}"


# --- 活動記録 ---------------------------------------------------------------------------

class ActivityQuerySet(ScopedQuerySet):
    # Own activities and those of the organisation's coordinators (a coordinator sees their
    # colleagues' work). Not by area: an area's past logs belong to the organisation that
    # wrote them, not to whichever organisation serves the area now.
    scope_rule = ScopeRule(organisation="coordinator__employer", user="coordinator__user",
                           organisation_roles=frozenset({Role.CONTRACTOR, Role.COORDINATOR}))


class Activity(models.Model):
    coordinator = models.ForeignKey("coordinators.Coordinator", verbose_name=term("コーディネーター"),
                                    on_delete=models.PROTECT, related_name="activities")
    date = models.DateField("活動日", validators=[validate_event_date])
    minutes = models.PositiveIntegerField("時間（分）")
    area = models.ForeignKey("municipality.Area", verbose_name="区域", on_delete=models.PROTECT,
                             related_name="activities")
    # 茅ヶ崎 第8条2項: coordinators work together across their areas. Such an activity is logged in
    # the other area (``area``), marked, with the coordinator's own area it was done from.
    cross_area = models.BooleanField("区域を越えた連携", default=False,
                                     help_text="担当区域以外の区域で、区域を越えて連携・協力した活動")
    home_area = models.ForeignKey("municipality.Area", verbose_name="自分の担当区域（連携元）", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(ActivityCategory, verbose_name="活動の項目", on_delete=models.PROTECT,
                                 related_name="activities")
    function = models.CharField("機能", max_length=1, choices=Function.choices, editable=False)
    organisations = models.ManyToManyField("municipality.Organisation", verbose_name="関わった団体", blank=True,
                                           related_name="+")
    resources = models.ManyToManyField(SocialResource, verbose_name="関わった社会資源", blank=True,
                                       related_name="activities")
    participants = models.PositiveIntegerField("参加人数", default=0)
    narrative = models.TextField("内容", max_length=4000)
    follow_up_on = models.DateField("次の対応日", null=True, blank=True, validators=[validate_event_date])
    community_issue = models.ForeignKey("councils.CommunityIssue", verbose_name="取り組む地域課題", null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="activities",
                                        help_text="資源開発の活動のとき、もとになった地域ケア会議の地域課題")
    created_at = models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date])
    updated_at = models.DateTimeField("更新日時", auto_now=True, validators=[validate_event_date])

    # The key the phone gave a record made in the field without signal (activities/field.py): the
    # database stores each key once, so a resend after a lost answer never makes a second record.
    client_key = models.UUIDField("端末での記録の識別子", null=True, blank=True, unique=True, editable=False)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "活動記録"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["coordinator", "-date"]),
            models.Index(fields=["date", "area", "function"]),
            # The lists' order (the portal's, and the admin's read backwards): a page of the newest
            # without sorting a day's rows.
            models.Index(fields=["-date", "-id"], name="activity_newest_first"),
            # One area's activities newest first (the admin's list narrowed by an area): its page
            # reads 50 rows however many the area has.
            models.Index(fields=["area", "-date", "-id"], name="activity_area_newest_first"),
        ]
        constraints = [
            *text_limits("activity", narrative=4000),
            models.CheckConstraint(condition=Q(minutes__gt=0) & Q(minutes__lte=24 * 60), name="activity_minutes_in_a_day"),
            models.CheckConstraint(
                condition=Q(cross_area=False, home_area__isnull=True)
                | (Q(cross_area=True, home_area__isnull=False) & ~Q(home_area=models.F("area"))),
                name="activity_cross_area_names_its_home",
            ),
        ]

    def __str__(self) -> str:
        return f"{wareki.format_wareki(self.date)} {self.category.code if self.category_id else ''}"

    @property
    def area_label(self) -> str:
        """The area as lists and exports show it, with the cross-area mark."""
        if self.cross_area and self.home_area_id:
            return f"{self.area.name}（区域を越えた連携：担当 {self.home_area.name}）"
        return self.area.name


# --- 月次報告 ---------------------------------------------------------------------------

class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", "提出済（団体の確認待ち）"
    CONFIRMED = "confirmed", "団体確認済（市の受理待ち）"
    ACCEPTED = "accepted", "受理"
    RETURNED = "returned", "差戻し（修正して再提出）"


class MonthlyReportQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(organisation="coordinator__employer", user="coordinator__user",
                           organisation_roles=CONTRACTOR_ONLY)

    def locking(self) -> MonthlyReportQuerySet:
        """The reports that lock their month's activities: every one but a returned one."""
        return self.exclude(status=ReportStatus.RETURNED)


class MonthlyReport(models.Model):
    """One coordinator's month. While it is submitted, confirmed or accepted, the month is locked."""

    coordinator = models.ForeignKey("coordinators.Coordinator", verbose_name=term("コーディネーター"),
                                    on_delete=models.PROTECT, related_name="monthly_reports")
    month = models.DateField("月", help_text="月の初日", validators=[validate_event_date])
    status = models.CharField("状態", max_length=10, choices=ReportStatus.choices)
    comment = models.TextField("差戻しの理由", max_length=2000, blank=True)

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "月次報告"
        ordering = ["-month", "coordinator__name_kana"]
        constraints = [
            *text_limits("monthlyreport", comment=2000),
            models.UniqueConstraint(fields=["coordinator", "month"], name="one_report_per_coordinator_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="report_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{month_label(self.month)} {self.coordinator}"

    @property
    def locked(self) -> bool:
        return self.status != ReportStatus.RETURNED


class ReportEvent(models.Model):
    """Every step of a monthly report: who did what, when, with which comment."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提出"
        CONFIRM = "confirm", "団体確認"
        ACCEPT = "accept", "受理"
        RETURN = "return", "差戻し"
        REOPEN = "reopen", "市が再開"

    report = models.ForeignKey(MonthlyReport, verbose_name="月次報告", on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作した人", on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField("日時", validators=[validate_event_date])
    comment = models.TextField("コメント", max_length=2000, blank=True)

    class Meta:
        constraints = text_limits("reportevent", comment=2000)
        verbose_name = verbose_name_plural = "月次報告の履歴"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.get_action_display()}"


class ActivityCount(models.Model):
    """Activities per area, function and month, kept in step by the services, so that the city's
    dashboard reads a few hundred rows instead of counting hundreds of thousands. An activity across
    areas counts once in ``count`` under its coordinator's own area, and in ``cross_count`` under the
    area where it was done (marked; not added to the totals, so that nothing is counted twice)."""

    area = models.ForeignKey("municipality.Area", verbose_name="区域", on_delete=models.CASCADE, related_name="+")
    function = models.CharField("機能", max_length=1, choices=Function.choices)
    month = models.DateField("月", validators=[validate_event_date])
    count = models.IntegerField("件数", default=0)
    cross_count = models.IntegerField("区域を越えた連携で他の区域から", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "活動件数（集計）"
        constraints = [
            models.UniqueConstraint(fields=["area", "function", "month"], name="activity_count_bucket_once"),
        ]
        indexes = [models.Index(fields=["month", "area"], name="activity_count_month_area")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.function} {self.month:%Y-%m}: {self.count}"
