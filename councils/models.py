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
        linked = (
            Q(memberships__council__in=councils) | Q(invitations__meeting__council__in=councils)
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


# --- 会議 ------------------------------------------------------------------------------

class MeetingQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(user="council__secretariat")


class Meeting(models.Model):
    council = models.ForeignKey(Council, verbose_name="協議体", on_delete=models.PROTECT, related_name="meetings")
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

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "会議"
        ordering = ["-date", "-start_time"]
        constraints = [
            *text_limits("meeting", minutes=40000, outline=10000, decisions=10000),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="meeting_ends_after_it_starts"),
            models.CheckConstraint(condition=Q(is_public=True) | ~Q(closed_reason=""),
                                   name="closed_meeting_states_its_reason"),
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

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.working_group_id and self.council_id and self.working_group.council_id != self.council_id:
            raise ValidationError({"working_group": "別の協議体の作業部会は選べません。"})


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="agenda")
    order = models.PositiveSmallIntegerField("順番", default=1)
    title = models.CharField("議題", max_length=300)
    topic = models.CharField("第12条の事項", max_length=2, choices=Topic.choices)

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
