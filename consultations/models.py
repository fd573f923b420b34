"""重層的支援 (SPEC §7): cases, consent, assessment, versioned support plans, the two kinds of
meeting, and regional issues. This is 要配慮個人情報: access is need-to-know (see access.py),
every read is logged, and the coordinators' and councils' side never sees it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet
from django.db.models.lookups import In
from django.utils import timezone

from municipality.roles import Role
from municipality.scoping import ScopedQuerySet
from municipality.terms import term
from municipality.validators import text_limits, validate_birth_date, validate_event_date
from municipality.wareki import format_wareki

from . import legal_bases
from .privacy import Level, personal, record, sensitive


class Route(models.TextChoices):
    COUNTER = "counter", "窓口"
    PHONE = "phone", "電話"
    VISIT = "visit", "訪問"
    AGENCY = "agency", "関係機関から"
    OUTREACH = "outreach", "アウトリーチ"
    OTHER = "other", "その他"


class Domain(models.TextChoices):
    ELDERLY = "elderly", "高齢"
    DISABILITY = "disability", "障がい"
    CHILDREN = "children", "子ども"
    POVERTY = "poverty", "生活困窮"
    OTHER = "other", "その他"


class AgencyKind(models.TextChoices):
    SUPPORT_CENTER = "support_center", "地域包括支援センター"
    DISABILITY = "disability", "障害者相談支援事業所"
    CHILDREN = "children", "子ども家庭支援"
    POVERTY = "poverty", "生活困窮者自立相談支援機関"
    SOCIAL_WELFARE_COUNCIL = "swc", "社会福祉協議会"
    MEDICAL = "medical", "医療機関"
    CITY = "city", "市の部署"
    OTHER = "other", "その他"


class Agency(models.Model):
    """関係機関: an organisation that takes part in a case; its users see a case only while the
    person's consent covers it."""

    organisation = record(models.OneToOneField("municipality.Organisation", verbose_name="団体", on_delete=models.PROTECT,
                                               related_name="agency"))
    kind = record(models.CharField("種別", max_length=20, choices=AgencyKind.choices))

    class Meta:
        verbose_name = verbose_name_plural = "関係機関"
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name


class CaseStatus(models.TextChoices):
    OPEN = "open", "支援中"
    CLOSED = "closed", "終結"
    SUSPENDED = "suspended", "中断"


def may_handle_cases(user: Any) -> bool:
    """A 相談支援員 who is not also a coordinator or on a council's secretariat (they never see cases)."""
    return bool(user.is_authenticated and user.is_active and user.has_role(Role.CASE_WORKER)
                and not user.has_role(Role.COORDINATOR, Role.SECRETARIAT))


def is_team_lead(user: Any) -> bool:
    """The 相談支援管理者 of an organisation's case team: a 相談支援員 who also holds the lead role
    (only a superuser grants it: municipality/duties.py) and belongs to an organisation."""
    return bool(may_handle_cases(user) and user.organisation_id and user.has_role(Role.CASE_LEAD))


def team_lead_q(user: Any, prefix: str = "") -> Q:
    """The team's cases, for its lead: a case with an assigned worker or CSW of the lead's
    organisation (nothing for anyone else)."""
    if not is_team_lead(user):
        return Q(pk__in=[])
    team = Case.objects.filter(Q(assigned_staff__organisation_id=user.organisation_id)
                               | Q(csw__organisation_id=user.organisation_id)).values("pk")
    return Q(**{f"{prefix}pk__in": team})


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The cases this user may see on a need-to-know basis (who that is: see access.py).

        The ways in are gathered as one set of case ids (``visible_case_ids``) rather than an OR of
        subqueries, which the planner can answer only by reading every case: the same cases, found
        through indexes."""
        if not may_handle_cases(user):
            return self.none()
        return self.filter(InIds(F("pk"), visible_case_ids(user)))


class InIds(Lookup):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``. The planner then
    reads the rows by index for the ids the subquery finds; with ``IN`` over a UNION it estimates a
    hash join and reads every case to find a worker's few hundred (bench/consultations.py)."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        return compiler.compile(In(self.lhs, self.rhs))

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def _ways_in(user: Any) -> list[tuple[QuerySet, str]]:
    """The ways a case worker sees a case, each as rows and the field naming the case: assigned, CSW,
    a current consent naming the user's agency, a 連携シート it accepted on a statutory body's
    decision, and the team's cases for its lead. (Only for users who ``may_handle_cases``.)"""
    assigned = Case.assigned_staff.through.objects
    ways: list[tuple[QuerySet, str]] = [(assigned.filter(user_id=user.pk), "case_id"),
                                        (Case.objects.filter(csw_id=user.pk), "pk")]
    if user.organisation_id:
        today = timezone.localdate()
        ways.append((Consent.objects.filter(current_consent_q(today))
                     .filter(agencies__organisation_id=user.organisation_id), "case_id"))
        # A 連携シート the agency accepted on a statutory body's decision (a 支援会議 of 社会福祉法
        # 第106条の6, a 要対協 …) counts like consent (read only). One sent under consent adds
        # nothing: it lasts as long as that consent does.
        ways.append((Referral.objects.filter(status=ReferralStatus.ACCEPTED,
                                             agency__organisation_id=user.organisation_id)
                     .exclude(basis=ReferralBasis.CONSENT), "case_id"))
    if is_team_lead(user):  # team_lead_q's cases
        ways.append((assigned.filter(user__organisation_id=user.organisation_id), "case_id"))
        ways.append((Case.objects.filter(csw__organisation_id=user.organisation_id), "pk"))
    return ways


def visible_case_ids(user: Any, *, case_id: int | None = None) -> QuerySet:
    """The ids of the cases a case worker may see, as one UNION of small indexed reads (for lists).
    With ``case_id``, only whether that one case is among them (each read looks at that case only)."""
    ids = []
    for rows, field in _ways_in(user):
        if case_id is not None:
            rows = rows.filter(**{field: case_id})
        ids.append(rows.values(field).order_by())  # no model ordering inside the UNION
    return ids[0].union(*ids[1:])


def visible_case_q(user: Any) -> Q:
    """The same rule as a condition on each case (an EXISTS per way in): for a few cases already
    chosen (the urgent ones), where building the whole set of visible ids would cost more."""
    condition = Q(pk__in=[])
    for rows, field in _ways_in(user):
        condition |= Exists(rows.filter(**{field: OuterRef("pk")}))
    return condition


class Case(models.Model):
    """A consultation (相談受付) and everything that follows from it."""

    number = personal(models.CharField("ケース番号", max_length=20, unique=True))
    received_on = personal(models.DateField("受付日", validators=[validate_event_date]))
    route = personal(models.CharField("相談経路", max_length=20, choices=Route.choices))
    domains = sensitive(models.JSONField("分野", default=list, help_text="高齢・障がい・子ども・生活困窮・その他（複数可）"))
    person_name = personal(models.CharField("本人氏名", max_length=100))
    person_kana = personal(models.CharField("本人氏名（ふりがな）", max_length=100, blank=True))
    person_birth_date = personal(models.DateField("本人の生年月日", null=True, blank=True, validators=[validate_birth_date]))
    person_address = personal(models.CharField("住所", max_length=200, blank=True))
    person_phone = personal(models.CharField("電話番号", max_length=30, blank=True))
    presenting_problems = sensitive(models.TextField("相談の内容（主訴）", max_length=4000))
    assigned_staff = record(models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="担当者", related_name="assigned_cases"))
    csw = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="CSW", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="csw_cases"))
    # The agencies that take part are personal, not 要配慮: that a 障害者相談支援事業所 takes part lets one
    # infer a disability, and information that only lets one infer is not 要配慮 (個人情報保護委員会の
    # ガイドライン（通則編）2-3). They are printed as on the plan and the consent, which name them too.
    agencies = personal(models.ManyToManyField(Agency, verbose_name="関わる関係機関", blank=True, related_name="cases",
                                                through="CaseAgency"))
    status = personal(models.CharField("状態", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN))
    closed_on = personal(models.DateField("終結・中断の日", null=True, blank=True, validators=[validate_event_date]))
    anonymised_at = record(models.DateTimeField("匿名化した日時", null=True, blank=True, validators=[validate_event_date]))

    objects = CaseQuerySet.as_manager()

    class Meta:
        constraints = text_limits("case", presenting_problems=4000)
        verbose_name = verbose_name_plural = "ケース（相談受付）"
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "closed_on"]),
            # The case list's order: a page of the newest visible cases without sorting them all.
            models.Index(fields=["-received_on", "-id"], name="case_newest_first"),
            # The case list sorts the cases a user may see (thousands for an agency at ten times the
            # cases), found by id: with the listed columns in the index, only the index is read.
            models.Index(fields=["id"], include=["received_on", "number", "person_name", "status"],
                         name="case_list_columns"),
        ]

    def __str__(self) -> str:
        # Never personal data: this text goes into the audit log and admin lists.
        return f"ケース {self.number}"

    @classmethod
    def audit_labels(cls) -> tuple[dict[str, str], dict[str, Any]]:
        """How the audit log's page names what an entry lists (municipality/audit.py): the items of
        a 連携シート disclosed from the case by their labels, and the domains' values."""
        return {value: str(label) for value, label in ReferralItem.choices}, {"domains": Domain.choices}

    @property
    def domain_labels(self) -> str:
        return "、".join(Domain(d).label for d in self.domains if d in Domain.values)


class HouseholdMember(models.Model):
    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="household"))
    name = personal(models.CharField("氏名", max_length=100))
    relation = personal(models.CharField("続柄", max_length=30))
    birth_date = personal(models.DateField("生年月日", null=True, blank=True, validators=[validate_birth_date]))
    note = sensitive(models.CharField("状況", max_length=200, blank=True))

    class Meta:
        verbose_name = verbose_name_plural = "世帯員"

    def __str__(self) -> str:
        # Never the member's name: this text goes into the audit log (see Case.__str__).
        return f"{self.case} 世帯員 {self.pk}"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "書面"
    ORAL = "oral", "口頭（記録）"


class Consent(models.Model):
    """本人同意: which agencies may share the case, since when, until when; withdrawal ends it."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="consents"))
    agencies = personal(models.ManyToManyField(Agency, verbose_name="同意の範囲（関係機関）", related_name="consents",
                                               through="ConsentAgency"))
    given_on = personal(models.DateField("同意日", validators=[validate_event_date]))
    method = personal(models.CharField("方法", max_length=10, choices=ConsentMethod.choices))
    recorded_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                           related_name="+"))
    expires_on = personal(models.DateField("有効期限", null=True, blank=True, validators=[validate_event_date]))
    withdrawn_on = personal(models.DateField("撤回日", null=True, blank=True, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "本人同意"
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                                   name="consent_expires_after_given"),
            models.CheckConstraint(condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                                   name="consent_withdrawn_after_given"),
        ]

    def __str__(self) -> str:
        return f"{self.case} の同意（{format_wareki(self.given_on)}）"

    def is_current(self, day: dt.date) -> bool:
        return (self.given_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)
                and (self.expires_on is None or self.expires_on >= day))


def current_consent_q(day: dt.date, prefix: str = "") -> Q:
    p = prefix
    return (Q(**{f"{p}given_on__lte": day})
            & (Q(**{f"{p}withdrawn_on__isnull": True}) | Q(**{f"{p}withdrawn_on__gt": day}))
            & (Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gte": day})))


class Assessment(models.Model):
    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="assessments"))
    version = record(models.PositiveIntegerField("版"))
    # The アセスメントシート (see AssessmentItem for 本人の状況): the old free text stays in
    # ``situation`` (now the overview), ``strengths`` is 本人の強み and ``issues`` 課題の整理.
    situation = sensitive(models.TextField("本人・世帯の状況（概要）", max_length=8000, blank=True))
    strengths = sensitive(models.TextField("本人の強み", max_length=4000, blank=True))
    issues = sensitive(models.TextField("課題の整理", max_length=8000))
    household_situation = sensitive(models.TextField("世帯の状況（世帯員の関係・状況）", max_length=4000, blank=True))
    life_history = sensitive(models.TextField("生活歴", max_length=4000, blank=True))
    background = sensitive(models.TextField("背景要因", max_length=4000, blank=True))
    wishes = sensitive(models.TextField("本人と家族の意向", max_length=4000, blank=True))
    created_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                          related_name="+"))
    created_at = record(models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "アセスメント"
        ordering = ["case", "-version"]
        constraints = [
            *text_limits("assessment", situation=8000, strengths=4000, issues=8000, household_situation=4000,
                         life_history=4000, background=4000, wishes=4000),
            models.UniqueConstraint(fields=["case", "version"], name="assessment_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case} アセスメント第{self.version}版"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "案"
    ACTIVE = "active", "実施中"
    SUPERSEDED = "superseded", "変更により終了"
    ENDED = "ended", "終結"
    SUSPENDED = "suspended", "中断"


class SupportPlan(models.Model):
    """A version of a case's support plan; a change is a new version, the old one is kept."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="plans"))
    version = record(models.PositiveIntegerField("版"))
    status = personal(models.CharField("状態", max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT))
    # The プランシート: ``goals`` is the 長期目標 (短期目標: PlanGoal; 支援内容: SupportItem).
    goals = sensitive(models.TextField("長期目標", max_length=2000))
    policy = sensitive(models.TextField("支援方針", max_length=4000))
    contents = sensitive(models.TextField("プランの内容（補足）", max_length=8000, blank=True))
    monitoring_on = personal(models.DateField("次回モニタリングの時期", validators=[validate_event_date]))
    wishes = sensitive(models.TextField("本人の意向", max_length=2000, blank=True))
    agreed_on = personal(models.DateField("本人の同意日", null=True, blank=True, validators=[validate_event_date]))
    agreement_method = personal(models.CharField("同意の方法", max_length=10, blank=True, choices=[
                 ("signature", "署名"), ("oral", "口頭"), ("other", "その他")]))
    based_on = record(models.ForeignKey(Assessment, verbose_name="もとにしたアセスメント", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="plans"))
    created_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作成した人", on_delete=models.PROTECT,
                                          related_name="+"))
    created_at = record(models.DateTimeField("作成日時", auto_now_add=True, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "支援プラン"
        ordering = ["case", "-version"]
        constraints = [
            *text_limits("supportplan", goals=2000, policy=4000, contents=8000, wishes=2000),
            models.CheckConstraint(condition=Q(agreed_on__isnull=True) | ~Q(agreement_method=""),
                                   name="plan_agreement_has_method"),
            models.UniqueConstraint(fields=["case", "version"], name="plan_version_once"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="active"), name="one_active_plan_per_case"),
        ]
        # the reminder scan: active plans whose monitoring date has come
        indexes = [models.Index(fields=["monitoring_on"], condition=Q(status="active"), name="plan_active_monitoring")]

    def __str__(self) -> str:
        return f"{self.case} プラン第{self.version}版"


class PlanRole(models.Model):
    plan = record(models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT, related_name="roles"))
    agency = personal(models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+"))
    role = sensitive(models.CharField("役割", max_length=300))

    class Meta:
        verbose_name = verbose_name_plural = "関係機関の役割"

    def __str__(self) -> str:
        return f"{self.plan} {self.agency}"


class Timing(models.TextChoices):
    """The four timings of a 重層的支援会議 (seed 003 3(3))."""

    CREATION = "creation", "プラン策定時"
    CHANGE = "change", "プラン変更時"
    TERMINATION = "termination", "支援終結の判断時"
    SUSPENSION = "suspension", "支援中断の決定時"


class CaseConference(models.Model):
    """重層的支援会議: only with the person's consent; its decision moves the plan."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="conferences"))
    timing = personal(models.CharField("開催時期", max_length=12, choices=Timing.choices))
    held_on = personal(models.DateField("開催日", validators=[validate_event_date]))
    plan = record(models.ForeignKey(SupportPlan, verbose_name="対象のプラン", on_delete=models.PROTECT,
                                    related_name="conferences"))
    # The legal basis (本人の同意): the consent, current on the day held, that names every agency that
    # attended. Null only for meetings recorded before the basis was kept and matched by no consent.
    consent = record(models.ForeignKey("Consent", verbose_name="根拠とした本人同意", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="conferences"))
    attendees = record(models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="出席者", related_name="case_conferences"))
    agencies = record(models.ManyToManyField(Agency, verbose_name="出席した関係機関", related_name="+",
                                             through="ConferenceAgency"))
    # What each timing decides (seed 003): the plan's own fields hold goals, policy, contents,
    # roles and monitoring for 策定/変更; these hold the rest.
    situation_change = sensitive(models.TextField("本人の状況変化の確認・評価", max_length=4000, blank=True))
    plan_evaluation = sensitive(models.TextField("現行プランの評価", max_length=4000, blank=True))
    achievement = sensitive(models.TextField("目標達成状況・支援者の状況", max_length=4000, blank=True))
    termination_evaluation = sensitive(models.TextField("支援終結の評価", max_length=4000, blank=True))
    follow_up_needed = personal(models.BooleanField("フォローアップの必要", null=True, blank=True))
    follow_up_method = sensitive(models.TextField("フォローアップの方法", max_length=4000, blank=True))
    suspension_reason = sensitive(models.TextField("中断の理由", max_length=4000, blank=True))
    recorded_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                           related_name="+"))

    class Meta:
        constraints = text_limits(
            "caseconference", situation_change=4000, plan_evaluation=4000, achievement=4000,
            termination_evaluation=4000, follow_up_method=4000, suspension_reason=4000,
        )
        verbose_name = verbose_name_plural = "重層的支援会議"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} 重層的支援会議（{self.get_timing_display()}）"


class SharingBody(models.Model):
    """法定の会議体: an existing body whose members share case information on its own statute
    (要保護児童対策地域協議会, 生活困窮者自立支援法の支援会議, 地域ケア会議 …; seed 003 表 6). A meeting of
    it can be recorded as a 支援会議 of that body: only its member agencies attend, each bound by the
    duty of that law (consultations/legal_bases.py). Kept by city staff in the admin; no case data."""

    name = record(models.CharField("会議体の名称", max_length=200, unique=True))
    basis = record(models.CharField("設置の根拠", max_length=30, help_text="consultations/legal_bases.py の会議体の根拠"))
    organisation = record(models.ForeignKey("municipality.Organisation", verbose_name="運営する団体（調整機関など）",
                                            on_delete=models.PROTECT, related_name="+"))
    members = record(models.ManyToManyField(Agency, verbose_name="構成機関", related_name="sharing_bodies",
                                            through="SharingBodyMember"))
    active = record(models.BooleanField("使用中", default=True, help_text="使わなくなった会議体は外します（過去の記録には残ります）"))

    class Meta:
        verbose_name = verbose_name_plural = "法定の会議体"
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(basis__in=["", "consent"]), name="sharing_body_basis_is_a_body")]

    def __str__(self) -> str:
        return self.name


class SharingBodyMember(models.Model):
    body = record(models.ForeignKey(SharingBody, verbose_name="会議体", on_delete=models.PROTECT, related_name="+"))
    agency = record(models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+"))

    class Meta:
        verbose_name = verbose_name_plural = "会議体の構成機関"
        constraints = [models.UniqueConstraint(fields=["body", "agency"], name="sharing_body_member_once")]

    def __str__(self) -> str:
        return f"{self.body} {self.agency}"


class SupportMeeting(models.Model):
    """支援会議: may concern people without consent, on a statutory basis (社会福祉法第106条の6 by
    default, or the law of the body it is a meeting of); every attendee is under that law's
    confidentiality duty, recorded for each."""

    held_on = personal(models.DateField("開催日", validators=[validate_event_date]))
    basis = record(models.CharField("共有の根拠", max_length=30, default="swl_106_6"))
    body = record(models.ForeignKey(SharingBody, verbose_name="会議体", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="meetings"))
    cases = record(models.ManyToManyField(Case, verbose_name="検討したケース", related_name="support_meetings"))
    shared = sensitive(models.TextField("共有した情報", max_length=8000))
    policy = sensitive(models.TextField("決定した支援方針", max_length=4000))
    recorded_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                           related_name="+"))

    class Meta:
        constraints = [*text_limits("supportmeeting", shared=8000, policy=4000),
                       models.CheckConstraint(condition=~Q(basis__in=["", "consent"]),
                                              name="support_meeting_basis_is_a_body")]
        verbose_name = verbose_name_plural = "支援会議"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"支援会議（{format_wareki(self.held_on)}）"

    def get_basis_display(self) -> str:
        return legal_bases.label(self.basis)

    @property
    def duty(self) -> str:
        """The article of the confidentiality duty every attendee is bound by."""
        try:
            return legal_bases.get(self.basis).duty
        except KeyError:
            return ""


class SupportMeetingAttendee(models.Model):
    meeting = record(models.ForeignKey(SupportMeeting, verbose_name="支援会議", on_delete=models.PROTECT,
                                       related_name="attendees"))
    user = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者（ログインできる方）", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="support_meeting_attendances"))
    name = record(models.CharField("氏名", max_length=100))
    organisation = record(models.CharField("所属", max_length=200))
    # The attendee's agency (from the register): for a body's meeting every attendee's agency is a member.
    agency = record(models.ForeignKey(Agency, verbose_name="所属の関係機関", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+"))
    confidentiality_acknowledged = record(models.BooleanField("守秘義務の説明を受けた"))
    duty = record(models.CharField("説明した守秘義務（条文）", max_length=100, blank=True))

    class Meta:
        verbose_name = verbose_name_plural = "支援会議の出席者"
        constraints = [models.CheckConstraint(condition=Q(confidentiality_acknowledged=True),
                                              name="support_meeting_attendee_bound_by_confidentiality")]

    def __str__(self) -> str:
        # Never the attendee's name: this text goes into the audit log, which anonymisation cannot reach.
        return f"{self.meeting} 出席者 {self.pk}"


class RegionalIssue(models.Model):
    """地域の課題: a gap found through cases, written without personal data, that a council can take up."""

    title = record(models.CharField("課題", max_length=200))
    description = record(models.TextField("内容（個人を特定できる情報は書かない）", max_length=4000))
    area = record(models.ForeignKey("municipality.Area", verbose_name="区域", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="regional_issues"))
    raised_on = record(models.DateField("提起した日", validators=[validate_event_date]))
    raised_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提起した人", on_delete=models.PROTECT,
                                         related_name="+"))
    # The case side owns the link, so that the council app never depends on case data.
    agenda_item = record(models.ForeignKey("councils.AgendaItem", verbose_name="議題にした協議体の議題", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="regional_issues",
                                           help_text="協議体の会議の議題として取り上げたとき"))
    area_conference = record(models.ForeignKey("AreaConference", verbose_name="提起した重層的支援会議（地域生活課題）",
                                               null=True, blank=True, on_delete=models.PROTECT, related_name="regional_issues"))

    class Meta:
        constraints = text_limits("regionalissue", description=4000)
        verbose_name = verbose_name_plural = "地域の課題"
        ordering = ["-raised_on"]

    def __str__(self) -> str:
        # Not the title: it is free text (the admin can change it without the name check), and this
        # text goes into the audit log. Pages show the title itself.
        return f"地域の課題 {self.pk}（{format_wareki(self.raised_on)}）"


# The agencies of a case, of a consent and of a conference are part of the record: an agency named
# there cannot be deleted (PROTECT), since deleting it would silently take it out of what the person
# consented to or of who attended. The tables are the ones Django created for the plain many-to-many
# fields (same names and columns); only the delete rule is new. An agency that stops taking part is
# simply not chosen any more.

class CaseAgency(models.Model):
    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="+"))
    agency = personal(models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+"))

    class Meta:
        db_table = "consultations_case_agencies"
        unique_together = [("case", "agency")]
        verbose_name = verbose_name_plural = "ケースに関わる関係機関"

    def __str__(self) -> str:
        return f"{self.case} {self.agency}"


class ConsentAgency(models.Model):
    consent = record(models.ForeignKey(Consent, verbose_name="本人同意", on_delete=models.PROTECT, related_name="+"))
    agency = personal(models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+"))

    class Meta:
        db_table = "consultations_consent_agencies"
        unique_together = [("consent", "agency")]
        verbose_name = verbose_name_plural = "同意の範囲の関係機関"

    def __str__(self) -> str:
        return f"{self.consent} {self.agency}"


class ConferenceAgency(models.Model):
    conference = record(models.ForeignKey(CaseConference, verbose_name="重層的支援会議", on_delete=models.PROTECT,
                                          related_name="+", db_column="caseconference_id"))
    agency = record(models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+"))

    class Meta:
        db_table = "consultations_caseconference_agencies"
        unique_together = [("conference", "agency")]
        verbose_name = verbose_name_plural = "重層的支援会議に出席した関係機関"

    def __str__(self) -> str:
        return f"{self.conference} {self.agency}"


class CaseSequence(models.Model):
    """The last case number given under a prefix (R8-): a row lock serialises intakes."""

    prefix = record(models.CharField("接頭辞", max_length=10, primary_key=True))
    last_serial = record(models.PositiveIntegerField("最後の番号", default=0))

    class Meta:
        verbose_name = verbose_name_plural = "ケース番号の採番"

    def __str__(self) -> str:
        return f"{self.prefix}{self.last_serial:04d}"


# --- 事業 (the components of 重層的支援体制整備事業) of cases and plans ---

class Program(models.TextChoices):
    """The 事業 of 重層的支援体制整備事業 (社会福祉法第106条の4第2項; seed 003 2)."""

    COMPREHENSIVE = "comprehensive", "包括的相談支援事業"
    COLLABORATION = "collaboration", "多機関協働事業"
    OUTREACH = "outreach", "アウトリーチ等を通じた継続的支援事業"
    PARTICIPATION = "participation", "参加支援事業"
    COMMUNITY = "community", "地域づくりに向けた支援事業"


def _program_is_known(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(program__in=Program.values), name=f"{prefix}_program_known")


# One row per 事業, not a JSON list: the yearly figures count cases per 事業 with a plain GROUP BY
# that SQLite and PostgreSQL run alike, the database itself refuses an unknown 事業 (CHECK) and a
# repeated one (UNIQUE), and nothing is an array type that only PostgreSQL has.

class CaseProgram(models.Model):
    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="program_rows"))
    program = personal(models.CharField("事業", max_length=20, choices=Program.choices))

    class Meta:
        verbose_name = verbose_name_plural = "ケースの事業"
        ordering = ["case", "program"]
        constraints = [
            models.UniqueConstraint(fields=["case", "program"], name="case_program_once"),
            _program_is_known("caseprogram"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_program_display()}"


class PlanProgram(models.Model):
    plan = record(models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT, related_name="program_rows"))
    program = personal(models.CharField("事業", max_length=20, choices=Program.choices))

    class Meta:
        verbose_name = verbose_name_plural = "プランの事業"
        ordering = ["plan", "program"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "program"], name="plan_program_once"),
            _program_is_known("planprogram"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.get_program_display()}"


def program_labels(rows: Any) -> str:
    """「包括的相談支援事業、参加支援事業」 from a case's or plan's program rows, in the order of the law."""
    chosen = {row.program for row in rows}
    return "、".join(p.label for p in Program if p.value in chosen)


# --- 連携シート (referrals) ---


class ReferralItem(models.TextChoices):
    """What a 連携シート may share, in the order the sheet prints it (seed 004 4(2)③)."""

    NAME_AGE = "name_age", "氏名・年齢"
    CONTACT = "contact", "連絡先"
    HOUSEHOLD = "household", "世帯"
    PROBLEMS = "problems", "主訴"
    ASSESSMENT = "assessment", "アセスメントの要約"
    PLAN = "plan", "プランの内容"
    PROGRESS = "progress", "経過"


# What each item of a sheet is (consultations/privacy.py): the snapshot ``Referral.shared`` is masked
# item by item in outputs, so that a sheet printed without approval still shows whom it is about.
REFERRAL_ITEM_LEVELS = {
    ReferralItem.NAME_AGE.value: Level.PERSONAL,
    ReferralItem.CONTACT.value: Level.PERSONAL,
    ReferralItem.HOUSEHOLD.value: Level.SENSITIVE,
    ReferralItem.PROBLEMS.value: Level.SENSITIVE,
    ReferralItem.ASSESSMENT.value: Level.SENSITIVE,
    ReferralItem.PLAN.value: Level.SENSITIVE,
    ReferralItem.PROGRESS.value: Level.SENSITIVE,
}

# Minimum necessary: what a sheet shares unless the sender chooses more.
REFERRAL_MINIMUM = [ReferralItem.NAME_AGE.value, ReferralItem.PROBLEMS.value]


class ReferralBasis:
    """A 連携シート's basis is a code of consultations/legal_bases.py: ``consent``, or the basis of the
    meeting that decided the sharing (社会福祉法第106条の6 for a plain 支援会議, or a body's law)."""

    CONSENT = "consent"
    SUPPORT_MEETING = "swl_106_6"


class ReferralStatus(models.TextChoices):
    SENT = "sent", "送付済"
    ACCEPTED = "accepted", "受理"
    RETURNED = "returned", "返戻"


class Referral(models.Model):
    """連携シート: a case handed to an agency. What it shares is a snapshot taken when it is sent
    (``shared``: the chosen items' labels and values then), so what the agency received never
    changes when the case does. Sent under the person's consent, or on a 支援会議's decision."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="referrals"))
    agency = record(models.ForeignKey(Agency, verbose_name="送付先の関係機関", on_delete=models.PROTECT, related_name="referrals"))
    sent_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="送付した人", on_delete=models.PROTECT,
                                       related_name="+"))
    sent_at = record(models.DateTimeField("送付日時", validators=[validate_event_date]))
    purpose = sensitive(models.TextField("依頼の内容・目的", max_length=2000))
    items = record(models.JSONField("共有した項目", default=list))
    shared = sensitive(models.JSONField("共有した内容（送付時点）", default=list,
                                        help_text="[[項目名, 内容], ...]：送付した時点の写し。後から変わらない"))
    basis = record(models.CharField("共有の根拠", max_length=30))
    consent = record(models.ForeignKey(Consent, verbose_name="根拠とした本人同意", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="referrals"))
    support_meeting = record(models.ForeignKey(SupportMeeting, verbose_name="共有を決めた支援会議", null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="referrals"))
    status = record(models.CharField("状態", max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT))
    answered_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="回答した人", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+"))
    answered_at = record(models.DateTimeField("回答日時", null=True, blank=True, validators=[validate_event_date]))
    return_reason = sensitive(models.TextField("返戻の理由", max_length=2000, blank=True))

    class Meta:
        verbose_name = verbose_name_plural = "連携シート"
        ordering = ["-sent_at", "-pk"]
        constraints = [
            *text_limits("referral", purpose=2000, return_reason=2000),
            # On consent: the consent relied on, no meeting. On a statutory basis: the meeting that decided.
            models.CheckConstraint(
                condition=(Q(basis="consent", consent__isnull=False, support_meeting__isnull=True)
                           | (~Q(basis__in=["consent", ""]) & Q(consent__isnull=True, support_meeting__isnull=False))),
                name="referral_basis_names_consent_or_meeting"),
            models.CheckConstraint(
                condition=Q(status="sent", answered_at__isnull=True, answered_by__isnull=True)
                | Q(status__in=["accepted", "returned"], answered_at__isnull=False, answered_by__isnull=False),
                name="referral_answered_when_not_sent"),
            models.CheckConstraint(condition=~Q(status="returned") | ~Q(return_reason=""),
                                   name="referral_returned_with_reason"),
        ]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self) -> str:
        # Never personal data: this text goes into the audit log.
        return f"連携シート {self.pk}（{self.case}）"

    @classmethod
    def audit_labels(cls) -> tuple[dict[str, str], dict[str, Any]]:
        """The items read or shared, named as on the sheet (municipality/audit.py)."""
        return {value: str(label) for value, label in ReferralItem.choices}, {"items": ReferralItem.choices}

    def get_basis_display(self) -> str:
        return legal_bases.label(self.basis)

    @property
    def basis_duty(self) -> str:
        """The confidentiality duty that binds the receiving agency on a statutory basis ("" on consent)."""
        try:
            return legal_bases.get(self.basis).duty
        except KeyError:
            return ""

    @property
    def shared_rows(self) -> list[tuple[str, str]]:
        return [(str(label), str(value)) for label, value in self.shared]


# --- 支援経過記録 (timeline) ---

class ContactMethod(models.TextChoices):
    INTERVIEW = "interview", "面談"
    PHONE = "phone", "電話"
    VISIT = "visit", "訪問"
    ACCOMPANY = "accompany", "同行"
    DOCUMENT = "document", "文書・メール"
    LIAISON = "liaison", "関係機関との連絡"
    OUTREACH_ABSENT = "outreach_absent", "アウトリーチ（不在）"
    OUTREACH_UNMET = "outreach_unmet", "アウトリーチ（会えず）"
    OUTREACH_REFUSED = "outreach_refused", "アウトリーチ（拒否）"


class TimelineEntry(models.Model):
    """支援経過記録: one contact, visit, call or outreach attempt. Its author may edit it on the
    (Asia/Tokyo) day it was written; after that a correction is a new entry naming it (``corrects``).
    Nothing is deleted. On PostgreSQL a trigger holds the same rule (see the migration)."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="timeline_entries"))
    contact_at = personal(models.DateTimeField("日時", validators=[validate_event_date]))
    method = personal(models.CharField("方法", max_length=20, choices=ContactMethod.choices))
    with_whom = personal(models.CharField("相手", max_length=200, help_text="例：本人・長女・地域包括支援センター"))
    agency = record(models.ForeignKey(Agency, verbose_name="相手の関係機関", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+"))
    content = sensitive(models.TextField("内容", max_length=4000))
    next_step = sensitive(models.TextField("今後の対応", max_length=2000, blank=True))
    next_step_on = personal(models.DateField("次の対応の予定日", null=True, blank=True, validators=[validate_event_date]))
    recorded_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                           related_name="+"))
    # Set by the service from the application's clock (not auto_now_add), so that imports and
    # the benchmark can write history with its own dates.
    written_at = record(models.DateTimeField("記録日時", default=timezone.now, editable=False,
                                             validators=[validate_event_date]))
    edited_at = record(models.DateTimeField("最終更新日時", null=True, blank=True, editable=False,
                                            validators=[validate_event_date]))
    corrects = record(models.ForeignKey("self", verbose_name="訂正する記録", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="corrections"))

    class Meta:
        verbose_name = verbose_name_plural = "支援経過記録"
        ordering = ["-contact_at", "-pk"]
        constraints = text_limits("timelineentry", content=4000, next_step=2000)
        indexes = [models.Index(fields=["case", "-contact_at", "-id"], name="timeline_case_contact_idx")]

    def __str__(self) -> str:
        # Never the content: this text goes into the audit log.
        return f"{self.case} 支援経過 {self.pk}"


# --- Team lead: urgency and duplicates at intake ---

class CaseUrgency(models.Model):
    """緊急性がある事案 (seed 003 支援会議 ③): a case marked urgent, with its reason, and when the mark
    was cleared. Every mark is kept: the history of a case's urgency is its list of rows."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="urgencies"))
    reason = sensitive(models.TextField("緊急とする理由", max_length=2000))
    marked_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                         related_name="+"))
    marked_at = record(models.DateTimeField("記録日時", default=timezone.now, validators=[validate_event_date]))
    meeting_due_on = personal(models.DateField("支援会議の開催期限", validators=[validate_event_date]))
    cleared_at = record(models.DateTimeField("解除日時", null=True, blank=True, validators=[validate_event_date]))
    cleared_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="解除した人", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+"))
    clear_note = sensitive(models.TextField("解除の理由", max_length=2000, blank=True))

    class Meta:
        verbose_name = verbose_name_plural = "緊急の記録"
        ordering = ["-marked_at", "-pk"]
        constraints = [
            *text_limits("caseurgency", reason=2000, clear_note=2000),
            models.UniqueConstraint(fields=["case"], condition=Q(cleared_at__isnull=True), name="one_open_urgency_per_case"),
            models.CheckConstraint(condition=Q(cleared_at__isnull=True) | (Q(cleared_by__isnull=False) & ~Q(clear_note="")),
                                   name="urgency_cleared_with_note"),
        ]
        indexes = [models.Index(fields=["meeting_due_on"], condition=Q(cleared_at__isnull=True), name="urgency_open_due")]

    def __str__(self) -> str:
        return f"{self.case} 緊急（{self.pk}）"


class DuplicateDecision(models.TextChoices):
    PENDING = "pending", "確認待ち"
    LINKED = "linked", "同一人物として紐付け"
    DIFFERENT = "different", "別人と確認"


class PossibleDuplicate(models.Model):
    """A new intake that matches an existing case by name or kana plus birth date. The worker who
    took the intake learns only that a record may exist and whom to ask; the team lead decides.
    Linking keeps both records: the existing case's consent governs, nothing is copied."""

    new_case = record(models.ForeignKey(Case, verbose_name="新しい相談受付", on_delete=models.PROTECT,
                                        related_name="duplicate_checks"))
    existing_case = record(models.ForeignKey(Case, verbose_name="既存のケース", on_delete=models.PROTECT, related_name="+"))
    found_at = record(models.DateTimeField("検出日時", default=timezone.now, validators=[validate_event_date]))
    decision = record(models.CharField("判断", max_length=10, choices=DuplicateDecision.choices,
                                       default=DuplicateDecision.PENDING))
    decided_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="判断した人", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+"))
    decided_at = record(models.DateTimeField("判断日時", null=True, blank=True, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "重複の可能性"
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["new_case", "existing_case"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=~Q(new_case=models.F("existing_case")), name="duplicate_not_itself"),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(decision="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="duplicate_decided_with_who_and_when"),
        ]

    def __str__(self) -> str:
        return f"重複の可能性 {self.pk}"


# --- 参加支援 and the 重層的支援会議 on a 地域生活課題 (issue 13, items 5 and 7) ---

class ParticipationSupport(models.Model):
    """参加支援: a plan names a 社会資源 for the person, and may ask the area's coordinator for help.

    The request becomes a 地域ニーズ on the activities side holding only what the worker wrote (checked
    for the person's names); the link is this row's ``need``, so the activities side knows nothing of
    the case (no reverse accessor either)."""

    plan = record(models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT,
                                    related_name="participation_supports"))
    resource = personal(models.ForeignKey("activities.SocialResource", verbose_name="つなぐ社会資源", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+"))
    note = sensitive(models.TextField("参加支援の内容（ケース記録）", max_length=2000))
    need = record(models.OneToOneField("activities.Need", verbose_name=term("コーディネーターへの依頼（地域ニーズ）"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="+"))
    created_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                          related_name="+"))
    created_at = record(models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date]))

    class Meta:
        constraints = text_limits("participationsupport", note=2000)
        verbose_name = verbose_name_plural = "参加支援"
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return f"{self.plan} 参加支援 {self.pk}"


class AreaConference(models.Model):
    """重層的支援会議 on a 地域生活課題 (seed 003 3.会議内容③): no individual case and no personal data,
    so none of the case rules (consent, the four timings, the plan) apply; it belongs to the team
    (organisation) of the worker who recorded it."""

    held_on = record(models.DateField("開催日", validators=[validate_event_date]))
    organisation = record(models.ForeignKey("municipality.Organisation", verbose_name="開催したチーム（団体）",
                                            on_delete=models.PROTECT, related_name="+"))
    area = record(models.ForeignKey("municipality.Area", verbose_name="区域", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+"))
    issue = record(models.TextField("検討した地域生活課題（個人を特定できる情報は書かない）", max_length=4000))
    decisions = record(models.TextField("決定したこと・社会資源の開発等に向けた取組", max_length=4000))
    attendees = record(models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="出席した相談支援員",
                                              related_name="area_conferences", blank=True))
    agencies = record(models.ManyToManyField(Agency, verbose_name="出席した関係機関", related_name="+", blank=True,
                                             through="AreaConferenceAgency"))
    recorded_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                           related_name="+"))
    created_at = record(models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date]))

    class Meta:
        constraints = text_limits("areaconference", issue=4000, decisions=4000)
        verbose_name = verbose_name_plural = "重層的支援会議（地域生活課題）"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"重層的支援会議（地域生活課題）{self.pk}（{format_wareki(self.held_on)}）"


class AreaConferenceAgency(models.Model):
    conference = record(models.ForeignKey(AreaConference, verbose_name="重層的支援会議（地域生活課題）",
                                          on_delete=models.PROTECT, related_name="+"))
    agency = record(models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+"))

    class Meta:
        unique_together = [("conference", "agency")]
        verbose_name = verbose_name_plural = "重層的支援会議（地域生活課題）に出席した関係機関"

    def __str__(self) -> str:
        return f"{self.conference} {self.agency}"


# --- sheets: アセスメントシート, プランシート, 評価シート ---

class AssessmentItem(models.Model):
    """One item of 本人の状況 that the city asks in its アセスメントシート (健康, 住まい …).

    Data, not code: city staff add, reorder or retire items in the admin. An answer keeps the
    label it was asked under, so an old version reads as it was written."""

    label = record(models.CharField("項目", max_length=50, unique=True))
    help_text = record(models.CharField("記入の手引き", max_length=200, blank=True))
    order = record(models.PositiveSmallIntegerField("並び順", default=0))
    active = record(models.BooleanField("使用中", default=True, help_text="使わなくなった項目は外します（過去の記録には残ります）"))

    class Meta:
        verbose_name = verbose_name_plural = "アセスメントの項目（本人の状況）"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label


class AssessmentAnswer(models.Model):
    assessment = record(models.ForeignKey(Assessment, verbose_name="アセスメント", on_delete=models.PROTECT,
                                          related_name="answers"))
    item = record(models.ForeignKey(AssessmentItem, verbose_name="項目", on_delete=models.PROTECT, related_name="+"))
    label = record(models.CharField("項目（記入時）", max_length=50))
    text = sensitive(models.TextField("内容", max_length=4000))

    class Meta:
        verbose_name = verbose_name_plural = "アセスメントの記入内容（本人の状況）"
        ordering = ["assessment", "pk"]
        constraints = [
            *text_limits("assessmentanswer", text=4000),
            models.UniqueConstraint(fields=["assessment", "item"], name="assessment_answer_once_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} 項目 {self.item_id}"


class PlanGoal(models.Model):
    """短期目標 of a plan (the 長期目標 is SupportPlan.goals)."""

    plan = record(models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT, related_name="short_goals"))
    order = record(models.PositiveSmallIntegerField("番号"))
    text = sensitive(models.TextField("短期目標", max_length=1000))

    class Meta:
        verbose_name = verbose_name_plural = "短期目標"
        ordering = ["plan", "order"]
        constraints = [
            *text_limits("plangoal", text=1000),
            models.UniqueConstraint(fields=["plan", "order"], name="plan_goal_order_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} 短期目標{self.order}"


class SupportItem(models.Model):
    """支援内容: who does what, how often, from when to when. An agency from the register, or for
    the person's or family's own part a text 担い手."""

    plan = record(models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT, related_name="items"))
    order = record(models.PositiveSmallIntegerField("番号"))
    agency = personal(models.ForeignKey(Agency, verbose_name="関係機関", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+"))
    bearer = personal(models.CharField("担い手（本人・家族など）", max_length=100, blank=True))
    content = sensitive(models.TextField("支援内容・役割", max_length=1000))
    frequency = personal(models.CharField("頻度", max_length=100, blank=True))
    starts_on = personal(models.DateField("期間（から）", null=True, blank=True, validators=[validate_event_date]))
    ends_on = personal(models.DateField("期間（まで）", null=True, blank=True, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "支援内容"
        ordering = ["plan", "order"]
        constraints = [
            *text_limits("supportitem", content=1000),
            models.UniqueConstraint(fields=["plan", "order"], name="support_item_order_once"),
            models.CheckConstraint(condition=Q(agency__isnull=False) | ~Q(bearer=""), name="support_item_has_bearer"),
            models.CheckConstraint(condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")), name="support_item_period_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} 支援内容{self.order}"

    @property
    def who(self) -> str:
        return str(self.agency) if self.agency_id else self.bearer


class Degree(models.TextChoices):
    ACHIEVED = "achieved", "達成"
    PARTLY = "partly", "一部達成"
    NOT_ACHIEVED = "not_achieved", "未達成"
    UNKNOWN = "unknown", "評価できない"


class Decision(models.TextChoices):
    """What the evaluation proposes; a 重層的支援会議 decides change, end and suspension."""

    CONTINUE = "continue", "継続"
    CHANGE = "change", "プラン変更"
    END = "end", "終結"
    SUSPEND = "suspend", "中断"

    @property
    def timing(self) -> str | None:
        return {"change": Timing.CHANGE, "end": Timing.TERMINATION, "suspend": Timing.SUSPENSION}.get(self.value)


class Evaluation(models.Model):
    """評価シート: at a monitoring, how far each goal came and what the staff propose."""

    plan = record(models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT, related_name="evaluations"))
    for_monitoring_on = personal(models.DateField("対象のモニタリングの時期", validators=[validate_event_date]))
    evaluated_on = personal(models.DateField("評価日", validators=[validate_event_date]))
    overall = sensitive(models.TextField("総合所見", max_length=4000))
    decision = personal(models.CharField("今後の方針（案）", max_length=10, choices=Decision.choices))
    next_monitoring_on = personal(models.DateField("次回モニタリングの時期（継続のとき）", null=True, blank=True,
                                                   validators=[validate_event_date]))
    conference = record(models.OneToOneField(CaseConference, verbose_name="決定した重層的支援会議", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="evaluation"))
    created_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                          related_name="+"))
    created_at = record(models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "評価"
        ordering = ["plan", "-evaluated_on", "-pk"]
        constraints = [
            *text_limits("evaluation", overall=4000),
            models.UniqueConstraint(fields=["plan", "for_monitoring_on"], name="evaluation_once_per_monitoring"),
            models.CheckConstraint(condition=~Q(decision="continue") | Q(next_monitoring_on__isnull=False),
                                   name="evaluation_continue_has_next_monitoring"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} 評価（{format_wareki(self.evaluated_on)}）"


class EvaluationGoal(models.Model):
    """The degree one goal was achieved: the 長期目標 (goal empty) or a 短期目標."""

    evaluation = record(models.ForeignKey(Evaluation, verbose_name="評価", on_delete=models.PROTECT, related_name="goals"))
    goal = record(models.ForeignKey(PlanGoal, verbose_name="短期目標（空欄は長期目標）", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+"))
    degree = personal(models.CharField("達成度", max_length=12, choices=Degree.choices))
    change = sensitive(models.TextField("見られた変化", max_length=2000, blank=True))

    class Meta:
        verbose_name = verbose_name_plural = "目標ごとの評価"
        ordering = ["evaluation", "pk"]  # the service writes the 長期目標 first, then the 短期目標 in order
        constraints = [
            *text_limits("evaluationgoal", change=2000),
            models.UniqueConstraint(fields=["evaluation", "goal"], name="evaluation_goal_once"),
            models.UniqueConstraint(fields=["evaluation"], condition=Q(goal__isnull=True),
                                    name="evaluation_long_goal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} 目標 {self.goal_id or '長期'}"


# --- 避難行動要支援者 (災害対策基本法 第49条の10〜第49条の11; seed 004 5.2(4)) ---

class EvacuationRecipient(models.TextChoices):
    """避難支援等関係者 (災害対策基本法 第49条の11第2項): who may receive a person's listing."""

    FIRE = "fire", "消防機関"
    POLICE = "police", "警察"
    WELFARE_COMMISSIONER = "commissioner", "民生委員"
    SOCIAL_WELFARE_COUNCIL = "swc", "社会福祉協議会"
    VOLUNTARY_DISASTER_ORG = "voluntary", "自主防災組織"
    SUPPORT_CENTER = "support_center", "地域包括支援センター"


class EvacuationListing(models.Model):
    """The person's agreement to be listed as a 避難行動要支援者 and to have the listing shared with
    the 避難支援等関係者 named (第49条の11第2項: without it nothing leaves the city). A withdrawal ends
    it; the row is kept. At most one current agreement per case."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT,
                                    related_name="evacuation_listings"))
    agreed_on = personal(models.DateField("同意日", validators=[validate_event_date]))
    method = personal(models.CharField("同意の方法", max_length=10, choices=ConsentMethod.choices))
    reason = sensitive(models.TextField("避難支援等を必要とする事由", max_length=1000))
    recipients = personal(models.JSONField("提供に同意した避難支援等関係者", default=list))
    withdrawn_on = personal(models.DateField("撤回日", null=True, blank=True, validators=[validate_event_date]))
    recorded_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                           related_name="+"))
    recorded_at = record(models.DateTimeField("記録日時", default=timezone.now, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "避難行動要支援者名簿への掲載の同意"
        ordering = ["-agreed_on", "-pk"]
        constraints = [
            *text_limits("evacuationlisting", reason=1000),
            models.UniqueConstraint(fields=["case"], condition=Q(withdrawn_on__isnull=True),
                                    name="one_current_evacuation_listing_per_case"),
            models.CheckConstraint(condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("agreed_on")),
                                   name="evacuation_listing_withdrawn_after_agreed"),
        ]

    def __str__(self) -> str:
        return f"{self.case} 避難行動要支援者の同意（{self.pk}）"

    @classmethod
    def audit_labels(cls) -> tuple[dict[str, str], dict[str, Any]]:
        """The recipients by their labels in the audit log's page (municipality/audit.py)."""
        return {}, {"recipients": EvacuationRecipient.choices}

    @property
    def recipient_labels(self) -> str:
        return "、".join(r.label for r in EvacuationRecipient if r.value in self.recipients)

    def is_current(self, day: dt.date) -> bool:
        return self.agreed_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)


class EvacuationExport(models.Model):
    """One export of the listing for one kind of 避難支援等関係者: who, when, for whom, which cases.
    ``rows`` is what the file held (the items 第49条の10第2項 allows), so that a download gives the
    same file again and the disclosure register can say what went out."""

    recipient = record(models.CharField("提供先（避難支援等関係者）", max_length=20, choices=EvacuationRecipient.choices))
    organisation = record(models.ForeignKey("municipality.Organisation", verbose_name="出力したチーム（団体）",
                                            on_delete=models.PROTECT, related_name="+"))
    exported_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="出力した人", on_delete=models.PROTECT,
                                           related_name="+"))
    exported_at = record(models.DateTimeField("出力日時", default=timezone.now, validators=[validate_event_date]))
    cases = record(models.ManyToManyField(Case, verbose_name="掲載したケース", related_name="evacuation_exports",
                                          blank=True))
    rows = sensitive(models.JSONField("出力した内容（出力時点）", default=list))

    class Meta:
        verbose_name = verbose_name_plural = "避難行動要支援者名簿の提供"
        ordering = ["-exported_at", "-pk"]

    def __str__(self) -> str:
        return f"避難行動要支援者名簿の提供 {self.pk}（{self.get_recipient_display()}）"
# --- Unmasked outputs: the team lead's approval (issue 14, item 2) ---

class OutputKind(models.TextChoices):
    """The case outputs an approval may unmask (consultations/masking.py OUTPUT_MODELS)."""

    INTAKE = "intake", "相談受付票"
    PLAN = "plan", "支援プラン"
    CONFERENCES = "conferences", "重層的支援会議 記録"
    ASSESSMENT = "assessment", "アセスメントシート"
    EVALUATION = "evaluation", "評価シート"
    REFERRAL = "referral", "連携シート"
    TIMELINE = "timeline", "支援経過記録"
    SELF_DISCLOSURE = "self_disclosure", "本人開示（開示請求への対応）"


# Outputs about one record of the case: ``OutputApproval.object_id`` names it.
OUTPUTS_OF_A_RECORD = {OutputKind.ASSESSMENT.value, OutputKind.EVALUATION.value, OutputKind.REFERRAL.value}


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "承認待ち"
    GRANTED = "granted", "承認"
    REFUSED = "refused", "不承認"


class OutputApproval(models.Model):
    """マスクなし出力の承認: an assigned worker asks to print named 要配慮 items of one output, for a
    stated recipient and purpose, on a legal basis; the team lead (never the requester) grants or
    refuses; a granted approval is used for ONE output. Nothing is deleted: the rows are the record
    of who asked, why, who decided and who printed it when."""

    case = record(models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="output_approvals"))
    output = record(models.CharField("出力", max_length=20, choices=OutputKind.choices))
    object_id = record(models.PositiveIntegerField("対象の記録（アセスメント・評価・連携シートの番号）", null=True, blank=True))
    period_start = personal(models.DateField("期間（から）", null=True, blank=True, validators=[validate_event_date]))
    period_end = personal(models.DateField("期間（まで）", null=True, blank=True, validators=[validate_event_date]))
    items = record(models.JSONField("マスクを外す項目", default=list, help_text="[\"Model.field\", ...]"))
    recipient = personal(models.CharField("提供先・利用先", max_length=200))
    purpose = sensitive(models.TextField("目的", max_length=2000))
    basis = record(models.CharField("根拠", max_length=30))
    consent = record(models.ForeignKey(Consent, verbose_name="根拠とする本人同意", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+"))
    # The agency it goes to: named by the consent, or a member of the statutory body (services.approval_request).
    agency = record(models.ForeignKey(Agency, verbose_name="提供先の関係機関", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+"))
    requested_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申請した人", on_delete=models.PROTECT,
                                            related_name="+"))
    requested_at = record(models.DateTimeField("申請日時", default=timezone.now, validators=[validate_event_date]))
    status = record(models.CharField("状態", max_length=10, choices=ApprovalStatus.choices,
                                     default=ApprovalStatus.PENDING))
    decided_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="判断した人", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+"))
    decided_at = record(models.DateTimeField("判断日時", null=True, blank=True, validators=[validate_event_date]))
    decision_note = sensitive(models.TextField("判断の理由・条件", max_length=2000, blank=True))
    used_by = record(models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="出力した人", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+"))
    used_at = record(models.DateTimeField("出力日時", null=True, blank=True, validators=[validate_event_date]))

    class Meta:
        verbose_name = verbose_name_plural = "マスクなし出力の承認"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            *text_limits("outputapproval", purpose=2000, decision_note=2000),
            models.CheckConstraint(condition=Q(output__in=OutputKind.values), name="approval_output_known"),
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                                   name="approval_not_decided_by_requester"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | Q(status__in=["granted", "refused"], decided_by__isnull=False, decided_at__isnull=False),
                name="approval_decided_with_who_and_when"),
            models.CheckConstraint(condition=~Q(status="refused") | ~Q(decision_note=""),
                                   name="approval_refused_with_note"),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True, used_by__isnull=True)
                | Q(status="granted", used_at__isnull=False, used_by__isnull=False),
                name="approval_used_only_when_granted"),
            models.CheckConstraint(
                condition=Q(basis="consent", consent__isnull=False) | (~Q(basis="consent") & Q(consent__isnull=True)),
                name="approval_consent_iff_consent_basis"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True, period_end__isnull=True)
                | Q(period_start__isnull=False, period_end__gte=models.F("period_start")),
                name="approval_period_in_order"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        # Never the purpose or the recipient: this text goes into the audit log.
        return f"マスクなし出力の承認 {self.pk}（{self.case}）"

    @property
    def number(self) -> int:
        """The 承認番号 a footer prints."""
        return int(self.pk)

    @property
    def item_labels(self) -> list[str]:
        from .masking import item_label

        return [item_label(key) for key in self.items]

    @property
    def basis_label(self) -> str:
        from . import legal_bases

        return legal_bases.label(self.basis)

    @property
    def expires_at(self) -> dt.datetime | None:
        """The end of the day (Asia/Tokyo) CASE_APPROVAL_VALID_DAYS after the decision."""
        if self.decided_at is None:
            return None
        last_day = timezone.localdate(self.decided_at) + dt.timedelta(days=settings.CASE_APPROVAL_VALID_DAYS)
        return timezone.make_aware(dt.datetime.combine(last_day, dt.time.max))

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and timezone.now() > self.expires_at

    @property
    def usable(self) -> bool:
        return self.status == ApprovalStatus.GRANTED and self.used_at is None and not self.expired
