"""協議体 (SPEC §6): councils, members and their terms, offices, pledges, working groups, meetings.

State changes go through services.py; the 20-member cap is checked there under a row lock
on the council, inside the transaction (parallel additions are serialised per council).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from municipality import wareki
from municipality.scoping import ScopedQuerySet, ScopeRule
from municipality.terms import term
from municipality.validators import text_limits, validate_event_date


class SetupType(models.TextChoices):
    """The five set-up types of seed 002 (協議体・コーディネーター設置の類型例)."""

    SUPPORT_CENTER = "support_center", "地域包括支援センター型"
    RESIDENTS_GOVERNMENT = "residents_government", "住民・行政等協働型"
    SOCIAL_WELFARE_COUNCIL = "social_welfare_council", "社会福祉協議会型"
    NPO = "npo", "NPO型"
    INTERMEDIARY = "intermediary", "中間支援組織型"


class Topic(models.TextChoices):
    """What the mayor may hear the council on (seed 000 第12条)."""

    T1 = "1", "(1) 推進員の活動の組織的な補完"
    T2 = "2", "(2) 地域ニーズ、既存の社会資源の把握及び情報の見える化の推進等"
    T3 = "3", "(3) 地域づくりにおける意識の統一"
    T4 = "4", "(4) 企画、立案及び方針策定"
    T5 = "5", "(5) 情報交換、関係機関等及びサービス提供主体への働きかけ"
    T6 = "6", "(6) その他生活支援・介護予防サービスの提供体制の整備"


TERM_YEARS_MAX = 6


def new_token() -> str:
    return secrets.token_urlsafe(24)


class TermRule(models.TextChoices):
    """How long a member's term is (SPEC §6): the plan period (茅ヶ崎 第13条3項) or a fixed number of
    years from appointment (many 要綱: 2 or 3 years). A 補欠 sits for the predecessor's remaining
    term under both."""

    PLAN_PERIOD = "plan_period", "計画期間（計画期間の終わりまで）"
    FIXED_YEARS = "fixed_years", "選任からの年数"


class CouncilQuerySet(ScopedQuerySet):
    # A council is seen by its own secretariat (and by city-wide roles), not by area: the
    # secretary of the 第1層 council does not run the 第2層 councils below it.
    scope_rule = ScopeRule(user="secretariat")


class Council(models.Model):
    name = models.CharField("名称", max_length=200)
    layer = models.PositiveSmallIntegerField("層", choices=[(1, "第1層"), (2, "第2層")])
    area = models.ForeignKey("municipality.Area", verbose_name="区域", on_delete=models.PROTECT, related_name="councils")
    setup_type = models.CharField("設置の類型", max_length=30, choices=SetupType.choices)
    uses_existing_body = models.BooleanField(
        "既存の会議体を活用", default=False, help_text="第11条ただし書き：第2層で開催される既存の会議体をもって協議体に代える"
    )
    existing_body_name = models.CharField("活用する会議体の名称", max_length=200, blank=True)
    cap = models.PositiveSmallIntegerField("構成員の定数", default=20, help_text="第13条2項：20人以内")
    term_rule = models.CharField(
        "任期の定め方", max_length=20, choices=TermRule.choices, default=TermRule.PLAN_PERIOD,
        help_text="変更は、これから始まる任期（追加・補欠・再任）に適用されます。すでにある任期は変わりません。",
    )
    term_years = models.PositiveSmallIntegerField(
        "任期の年数", null=True, blank=True, help_text="「選任からの年数」のときだけ入力（例：2 または 3）",
    )
    secretariat = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="事務局", blank=True,
                                         related_name="councils_run")
    feed_token = models.CharField("カレンダー配信の鍵", max_length=64, unique=True, default=new_token, editable=False)

    objects = CouncilQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "協議体"
        ordering = ["layer", "area__sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(cap__gte=1) & Q(cap__lte=100), name="council_cap_in_range"),
            models.CheckConstraint(
                condition=Q(uses_existing_body=False) | ~Q(existing_body_name=""),
                name="council_existing_body_named",
            ),
            models.CheckConstraint(
                condition=Q(term_rule="plan_period", term_years__isnull=True)
                | Q(term_rule="fixed_years", term_years__gte=1, term_years__lte=TERM_YEARS_MAX),
                name="council_term_rule_years",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.term_rule == TermRule.FIXED_YEARS and not (self.term_years and 1 <= self.term_years <= TERM_YEARS_MAX):
            raise ValidationError({"term_years": f"任期の年数を1から{TERM_YEARS_MAX}の間で入力してください。"})
        if self.term_rule == TermRule.PLAN_PERIOD:
            self.term_years = None

    @property
    def term_rule_label(self) -> str:
        if self.term_rule == TermRule.FIXED_YEARS:
            return f"選任から{self.term_years}年"
        return "計画期間"


class PersonQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> PersonQuerySet:
        """People linked to a council the user runs (seat, invitation, office, pledge), and people
        not yet linked to any council (just registered). Their addresses stay within the council."""
        from municipality.scoping import Scope

        scope = Scope.of(user)
        if scope.user_id is None:
            return self.none()
        if scope.everything:
            return self
        councils = Council.objects.visible_to(user).values("pk")
        bodies = Body.objects.visible_to(user).values("pk")
        linked = (
            Q(memberships__council__in=councils) | Q(invitations__meeting__council__in=councils)
            | Q(invitations__meeting__body__in=bodies)
            | Q(offices__council__in=councils) | Q(pledges__council__in=councils)
        )
        unattached = Q(memberships__isnull=True, invitations__isnull=True, offices__isnull=True, pledges__isnull=True)
        return self.filter(pk__in=Person.objects.filter(linked | unattached).values("pk"))


class Person(models.Model):
    """Someone who sits on a council or is invited to it; many have no e-mail and no login."""

    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("氏名（ふりがな）", max_length=100, blank=True)
    email = models.EmailField("メールアドレス", blank=True)
    postal_code = models.CharField("郵便番号", max_length=10, blank=True)
    address = models.CharField("住所（通知の送付先）", max_length=200, blank=True)
    phone = models.CharField("電話番号", max_length=30, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="ログインする利用者", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="council_person",
                                help_text="推進員など、ログインする人のとき：その人の出席の記録が本人のページに出ます")

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "委員・関係者"
        ordering = ["name_kana", "pk"]
        indexes = [models.Index(fields=["name_kana", "id"], name="person_kana_order")]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(user="council__secretariat")

    def active_on(self, day: dt.date) -> MembershipQuerySet:
        return self.filter(start__lte=day, end__gte=day)


class Membership(models.Model):
    """A person holding a seat for an organisation on a council over a term."""

    council = models.ForeignKey(Council, verbose_name="協議体", on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, verbose_name="委員", on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey("municipality.Organisation", verbose_name="選出団体", on_delete=models.PROTECT,
                                     related_name="council_seats")
    plan_period = models.ForeignKey("municipality.PlanPeriod", verbose_name="計画期間", on_delete=models.PROTECT,
                                    related_name="memberships")
    start = models.DateField("任期の始まり", validators=[validate_event_date])
    end = models.DateField("任期の終わり", validators=[validate_event_date])
    planned_end = models.DateField("本来の任期の終わり", help_text="途中で退いた場合も、補欠の任期はこの日まで", validators=[validate_event_date])
    replaces = models.OneToOneField("self", verbose_name="前任者（補欠の場合）", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    reappointed_from = models.OneToOneField("self", verbose_name="前期の任期（再任の場合）", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="reappointed_as")
    left_reason = models.CharField("退任の理由", max_length=200, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "構成員（任期）"
        ordering = ["council", "start", "person__name_kana"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="membership_end_not_before_start"),
            models.CheckConstraint(condition=Q(planned_end__gte=F("end")), name="membership_end_within_term"),
        ]
        indexes = [
            models.Index(fields=["council", "start", "end"]),
            # The reminder scan's window (terms ending within 120 days, not left early): read from
            # the index alone, whatever the size of the register.
            models.Index(fields=["end"], include=["id", "council", "person", "organisation"],
                         condition=Q(end=F("planned_end")), name="membership_term_end"),
            # The admin's member list: council by council, then by the start of the term (50 rows a page).
            models.Index(fields=["council", "start", "id"], name="membership_admin_order"),
        ]

    def __str__(self) -> str:
        return f"{self.person}（{self.organisation}、{wareki.format_wareki(self.start)}〜{wareki.format_wareki(self.end)}）"


class OfficeRole(models.TextChoices):
    CHAIR = "chair", "議長"
    DEPUTY = "deputy", "職務代理者"


class CouncilPartQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(user="council__secretariat")


class Office(models.Model):
    """議長 (an office title and its holder, who may be a non-member) and the deputy designated in
    advance among the members (第14条1項2号). One of each at a time."""

    council = models.ForeignKey(Council, verbose_name="協議体", on_delete=models.PROTECT, related_name="offices")
    role = models.CharField("役職", max_length=10, choices=OfficeRole.choices)
    title = models.CharField("職名", max_length=100, blank=True, help_text="例：福祉部高齢福祉介護課介護保険担当課長")
    holder = models.ForeignKey(Person, verbose_name="就任者", on_delete=models.PROTECT, related_name="offices")
    membership = models.ForeignKey(Membership, verbose_name="構成員としての任期", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="offices")
    start = models.DateField("就任日", validators=[validate_event_date])
    end = models.DateField("退任日", null=True, blank=True, validators=[validate_event_date])

    objects = CouncilPartQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "議長・職務代理者"
        ordering = ["council", "role", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["council", "role"], condition=Q(end__isnull=True),
                                    name="one_office_holder_at_a_time"),
            models.CheckConstraint(condition=~Q(role="deputy") | Q(membership__isnull=False),
                                   name="deputy_is_a_member"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.holder}"


class PledgeContext(models.TextChoices):
    MEMBER = "member", "構成員"
    COORDINATOR = "coordinator", term("推進員（コーディネーター）")
    ATTENDEE = "attendee", "関係者（構成員以外の出席者）"


class Pledge(models.Model):
    """A signed confidentiality pledge (守秘義務の誓約, 第15条); it lasts after the person leaves."""

    person = models.ForeignKey(Person, verbose_name="誓約した人", on_delete=models.PROTECT, related_name="pledges")
    council = models.ForeignKey(Council, verbose_name="協議体", on_delete=models.PROTECT, related_name="pledges")
    context = models.CharField("立場", max_length=20, choices=PledgeContext.choices)
    signed_on = models.DateField("誓約日", validators=[validate_event_date])

    objects = CouncilPartQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "守秘義務の誓約"
        ordering = ["-signed_on"]

    def __str__(self) -> str:
        return f"{self.person}（{wareki.format_wareki(self.signed_on)}）"


class WorkingGroup(models.Model):
    """作業部会 of a council for individual matters (第14条1項4号)."""

    council = models.ForeignKey(Council, verbose_name="協議体", on_delete=models.PROTECT, related_name="working_groups")
    name = models.CharField("名称", max_length=200)
    purpose = models.TextField("調査検討する事項", max_length=2000, blank=True)
    members = models.ManyToManyField(Membership, verbose_name="部会員", blank=True, related_name="working_groups")

    objects = CouncilPartQuerySet.as_manager()

    class Meta:
        constraints = text_limits("workinggroup", purpose=2000)
        verbose_name = verbose_name_plural = "作業部会"
        ordering = ["council", "name"]

    def __str__(self) -> str:
        return f"{self.council} {self.name}"


# --- 協議体以外の会議体 ------------------------------------------------------------------

class BodyKind(models.TextChoices):
    """The meetings the seeds name besides the council's: the coordinators' regular meeting of both
    layers and the city (seed 001 第9条, 000 第8条3項) and the 地域ケア会議 (seed 002)."""

    COORDINATORS = "coordinators", "定例会・連絡会議"
    CARE_CONFERENCE = "care_conference", "地域ケア会議"


class BodyQuerySet(ScopedQuerySet):
    # Like a council: seen by its own secretariat and by city-wide roles, not by area.
    scope_rule = ScopeRule(user="secretariat")


class Body(models.Model):
    """A body that holds meetings and is not a council: 推進員の定例会・連絡会議, 地域ケア会議."""

    kind = models.CharField("種類", max_length=20, choices=BodyKind.choices)
    name = models.CharField("名称", max_length=200, help_text="例：推進員定例会、○○地域包括支援センター 地域ケア会議")
    area = models.ForeignKey("municipality.Area", verbose_name="区域", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="bodies", help_text="市全体のときは空欄")
    organiser = models.ForeignKey("municipality.Organisation", verbose_name="主催", on_delete=models.PROTECT,
                                  related_name="bodies_organised", help_text="例：市、地域包括支援センター")
    secretariat = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="事務局", blank=True,
                                         related_name="bodies_run")
    feed_token = models.CharField("カレンダー配信の鍵", max_length=64, unique=True, default=new_token, editable=False)

    objects = BodyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "会議体（協議体以外）"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


# --- 会議 ------------------------------------------------------------------------------

class MinutesStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    CONFIRMING = "confirming", "出席者に確認中"
    APPROVED = "approved", "承認済み"


def parse_reminder_days(value: str) -> list[int]:
    """"7,1" → [7, 1]; ValueError for anything else (1 to 90 days, at most 5)."""
    days = [int(part) for part in value.replace("、", ",").split(",") if part.strip()]
    if not days or len(days) > 5 or any(not 1 <= d <= 90 for d in days):
        raise ValueError(value)
    return sorted(set(days), reverse=True)


def validate_reminder_days(value: str) -> None:
    from django.core.exceptions import ValidationError

    if not value:
        return
    try:
        parse_reminder_days(value)
    except ValueError:
        raise ValidationError("開催の何日前かを、1から90までの数をカンマで区切って入力してください（例：7,1）。") from None


class MeetingQuerySet(ScopedQuerySet):
    # A meeting belongs to exactly one body: a council (or its working group) or another body,
    # and is seen by that body's secretariat.
    scope_rule = ScopeRule(user=("council__secretariat", "body__secretariat"))

    def visible_to(self, user) -> MeetingQuerySet:
        """The rule above, written as two lookups of the few bodies a secretary runs: the database
        then reads the meetings of those bodies by their keys, instead of joining every meeting to
        both secretariats (50,000 meetings, the admin list of a secretary: median 326 → 167 ms)."""
        from municipality.scoping import Scope

        scope = Scope.of(user)
        if scope.user_id is None:
            return self.none()
        if scope.everything:
            return self
        return self.filter(
            Q(council__in=Council.secretariat.through.objects.filter(user_id=scope.user_id).values("council_id"))
            | Q(body__in=Body.secretariat.through.objects.filter(user_id=scope.user_id).values("body_id")))


class Meeting(models.Model):
    council = models.ForeignKey(Council, verbose_name="協議体", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="meetings")
    body = models.ForeignKey(Body, verbose_name="会議体（協議体以外）", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="meetings")
    working_group = models.ForeignKey(WorkingGroup, verbose_name="作業部会", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="meetings",
                                      help_text="作業部会の会議のときに選ぶ")
    title = models.CharField("会議名", max_length=200, help_text="例：令和8年度 第2回 第1層協議体")
    date = models.DateField("開催日", validators=[validate_event_date])
    start_time = models.TimeField("開始時刻")
    end_time = models.TimeField("終了時刻")
    place = models.CharField("場所", max_length=200)
    is_public = models.BooleanField("公開", default=True, help_text="会議は原則公開です")
    closed_reason = models.CharField("非公開の理由", max_length=300, blank=True)
    public_seats = models.PositiveSmallIntegerField("傍聴席の数", null=True, blank=True,
                                                    help_text="決めていない場合は空欄")
    minutes = models.TextField("議事録", max_length=40000, blank=True)
    outline = models.TextField("議事要旨（非公開の会議で公表する概要）", max_length=10000, blank=True)
    decisions = models.TextField("決定事項", max_length=10000, blank=True)
    minutes_published = models.BooleanField("議事録を公表", default=False)
    ics_uid = models.CharField("カレンダーの識別子", max_length=80, unique=True, default=new_token, editable=False)
    sequence = models.PositiveIntegerField("変更回数", default=0, editable=False)
    # 議事録の確認と承認 (issue 17): changed only through services.minutes_* under a row lock.
    minutes_status = models.CharField("議事録の状態", max_length=12, choices=MinutesStatus.choices,
                                      default=MinutesStatus.DRAFT, editable=False)
    minutes_round = models.PositiveSmallIntegerField("議事録の確認依頼の回数", default=0, editable=False)
    minutes_confirm_by = models.DateField("議事録の確認の期限", null=True, blank=True, editable=False,
                                          validators=[validate_event_date])
    # Per-meeting settings (issue 17 must-have 7).
    reminders_off = models.BooleanField("開催前のリマインダーを送らない", default=False)
    reminder_days = models.CharField(
        "リマインダーを送る日（開催の何日前）", max_length=20, blank=True, validators=[validate_reminder_days],
        help_text="例：7,1（空欄なら既定の日数）")
    contact_name = models.CharField("出欠の連絡先（担当）", max_length=100, blank=True,
                                    help_text="空欄なら事務局の所属団体から開催通知に印字します")
    contact_phone = models.CharField("出欠の連絡先（電話）", max_length=30, blank=True)
    contact_email = models.EmailField("出欠の連絡先（メール）", blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "会議"
        ordering = ["-date", "-start_time"]
        constraints = [
            *text_limits("meeting", minutes=40000, outline=10000, decisions=10000),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="meeting_ends_after_it_starts"),
            models.CheckConstraint(condition=Q(is_public=True) | ~Q(closed_reason=""),
                                   name="closed_meeting_states_its_reason"),
            models.CheckConstraint(
                condition=~Q(minutes_status="confirming") | (Q(minutes_confirm_by__isnull=False) & Q(minutes_round__gte=1)),
                name="meeting_minutes_confirming_has_deadline"),
            # Exactly one body: a council (a working group is a council's) or another body.
            models.CheckConstraint(
                condition=(Q(council__isnull=False) & Q(body__isnull=True))
                | (Q(council__isnull=True) & Q(body__isnull=False) & Q(working_group__isnull=True)),
                name="meeting_belongs_to_one_body",
                violation_error_message="会議体は、協議体か協議体以外の会議体のどちらか一つを選んでください"
                                        "（作業部会の会議は、その協議体を選びます）。",
            ),
        ]
        indexes = [
            # Newest first (the admin's list adds the id), read backwards.
            models.Index(fields=["date", "start_time", "id"], name="meeting_admin_order"),
            # The reminder scan's window (meetings within 7 days): read from the index alone.
            models.Index(fields=["date"], include=["id", "council", "title", "start_time", "place"],
                         name="meeting_date"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{wareki.format_wareki(self.date)}）"

    @property
    def host(self) -> Council | Body:
        """The council or other body that holds the meeting."""
        return self.council if self.council_id else self.body  # type: ignore[return-value]

    @property
    def host_name(self) -> str:
        """The name of who holds the meeting, as the notice and the mail sign it."""
        if self.working_group_id:
            return f"{self.council.name} {self.working_group.name}"  # type: ignore[union-attr]
        return self.host.name

    @property
    def body_kind_label(self) -> str:
        """協議体, 作業部会, 定例会・連絡会議 or 地域ケア会議: the kind of body, as every page names it."""
        if self.working_group_id:
            return "作業部会"
        if self.council_id:
            return "協議体"
        return self.body.get_kind_display()  # type: ignore[union-attr]

    @property
    def is_care_conference(self) -> bool:
        return bool(self.body_id) and self.body.kind == BodyKind.CARE_CONFERENCE  # type: ignore[union-attr]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.working_group_id and self.council_id and self.working_group.council_id != self.council_id:
            raise ValidationError({"working_group": "別の協議体の作業部会は選べません。"})


class CommunityIssueQuerySet(ScopedQuerySet):
    # The 地域ケア会議's secretariat that raised it, the council's secretariat it was taken to, and
    # the coordinators of its area (who take it on to a need or resource development). No personal data.
    scope_rule = ScopeRule(area="area", user=("meeting__body__secretariat", "council__secretariat"))


class CommunityIssue(models.Model):
    """地域課題 found at a 地域ケア会議 (seed 002), taken to a council's agenda and on to resource
    development. It names no person: individual cases stay in the care conference's own records."""

    meeting = models.ForeignKey(Meeting, verbose_name="把握した地域ケア会議", on_delete=models.PROTECT,
                                related_name="community_issues")
    title = models.CharField("地域課題", max_length=200)
    description = models.TextField("内容", max_length=2000, blank=True,
                                   help_text="個人が特定される内容（氏名・住所など）は書かないでください")
    area = models.ForeignKey("municipality.Area", verbose_name="区域", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="community_issues")
    council = models.ForeignKey(Council, verbose_name="取り上げる協議体", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="community_issues")
    created_at = models.DateTimeField("登録日時", auto_now_add=True, validators=[validate_event_date])

    objects = CommunityIssueQuerySet.as_manager()

    class Meta:
        constraints = text_limits("communityissue", description=2000)
        verbose_name = verbose_name_plural = "地域課題"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="agenda")
    order = models.PositiveSmallIntegerField("順番", default=1)
    title = models.CharField("議題", max_length=300)
    topic = models.CharField("第12条の事項", max_length=2, choices=Topic.choices)
    community_issue = models.ForeignKey(CommunityIssue, verbose_name="地域課題（地域ケア会議から）", null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="agenda_items")

    class Meta:
        verbose_name = verbose_name_plural = "議題"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class InviteeKind(models.TextChoices):
    MEMBER = "member", "構成員"
    GUEST = "guest", "関係者"


class Response(models.TextChoices):
    PENDING = "pending", "未回答"
    ATTENDING = "attending", "出席"
    DECLINED = "declined", "欠席"


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="invitations")
    person = models.ForeignKey(Person, verbose_name="招集した人", on_delete=models.PROTECT, related_name="invitations")
    kind = models.CharField("区分", max_length=10, choices=InviteeKind.choices)
    token = models.CharField("出欠回答の鍵", max_length=64, unique=True, default=new_token, editable=False)
    response = models.CharField("出欠の回答", max_length=10, choices=Response.choices, default=Response.PENDING)
    responded_at = models.DateTimeField("回答日時", null=True, blank=True, validators=[validate_event_date])
    attended = models.BooleanField("出席した", null=True, blank=True)
    mailed_at = models.DateTimeField("通知メールの送信日時", null=True, blank=True, validators=[validate_event_date])
    mailed_sequence = models.IntegerField("送信した通知の版", null=True, blank=True,
                                          help_text="会議の日時・場所が変わると、新しい版を送り直します")

    class Meta:
        verbose_name = verbose_name_plural = "招集・出欠"
        ordering = ["kind", "person__name_kana"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="invite_a_person_once")]

    def __str__(self) -> str:
        return f"{self.meeting} {self.person}"


# --- 資料 (papers of a meeting and its agenda items) --------------------------------------

def paper_path(instance: Paper, filename: str) -> str:
    # A storage name of our own (uuid): the original, Japanese name is kept in the row only.
    return f"councils/papers/{instance.storage_key.hex}{instance.extension}"


class PaperKind(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    DOCX = "docx", "Word"
    PNG = "png", "画像（PNG）"
    JPEG = "jpeg", "画像（JPEG）"


class PaperStatus(models.TextChoices):
    CURRENT = "current", "配布中"
    REPLACED = "replaced", "差し替え済み"
    WITHDRAWN = "withdrawn", "取り下げ"


class PaperQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(user=("meeting__council__secretariat", "meeting__body__secretariat"))

    def current(self) -> PaperQuerySet:
        return self.filter(status=PaperStatus.CURRENT)


class Paper(models.Model):
    """A file handed out for a meeting or one of its agenda items. Once sent with a notice it is never
    deleted: a replacement or a withdrawal is recorded on it and the file is kept."""

    meeting = models.ForeignKey(Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="papers")
    agenda_item = models.ForeignKey(AgendaItem, verbose_name="議題", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="papers", help_text="議題の資料のときに選ぶ（会議全体の資料は空欄）")
    order = models.PositiveSmallIntegerField("順番", default=1)
    title = models.CharField("資料名", max_length=200)
    kind = models.CharField("種類", max_length=10, choices=PaperKind.choices)
    storage_key = models.UUIDField("保存名", unique=True, editable=False)
    file = models.FileField("ファイル", upload_to=paper_path, max_length=200)
    original_name = models.CharField("元のファイル名", max_length=255)
    size = models.PositiveIntegerField("大きさ（バイト）")
    sha256 = models.CharField("SHA-256", max_length=64)
    is_public = models.BooleanField("公開資料", default=False,
                                    help_text="公開の会議のとき、会議のページで誰でも見られるようにする")
    status = models.CharField("状態", max_length=10, choices=PaperStatus.choices, default=PaperStatus.CURRENT)
    replaces = models.OneToOneField("self", verbose_name="差し替え前の資料", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    uploaded_at = models.DateTimeField("登録日時", validators=[validate_event_date])
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登録した人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("開催通知で送付した日時", null=True, blank=True, validators=[validate_event_date])
    withdrawn_at = models.DateTimeField("取り下げ・差し替えの日時", null=True, blank=True,
                                        validators=[validate_event_date])
    withdrawn_reason = models.CharField("取り下げ・差し替えの理由", max_length=300, blank=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "会議の資料"
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PaperKind.values), name="paper_kind_known"),
            models.CheckConstraint(condition=Q(status=PaperStatus.CURRENT) | Q(withdrawn_at__isnull=False),
                                   name="paper_withdrawal_dated"),
        ]
        indexes = [models.Index(fields=["meeting", "status", "order"], name="paper_meeting_current")]

    def __str__(self) -> str:
        return f"{self.title}（{self.meeting.title}）"

    @property
    def extension(self) -> str:
        return {"pdf": ".pdf", "xlsx": ".xlsx", "docx": ".docx", "png": ".png", "jpeg": ".jpg"}[self.kind]

    @property
    def size_text(self) -> str:
        from .paper_files import size_text

        return size_text(self.size)
# --- 議事録の確認と承認 (issue 17) ------------------------------------------------------------

class ConfirmationAnswer(models.TextChoices):
    PENDING = "pending", "未回答"
    CONFIRMED = "confirmed", "確認した（訂正なし）"
    CORRECTED = "corrected", "訂正を求めた"


class MinutesConfirmation(models.Model):
    """One attendee's check of the draft minutes in one round of confirmation, by a link that needs
    no login. Rounds are kept: a resend opens a new round, the earlier answers stay."""

    invitation = models.ForeignKey(Invitation, verbose_name="出席者", on_delete=models.PROTECT,
                                   related_name="minutes_confirmations")
    round = models.PositiveSmallIntegerField("確認依頼の回")
    token = models.CharField("確認の鍵", max_length=64, unique=True, default=new_token, editable=False)
    answer = models.CharField("回答", max_length=10, choices=ConfirmationAnswer.choices,
                              default=ConfirmationAnswer.PENDING)
    correction = models.TextField("訂正の内容", max_length=2000, blank=True)
    answered_at = models.DateTimeField("回答日時", null=True, blank=True, validators=[validate_event_date])

    class Meta:
        verbose_name = verbose_name_plural = "議事録の確認"
        ordering = ["-round", "invitation__person__name_kana", "pk"]
        constraints = [
            *text_limits("minutesconfirmation", correction=2000),
            models.UniqueConstraint(fields=["invitation", "round"], name="minutes_confirm_once_per_round"),
            models.CheckConstraint(condition=~Q(answer="corrected") | ~Q(correction=""),
                                   name="minutes_correction_has_text"),
            models.CheckConstraint(condition=Q(answer="pending") | Q(answered_at__isnull=False),
                                   name="minutes_answer_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation}（第{self.round}回）"


class ApprovedAs(models.TextChoices):
    CHAIR = "chair", "議長の承認"
    SECRETARIAT = "secretariat", "事務局の承認"


class MinutesVersion(models.Model):
    """An approved version of a meeting's minutes: an issued document (rendered once, stored,
    never changed). A correction after approval is a new version naming the one it replaces."""

    meeting = models.ForeignKey(Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="minutes_versions")
    number = models.PositiveSmallIntegerField("版")
    document = models.OneToOneField("forms_pdf.IssuedDocument", verbose_name="発行した議事録", on_delete=models.PROTECT,
                                    related_name="minutes_version")
    replaces = models.OneToOneField("self", verbose_name="訂正前の版", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    approved_as = models.CharField("承認", max_length=12, choices=ApprovedAs.choices)
    chair = models.ForeignKey(Office, verbose_name="承認した議長", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    approved_on = models.DateField("承認日", validators=[validate_event_date])
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", on_delete=models.PROTECT,
                                    related_name="+")
    correction_reason = models.CharField("訂正の理由", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "承認済みの議事録"
        ordering = ["meeting", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="minutes_version_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="minutes_version_number_positive"),
            models.CheckConstraint(condition=(Q(number=1) & Q(replaces__isnull=True))
                                   | (Q(number__gt=1) & Q(replaces__isnull=False) & ~Q(correction_reason="")),
                                   name="minutes_correction_names_what_it_replaces"),
            models.CheckConstraint(condition=~Q(approved_as="chair") | Q(chair__isnull=False),
                                   name="minutes_chair_approval_names_the_chair"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} 議事録 第{self.number}版"
