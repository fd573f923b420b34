"""重層的支援 (SPEC §7): cases, consent, assessment, versioned support plans, the two kinds of
meeting, and regional issues. This is 要配慮個人情報: access is need-to-know (see access.py),
every read is logged, and the coordinators' and councils' side never sees it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from municipality.roles import Role
from municipality.scoping import ScopedQuerySet
from municipality.validators import text_limits, validate_birth_date, validate_event_date


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

    organisation = models.OneToOneField("municipality.Organisation", verbose_name="団体", on_delete=models.PROTECT,
                                        related_name="agency")
    kind = models.CharField("種別", max_length=20, choices=AgencyKind.choices)

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


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The cases this user may see on a need-to-know basis (who that is: see access.py)."""
        if not may_handle_cases(user):
            return self.none()
        today = timezone.localdate()
        consented = Consent.objects.filter(current_consent_q(today), case=OuterRef("pk"))
        if user.organisation_id:
            consented = consented.filter(agencies__organisation_id=user.organisation_id)
            by_consent = Exists(consented)
        else:
            by_consent = Q(pk__in=[])
        assigned = Case.objects.filter(Q(assigned_staff=user) | Q(csw=user)).values("pk")
        return self.filter(Q(pk__in=assigned) | by_consent)


class Case(models.Model):
    """A consultation (相談受付) and everything that follows from it."""

    number = models.CharField("ケース番号", max_length=20, unique=True)
    received_on = models.DateField("受付日", validators=[validate_event_date])
    route = models.CharField("相談経路", max_length=20, choices=Route.choices)
    domains = models.JSONField("分野", default=list, help_text="高齢・障がい・子ども・生活困窮・その他（複数可）")
    person_name = models.CharField("本人氏名", max_length=100)
    person_kana = models.CharField("本人氏名（ふりがな）", max_length=100, blank=True)
    person_birth_date = models.DateField("本人の生年月日", null=True, blank=True, validators=[validate_birth_date])
    person_address = models.CharField("住所", max_length=200, blank=True)
    person_phone = models.CharField("電話番号", max_length=30, blank=True)
    presenting_problems = models.TextField("相談の内容（主訴）", max_length=4000)
    assigned_staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="担当者", related_name="assigned_cases")
    csw = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="CSW", null=True, blank=True,
                            on_delete=models.PROTECT, related_name="csw_cases")
    agencies = models.ManyToManyField(Agency, verbose_name="関わる関係機関", blank=True, related_name="cases",
                                      through="CaseAgency")
    status = models.CharField("状態", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_on = models.DateField("終結・中断の日", null=True, blank=True, validators=[validate_event_date])
    anonymised_at = models.DateTimeField("匿名化した日時", null=True, blank=True, validators=[validate_event_date])

    objects = CaseQuerySet.as_manager()

    class Meta:
        constraints = text_limits("case", presenting_problems=4000)
        verbose_name = verbose_name_plural = "ケース（相談受付）"
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["status", "closed_on"])]

    def __str__(self) -> str:
        # Never personal data: this text goes into the audit log and admin lists.
        return f"ケース {self.number}"

    @property
    def domain_labels(self) -> str:
        return "、".join(Domain(d).label for d in self.domains if d in Domain.values)


class HouseholdMember(models.Model):
    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="household")
    name = models.CharField("氏名", max_length=100)
    relation = models.CharField("続柄", max_length=30)
    birth_date = models.DateField("生年月日", null=True, blank=True, validators=[validate_birth_date])
    note = models.CharField("状況", max_length=200, blank=True)

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

    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="consents")
    agencies = models.ManyToManyField(Agency, verbose_name="同意の範囲（関係機関）", related_name="consents",
                                      through="ConsentAgency")
    given_on = models.DateField("同意日", validators=[validate_event_date])
    method = models.CharField("方法", max_length=10, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                    related_name="+")
    expires_on = models.DateField("有効期限", null=True, blank=True, validators=[validate_event_date])
    withdrawn_on = models.DateField("撤回日", null=True, blank=True, validators=[validate_event_date])

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
        return f"{self.case} の同意（{self.given_on}）"

    def is_current(self, day: dt.date) -> bool:
        return (self.given_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)
                and (self.expires_on is None or self.expires_on >= day))


def current_consent_q(day: dt.date, prefix: str = "") -> Q:
    p = prefix
    return (Q(**{f"{p}given_on__lte": day})
            & (Q(**{f"{p}withdrawn_on__isnull": True}) | Q(**{f"{p}withdrawn_on__gt": day}))
            & (Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gte": day})))


class Assessment(models.Model):
    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="assessments")
    version = models.PositiveIntegerField("版")
    situation = models.TextField("本人・世帯の状況", max_length=8000)
    strengths = models.TextField("強み・できること", max_length=4000, blank=True)
    issues = models.TextField("課題", max_length=8000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "アセスメント"
        ordering = ["case", "-version"]
        constraints = [
            *text_limits("assessment", situation=8000, strengths=4000, issues=8000),
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

    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField("版")
    status = models.CharField("状態", max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    goals = models.TextField("本人の目標", max_length=2000)
    policy = models.TextField("支援方針", max_length=4000)
    contents = models.TextField("プランの内容", max_length=8000)
    monitoring_on = models.DateField("モニタリングの時期", validators=[validate_event_date])
    based_on = models.ForeignKey(Assessment, verbose_name="もとにしたアセスメント", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="plans")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作成した人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("作成日時", auto_now_add=True, validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "支援プラン"
        ordering = ["case", "-version"]
        constraints = [
            *text_limits("supportplan", goals=2000, policy=4000, contents=8000),
            models.UniqueConstraint(fields=["case", "version"], name="plan_version_once"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="active"), name="one_active_plan_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case} プラン第{self.version}版"


class PlanRole(models.Model):
    plan = models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT, related_name="roles")
    agency = models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("役割", max_length=300)

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

    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="conferences")
    timing = models.CharField("開催時期", max_length=12, choices=Timing.choices)
    held_on = models.DateField("開催日", validators=[validate_event_date])
    plan = models.ForeignKey(SupportPlan, verbose_name="対象のプラン", on_delete=models.PROTECT,
                             related_name="conferences")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="出席者", related_name="case_conferences")
    agencies = models.ManyToManyField(Agency, verbose_name="出席した関係機関", related_name="+",
                                      through="ConferenceAgency")
    # What each timing decides (seed 003): the plan's own fields hold goals, policy, contents,
    # roles and monitoring for 策定/変更; these hold the rest.
    situation_change = models.TextField("本人の状況変化の確認・評価", max_length=4000, blank=True)
    plan_evaluation = models.TextField("現行プランの評価", max_length=4000, blank=True)
    achievement = models.TextField("目標達成状況・支援者の状況", max_length=4000, blank=True)
    termination_evaluation = models.TextField("支援終結の評価", max_length=4000, blank=True)
    follow_up_needed = models.BooleanField("フォローアップの必要", null=True, blank=True)
    follow_up_method = models.TextField("フォローアップの方法", max_length=4000, blank=True)
    suspension_reason = models.TextField("中断の理由", max_length=4000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        constraints = text_limits(
            "caseconference", situation_change=4000, plan_evaluation=4000, achievement=4000,
            termination_evaluation=4000, follow_up_method=4000, suspension_reason=4000,
        )
        verbose_name = verbose_name_plural = "重層的支援会議"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} 重層的支援会議（{self.get_timing_display()}）"


class SupportMeeting(models.Model):
    """支援会議 (社会福祉法第106条の6): may concern people without consent; every attendee is under
    a statutory confidentiality duty, recorded for each."""

    held_on = models.DateField("開催日", validators=[validate_event_date])
    cases = models.ManyToManyField(Case, verbose_name="検討したケース", related_name="support_meetings")
    shared = models.TextField("共有した情報", max_length=8000)
    policy = models.TextField("決定した支援方針", max_length=4000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        constraints = text_limits("supportmeeting", shared=8000, policy=4000)
        verbose_name = verbose_name_plural = "支援会議"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"支援会議（{self.held_on:%Y-%m-%d}）"


class SupportMeetingAttendee(models.Model):
    meeting = models.ForeignKey(SupportMeeting, verbose_name="支援会議", on_delete=models.PROTECT,
                                related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者（ログインできる方）", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="support_meeting_attendances")
    name = models.CharField("氏名", max_length=100)
    organisation = models.CharField("所属", max_length=200)
    confidentiality_acknowledged = models.BooleanField("守秘義務の説明を受けた")

    class Meta:
        verbose_name = verbose_name_plural = "支援会議の出席者"
        constraints = [models.CheckConstraint(condition=Q(confidentiality_acknowledged=True),
                                              name="support_meeting_attendee_bound_by_confidentiality")]

    def __str__(self) -> str:
        # Never the attendee's name: this text goes into the audit log, which anonymisation cannot reach.
        return f"{self.meeting} 出席者 {self.pk}"


class RegionalIssue(models.Model):
    """地域の課題: a gap found through cases, written without personal data, that a council can take up."""

    title = models.CharField("課題", max_length=200)
    description = models.TextField("内容（個人を特定できる情報は書かない）", max_length=4000)
    area = models.ForeignKey("municipality.Area", verbose_name="区域", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="regional_issues")
    raised_on = models.DateField("提起した日", validators=[validate_event_date])
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提起した人", on_delete=models.PROTECT,
                                  related_name="+")
    # The case side owns the link, so that the council app never depends on case data.
    agenda_item = models.ForeignKey("councils.AgendaItem", verbose_name="議題にした協議体の議題", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="regional_issues",
                                    help_text="協議体の会議の議題として取り上げたとき")
    area_conference = models.ForeignKey("AreaConference", verbose_name="提起した重層的支援会議（地域生活課題）",
                                        null=True, blank=True, on_delete=models.PROTECT, related_name="regional_issues")

    class Meta:
        constraints = text_limits("regionalissue", description=4000)
        verbose_name = verbose_name_plural = "地域の課題"
        ordering = ["-raised_on"]

    def __str__(self) -> str:
        # Not the title: it is free text (the admin can change it without the name check), and this
        # text goes into the audit log. Pages show the title itself.
        return f"地域の課題 {self.pk}（{self.raised_on}）"


# The agencies of a case, of a consent and of a conference are part of the record: an agency named
# there cannot be deleted (PROTECT), since deleting it would silently take it out of what the person
# consented to or of who attended. The tables are the ones Django created for the plain many-to-many
# fields (same names and columns); only the delete rule is new. An agency that stops taking part is
# simply not chosen any more.

class CaseAgency(models.Model):
    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "consultations_case_agencies"
        unique_together = [("case", "agency")]
        verbose_name = verbose_name_plural = "ケースに関わる関係機関"

    def __str__(self) -> str:
        return f"{self.case} {self.agency}"


class ConsentAgency(models.Model):
    consent = models.ForeignKey(Consent, verbose_name="本人同意", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "consultations_consent_agencies"
        unique_together = [("consent", "agency")]
        verbose_name = verbose_name_plural = "同意の範囲の関係機関"

    def __str__(self) -> str:
        return f"{self.consent} {self.agency}"


class ConferenceAgency(models.Model):
    conference = models.ForeignKey(CaseConference, verbose_name="重層的支援会議", on_delete=models.PROTECT,
                                   related_name="+", db_column="caseconference_id")
    agency = models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "consultations_caseconference_agencies"
        unique_together = [("conference", "agency")]
        verbose_name = verbose_name_plural = "重層的支援会議に出席した関係機関"

    def __str__(self) -> str:
        return f"{self.conference} {self.agency}"


class CaseSequence(models.Model):
    """The last case number given under a prefix (R8-): a row lock serialises intakes."""

    prefix = models.CharField("接頭辞", max_length=10, primary_key=True)
    last_serial = models.PositiveIntegerField("最後の番号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "ケース番号の採番"

    def __str__(self) -> str:
        return f"{self.prefix}{self.last_serial:04d}"


# --- 参加支援 and the 重層的支援会議 on a 地域生活課題 (issue 13, items 5 and 7) ---

class ParticipationSupport(models.Model):
    """参加支援: a plan names a 社会資源 for the person, and may ask the area's coordinator for help.

    The request becomes a 地域ニーズ on the activities side holding only what the worker wrote (checked
    for the person's names); the link is this row's ``need``, so the activities side knows nothing of
    the case (no reverse accessor either)."""

    plan = models.ForeignKey(SupportPlan, verbose_name="プラン", on_delete=models.PROTECT,
                             related_name="participation_supports")
    resource = models.ForeignKey("activities.SocialResource", verbose_name="つなぐ社会資源", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    note = models.TextField("参加支援の内容（ケース記録）", max_length=2000)
    need = models.OneToOneField("activities.Need", verbose_name="コーディネーターへの依頼（地域ニーズ）", null=True,
                                blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date])

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

    held_on = models.DateField("開催日", validators=[validate_event_date])
    organisation = models.ForeignKey("municipality.Organisation", verbose_name="開催したチーム（団体）",
                                     on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("municipality.Area", verbose_name="区域", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    issue = models.TextField("検討した地域生活課題（個人を特定できる情報は書かない）", max_length=4000)
    decisions = models.TextField("決定したこと・社会資源の開発等に向けた取組", max_length=4000)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="出席した相談支援員",
                                       related_name="area_conferences", blank=True)
    agencies = models.ManyToManyField(Agency, verbose_name="出席した関係機関", related_name="+", blank=True,
                                      through="AreaConferenceAgency")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField("記録日時", auto_now_add=True, validators=[validate_event_date])

    class Meta:
        constraints = text_limits("areaconference", issue=4000, decisions=4000)
        verbose_name = verbose_name_plural = "重層的支援会議（地域生活課題）"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"重層的支援会議（地域生活課題）{self.pk}（{self.held_on}）"


class AreaConferenceAgency(models.Model):
    conference = models.ForeignKey(AreaConference, verbose_name="重層的支援会議（地域生活課題）",
                                   on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name="関係機関", on_delete=models.PROTECT, related_name="+")

    class Meta:
        unique_together = [("conference", "agency")]
        verbose_name = verbose_name_plural = "重層的支援会議（地域生活課題）に出席した関係機関"

    def __str__(self) -> str:
        return f"{self.conference} {self.agency}"
