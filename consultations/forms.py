from __future__ import annotations

from django import forms
from django.utils import timezone

from municipality.forms import BirthDateField, EventDateField, JapaneseForm, max_length_of
from municipality.once import OnceFormMixin
from municipality.terms import term
from municipality.wareki import format_wareki

from . import legal_bases
from .models import (
    REFERRAL_MINIMUM,
    Agency,
    AreaConference,
    Assessment,
    AssessmentAnswer,
    Case,
    CaseConference,
    CaseUrgency,
    ConsentMethod,
    ContactMethod,
    Decision,
    Degree,
    Domain,
    EvacuationListing,
    EvacuationRecipient,
    Evaluation,
    EvaluationGoal,
    HouseholdMember,
    ParticipationSupport,
    PlanGoal,
    Program,
    Referral,
    ReferralBasis,
    ReferralItem,
    RegionalIssue,
    Route,
    SupportItem,
    SupportMeeting,
    SupportMeetingAttendee,
    SupportPlan,
    TimelineEntry,
    Timing,
)

# A list typed one item a line (household, attendees, roles): room for some twenty lines.
HOUSEHOLD_MAX = 2000
LIST_MAX = 4000


def _check_lines(text: str, parts: tuple[tuple[str, int | None], tuple[str, int | None]]) -> None:
    """A list typed one item a line as「A／B」: each part must fit the column it is saved in."""
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        values = line.replace("/", "／").partition("／")[::2]
        for (label, limit), value in zip(parts, values, strict=True):
            if limit is not None and len(value.strip()) > limit:
                errors.append(f"{number}行目の{label}は{limit}文字以内で入力してください。")
    if errors:
        raise forms.ValidationError(errors)


class IntakeForm(OnceFormMixin, JapaneseForm):
    """相談受付票."""

    received_on = EventDateField(label="受付日")
    route = forms.ChoiceField(label="相談経路", choices=Route.choices)
    domains = forms.MultipleChoiceField(label="分野（複数可）", choices=Domain.choices,
                                        widget=forms.CheckboxSelectMultiple)
    # Not required: a form posted without it (an older page, a script) is 包括的相談支援事業, as every
    # consultation is; the box is ticked when the page opens.
    programs = forms.MultipleChoiceField(label="事業（複数可）", choices=Program.choices, initial=[Program.COMPREHENSIVE],
                                         required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text="選ばないときは包括的相談支援事業にします。")
    person_name = forms.CharField(label="本人氏名", max_length=100)
    person_kana = forms.CharField(label="本人氏名（ふりがな）", max_length=100, required=False)
    person_birth_date = BirthDateField(label="生年月日", required=False)
    person_address = forms.CharField(label="住所", max_length=200, required=False)
    person_phone = forms.CharField(label="電話番号", max_length=30, required=False)
    household = forms.CharField(max_length=HOUSEHOLD_MAX, label="世帯員（1行に1人：氏名／続柄）", required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    presenting_problems = forms.CharField(max_length=max_length_of(Case, "presenting_problems"), label="相談の内容（主訴）",
                                          widget=forms.Textarea(attrs={"rows": 4}))
    agencies = forms.ModelMultipleChoiceField(label="関わる関係機関", queryset=Agency.objects.select_related(
        "organisation"), required=False, widget=forms.CheckboxSelectMultiple)
    csw = forms.ModelChoiceField(label="CSW（コミュニティソーシャルワーカー）", queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        from municipality.models import User
        from municipality.roles import Role

        super().__init__(*args, **kwargs)
        self.fields["csw"].queryset = User.objects.filter(groups__name=Role.CASE_WORKER.value, is_active=True)

    def clean_household(self) -> str:
        text = self.cleaned_data.get("household", "")
        _check_lines(text, (("氏名", max_length_of(HouseholdMember, "name")),
                            ("続柄", max_length_of(HouseholdMember, "relation"))))
        return text

    def household_members(self) -> list[dict]:
        members = []
        for line in self.cleaned_data.get("household", "").splitlines():
            if line.strip():
                name, _, relation = line.replace("/", "／").partition("／")
                members.append({"name": name.strip(), "relation": relation.strip() or "不明"})
        return members


class ConsentForm(OnceFormMixin, JapaneseForm):
    agencies = forms.ModelMultipleChoiceField(label="同意の範囲（関係機関）", queryset=Agency.objects.select_related(
        "organisation"), widget=forms.CheckboxSelectMultiple)
    given_on = EventDateField(label="同意日")
    method = forms.ChoiceField(label="方法", choices=ConsentMethod.choices)
    expires_on = EventDateField(label="有効期限（任意）", required=False)


class PlanForm(OnceFormMixin, JapaneseForm):
    """プランシート (the 短期目標 and 支援内容 come in the formsets below)."""

    goals = forms.CharField(max_length=max_length_of(SupportPlan, "goals"), label="長期目標",
                            widget=forms.Textarea(attrs={"rows": 2}))
    wishes = forms.CharField(max_length=max_length_of(SupportPlan, "wishes"), label="本人の意向", required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    policy = forms.CharField(max_length=max_length_of(SupportPlan, "policy"), label="支援方針",
                             widget=forms.Textarea(attrs={"rows": 2}))
    contents = forms.CharField(max_length=max_length_of(SupportPlan, "contents"), label="プランの内容（補足）",
                               required=False, widget=forms.Textarea(attrs={"rows": 2}))
    monitoring_on = EventDateField(label="次回モニタリングの時期")
    agreed_on = EventDateField(label="本人の同意日（同意を得たとき）", required=False)
    agreement_method = forms.ChoiceField(label="同意の方法", required=False,
                                         choices=[("", "—"), *SupportPlan._meta.get_field("agreement_method").choices])
    programs = forms.MultipleChoiceField(label="事業（複数可）", choices=Program.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text="選ばないときはケースの事業と同じにします。")

    def clean(self):
        data = super().clean()
        if data.get("agreed_on") and not data.get("agreement_method"):
            self.add_error("agreement_method", "同意の方法（署名・口頭など）を選んでください。")
        if data.get("agreement_method") and not data.get("agreed_on") and "agreed_on" not in self.errors:
            self.add_error("agreed_on", "本人の同意日を入力してください。")
        return data


class ShortGoalForm(JapaneseForm):
    text = forms.CharField(max_length=max_length_of(PlanGoal, "text"), label="短期目標", required=False,
                           widget=forms.Textarea(attrs={"rows": 1}))


class SupportItemForm(JapaneseForm):
    agency = forms.ModelChoiceField(label="関係機関", queryset=Agency.objects.select_related("organisation"),
                                    required=False, help_text="本人・家族などが担うときは空欄にして担い手を書きます")
    bearer = forms.CharField(max_length=max_length_of(SupportItem, "bearer"), label="担い手（本人・家族など）",
                             required=False)
    content = forms.CharField(max_length=max_length_of(SupportItem, "content"), label="支援内容・役割", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    frequency = forms.CharField(max_length=max_length_of(SupportItem, "frequency"), label="頻度", required=False)
    starts_on = EventDateField(label="期間（から）", required=False)
    ends_on = EventDateField(label="期間（まで）", required=False)

    def clean(self):
        data = super().clean()
        if not self.has_changed():
            return data
        if not data.get("agency") and not data.get("bearer", "").strip() and "bearer" not in self.errors:
            self.add_error("bearer", "関係機関を選ぶか、担い手（本人・家族など）を入力してください。")
        if not data.get("content", "").strip() and "content" not in self.errors:
            self.add_error("content", "支援内容・役割を入力してください。")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "期間の終わりが始まりより前です。")
        return data


class _Rows(forms.BaseFormSet):
    """Rows left empty are not saved; too many rows is a message, not an error page."""

    def filled(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.has_changed() and form.cleaned_data]


SHORT_GOALS_MAX = 10
SUPPORT_ITEMS_MAX = 30
ShortGoalFormSet = forms.formset_factory(ShortGoalForm, formset=_Rows, extra=3, max_num=SHORT_GOALS_MAX,
                                         validate_max=True, absolute_max=SHORT_GOALS_MAX)
SupportItemFormSet = forms.formset_factory(SupportItemForm, formset=_Rows, extra=4, max_num=SUPPORT_ITEMS_MAX,
                                           validate_max=True, absolute_max=SUPPORT_ITEMS_MAX)


class ConferenceTimingForm(JapaneseForm):
    """The first step of the 重層的支援会議 record: which of the four timings (sent by GET)."""

    timing = forms.ChoiceField(label="開催時期", choices=Timing.choices, widget=forms.RadioSelect,
                               error_messages={"required": "開催時期を選んでください。",
                                               "invalid_choice": "開催時期を一覧から選んでください。"})


# What each timing records besides the common fields (seed 003 3(3)); the rest of the form is hidden.
TIMING_FIELDS = {
    Timing.CREATION: (),
    Timing.CHANGE: ("situation_change", "plan_evaluation"),
    Timing.TERMINATION: ("achievement", "termination_evaluation", "follow_up_needed", "follow_up_method"),
    Timing.SUSPENSION: ("suspension_reason",),
}


class ConferenceForm(OnceFormMixin, JapaneseForm):
    """The second step: the record of a meeting at one timing, with that timing's fields only."""

    takes_case = True  # the consents offered are the case's
    timing = forms.ChoiceField(label="開催時期", choices=Timing.choices, widget=forms.HiddenInput)
    held_on = EventDateField(label="開催日")
    attendees = forms.ModelMultipleChoiceField(
        label="出席した相談支援員", queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="出席者はこの会議の記録を見られるようになります（閲覧は記録されます）。")
    agencies = forms.ModelMultipleChoiceField(
        label="出席した関係機関（本人の同意の範囲から）", queryset=Agency.objects.select_related("organisation"),
        required=False, widget=forms.CheckboxSelectMultiple)
    consent = forms.ModelChoiceField(
        label="根拠とする本人同意（空欄なら、開催日に有効で出席した関係機関をすべて含む同意）", queryset=None, required=False,
        help_text="出席した関係機関は、すべてこの同意の範囲にある必要があります。")
    situation_change = forms.CharField(max_length=max_length_of(CaseConference, "situation_change"),
                                       label="本人の状況変化の確認・評価（変更時）", required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    plan_evaluation = forms.CharField(max_length=max_length_of(CaseConference, "plan_evaluation"),
                                      label="現行プランの評価（変更時）", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    achievement = forms.CharField(max_length=max_length_of(CaseConference, "achievement"),
                                  label="目標達成状況・支援者の状況（終結時）", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    termination_evaluation = forms.CharField(max_length=max_length_of(CaseConference, "termination_evaluation"),
                                             label="支援終結の評価（終結時）", required=False,
                                             widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_needed = forms.TypedChoiceField(
        label="フォローアップの必要（終結時）", required=False, empty_value=None,
        choices=[("", "—"), ("yes", "あり"), ("no", "なし")], coerce=lambda v: v == "yes")
    follow_up_method = forms.CharField(max_length=max_length_of(CaseConference, "follow_up_method"),
                                       label="フォローアップの方法（終結時）", required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    suspension_reason = forms.CharField(max_length=max_length_of(CaseConference, "suspension_reason"),
                                        label="中断の理由（中断時）", required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from municipality.models import User
        from municipality.roles import Role

        case = kwargs.pop("case", None)
        # None keeps every timing's fields (the enumerating form tests); the view always gives one.
        timing = kwargs.pop("timing", None)
        super().__init__(*args, **kwargs)
        if timing is not None:
            self.fields["timing"].initial = timing
            shown = set(TIMING_FIELDS[Timing(timing)])
            for name in {n for names in TIMING_FIELDS.values() for n in names} - shown:
                del self.fields[name]
            for name in shown:
                # Only this timing's fields are shown, so the 「（変更時）」 of the labels says nothing.
                self.fields[name].label = self.fields[name].label.rsplit("（", 1)[0]
        self.fields["attendees"].queryset = User.objects.filter(groups__name=Role.CASE_WORKER.value, is_active=True)
        from .models import Consent

        self.fields["consent"].queryset = (Consent.objects.filter(case=case) if case is not None
                                           else Consent.objects.none()).prefetch_related("agencies__organisation")
        self.fields["consent"].label_from_instance = (
            lambda c: f"{format_wareki(c.given_on)}の同意（{'、'.join(str(a) for a in c.agencies.all())}）")


class AssessmentForm(OnceFormMixin, JapaneseForm):
    """アセスメントシート: one field for each item of 本人の状況 the city asks (AssessmentItem),
    then the sheet's fixed parts. Each save is a new version."""

    household_situation = forms.CharField(max_length=max_length_of(Assessment, "household_situation"),
                                          label="世帯の状況（世帯員の関係・状況）", required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    life_history = forms.CharField(max_length=max_length_of(Assessment, "life_history"), label="生活歴",
                                   required=False, widget=forms.Textarea(attrs={"rows": 3}))
    issues = forms.CharField(max_length=max_length_of(Assessment, "issues"), label="課題の整理",
                             widget=forms.Textarea(attrs={"rows": 3}))
    background = forms.CharField(max_length=max_length_of(Assessment, "background"), label="背景要因",
                                 required=False, widget=forms.Textarea(attrs={"rows": 2}))
    strengths = forms.CharField(max_length=max_length_of(Assessment, "strengths"), label="本人の強み",
                                required=False, widget=forms.Textarea(attrs={"rows": 2}))
    wishes = forms.CharField(max_length=max_length_of(Assessment, "wishes"), label="本人と家族の意向",
                             required=False, widget=forms.Textarea(attrs={"rows": 2}))
    situation = forms.CharField(max_length=max_length_of(Assessment, "situation"), label="本人・世帯の状況（概要）",
                                required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items=None, **kwargs):
        from .selectors import assessment_items

        super().__init__(*args, **kwargs)
        self.items = list(assessment_items() if items is None else items)
        limit = max_length_of(AssessmentAnswer, "text")
        situation_fields = {
            f"item_{item.pk}": forms.CharField(max_length=limit, label=f"本人の状況：{item.label}", required=False,
                                               help_text=item.help_text, widget=forms.Textarea(attrs={"rows": 2}))
            for item in self.items}
        # 本人の状況 first, as on the paper sheet.
        self.fields = {**situation_fields, **self.fields}

    def answers(self) -> dict:
        return {item: self.cleaned_data.get(f"item_{item.pk}", "") for item in self.items}

    def texts(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in
                ("household_situation", "life_history", "background", "wishes")}


class EvaluationForm(OnceFormMixin, JapaneseForm):
    """評価シート: the degree of each goal of the plan (長期目標, then each 短期目標), then the rest."""

    evaluated_on = EventDateField(label="評価日")
    overall = forms.CharField(max_length=max_length_of(Evaluation, "overall"), label="総合所見",
                              widget=forms.Textarea(attrs={"rows": 3}))
    decision = forms.ChoiceField(label="今後の方針（案）", choices=Decision.choices,
                                 help_text="プラン変更・終結・中断は、次の重層的支援会議で決定します")
    next_monitoring_on = EventDateField(label="次回モニタリングの時期（継続のとき）", required=False)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal_rows: list = [None, *(plan.short_goals.all() if plan is not None else [])]
        limit = max_length_of(EvaluationGoal, "change")
        goal_fields = {}
        for goal in self.goal_rows:
            key = "long" if goal is None else str(goal.pk)
            title = "長期目標" if goal is None else f"短期目標{goal.order}"
            text = (plan.goals if goal is None else goal.text) if plan is not None else ""
            goal_fields[f"degree_{key}"] = forms.ChoiceField(label=f"{title}の達成度", choices=Degree.choices,
                                                             help_text=text[:200])
            goal_fields[f"change_{key}"] = forms.CharField(max_length=limit, label=f"{title}：見られた変化",
                                                           required=False, widget=forms.Textarea(attrs={"rows": 2}))
        self.fields = {**goal_fields, **self.fields}

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.CONTINUE and not data.get("next_monitoring_on") \
                and "next_monitoring_on" not in self.errors:
            self.add_error("next_monitoring_on", "継続のときは次回モニタリングの時期を入力してください。")
        return data

    def goals(self) -> dict:
        rows = {}
        for goal in self.goal_rows:
            key = "long" if goal is None else str(goal.pk)
            rows[goal] = (self.cleaned_data.get(f"degree_{key}", ""), self.cleaned_data.get(f"change_{key}", ""))
        return rows


class StaffForm(OnceFormMixin, JapaneseForm):
    worker = forms.ModelChoiceField(label="担当に加える相談支援員", queryset=None)

    def __init__(self, *args, organisation_id: int | None = None, **kwargs):
        from municipality.models import User
        from municipality.roles import Role

        super().__init__(*args, **kwargs)
        workers = User.objects.filter(groups__name=Role.CASE_WORKER.value, is_active=True)
        if organisation_id is not None:  # a team lead assigns within the team's organisation
            workers = workers.filter(organisation_id=organisation_id)
        self.fields["worker"].queryset = workers


def _body_label(body) -> str:
    basis = legal_bases.get(body.basis) if body.basis in {c for c, _ in legal_bases.body_choices()} else None
    return f"{body.name}（{basis.label}／守秘義務：{basis.duty}）" if basis else body.name


class SupportMeetingForm(OnceFormMixin, JapaneseForm):
    """支援会議: of 社会福祉法第106条の6, or a meeting of an existing body (要対協 …) recorded as a 支援会議
    of that body; then every attendee's agency must be one of its members (checked by the service)."""

    held_on = EventDateField(label="開催日")
    body = forms.ModelChoiceField(
        label="会議体（既存の会議体の会議として開くとき）", queryset=None, required=False,
        empty_label="なし（社会福祉法第106条の6の支援会議）",
        help_text="選んだ会議体の構成機関だけが出席でき、出席者はその法律の守秘義務を負います。")
    users = forms.ModelMultipleChoiceField(
        label="出席した相談支援員（ログインできる方）", queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="所属の団体が関係機関として登録されている方は、その関係機関として出席したことになります。")
    attendees = forms.CharField(
        max_length=LIST_MAX, required=False,
        label="そのほかの出席者（1行に1人：氏名／所属）", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="所属は関係機関の名称のとおりに書いてください（会議体の会議では構成機関の名称）。",
    )
    confidentiality = forms.BooleanField(label="出席者全員に守秘義務を説明し、了承を得た", required=False)
    shared = forms.CharField(max_length=max_length_of(SupportMeeting, "shared"), label="共有した情報",
                             widget=forms.Textarea(attrs={"rows": 3}))
    policy = forms.CharField(max_length=max_length_of(SupportMeeting, "policy"), label="決定した支援方針",
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from municipality.models import User
        from municipality.roles import Role

        from .models import SharingBody

        super().__init__(*args, **kwargs)
        bodies = SharingBody.objects.filter(active=True).prefetch_related("members__organisation")
        self.fields["body"].queryset = bodies
        self.fields["body"].label_from_instance = _body_label
        self.fields["users"].queryset = (User.objects.filter(groups__name=Role.CASE_WORKER.value, is_active=True)
                                         .select_related("organisation").order_by("username"))
        default = legal_bases.get(legal_bases.SUPPORT_MEETING)
        duties = [f"{default.label}：守秘義務 {default.duty}"] + [
            f"{b.name}：{_body_label(b)}／構成機関：{'、'.join(str(a) for a in b.members.all())}" for b in bodies]
        self.fields["confidentiality"].help_text = "説明する守秘義務の条文 — " + "　".join(duties)

    def clean_attendees(self) -> str:
        text = self.cleaned_data.get("attendees", "")
        _check_lines(text, (("氏名", max_length_of(SupportMeetingAttendee, "name")),
                            ("所属", max_length_of(SupportMeetingAttendee, "organisation"))))
        return text

    @staticmethod
    def attendee_rows(cleaned_data: dict) -> list[dict]:
        """The attendees as the service takes them: users by login, others by name and 所属."""
        acknowledged = bool(cleaned_data.get("confidentiality"))
        rows: list[dict] = [{"user": user, "confidentiality_acknowledged": acknowledged}
                            for user in cleaned_data.get("users") or []]
        for line in (cleaned_data.get("attendees") or "").splitlines():
            if line.strip():
                name, _, organisation = line.replace("/", "／").partition("／")
                rows.append({"name": name.strip(), "organisation": organisation.strip() or "—",
                             "confidentiality_acknowledged": acknowledged})
        return rows


class RegionalIssueForm(OnceFormMixin, JapaneseForm):
    title = forms.CharField(label="地域の課題", max_length=200)
    description = forms.CharField(max_length=max_length_of(RegionalIssue, "description"), label="内容（個人を特定できる情報は書かない）",
                                  widget=forms.Textarea(attrs={"rows": 4}))


# --- 連携シート (referrals) ---


MEETING = "meeting"  # the form's choice: the basis is the deciding meeting's own


class ReferralForm(OnceFormMixin, JapaneseForm):
    """連携シート: only the items needed are shared; 氏名・年齢 and 主訴 are chosen to begin with."""

    agency = forms.ModelChoiceField(label="送付先の関係機関", queryset=Agency.objects.select_related("organisation"))
    purpose = forms.CharField(max_length=max_length_of(Referral, "purpose"), label="依頼の内容・目的",
                              widget=forms.Textarea(attrs={"rows": 3}))
    items = forms.MultipleChoiceField(
        label="共有する項目", choices=ReferralItem.choices, initial=REFERRAL_MINIMUM, widget=forms.CheckboxSelectMultiple,
        help_text="必要最小限の項目だけを選んでください。送付した時点の内容が送られ、後から変わりません。")
    basis = forms.ChoiceField(
        label="共有の根拠", initial=ReferralBasis.CONSENT, widget=forms.RadioSelect,
        choices=[(ReferralBasis.CONSENT, "本人の同意（同意の範囲にある関係機関へ）"),
                 (MEETING, "会議の決定（支援会議・会議体の会議で共有を決めたとき。その会議の根拠によります）")],
        help_text="本人の同意の範囲にない関係機関へは、支援会議（会議体の会議を含む）で共有を決めた場合だけ送れます。"
                  "送付先は、その会議の会議体の構成機関（会議体のない支援会議では出席した関係機関）に限ります。")
    consent = forms.ModelChoiceField(label="根拠とする本人同意（根拠が本人の同意のとき。空欄なら現在有効な同意から）",
                                     queryset=None, required=False)
    support_meeting = forms.ModelChoiceField(label="共有を決めた会議（根拠が会議の決定のとき）", queryset=None,
                                             required=False)

    def __init__(self, *args, case=None, **kwargs):
        from .models import Consent

        super().__init__(*args, **kwargs)
        meetings = (SupportMeeting.objects.filter(cases=case).select_related("body") if case is not None
                    else SupportMeeting.objects.none())
        self.fields["support_meeting"].queryset = meetings
        self.fields["support_meeting"].label_from_instance = (
            lambda m: f"{m}（{m.body.name if m.body_id else m.get_basis_display()}）")
        consents = Consent.objects.filter(case=case) if case is not None else Consent.objects.none()
        self.fields["consent"].queryset = consents.prefetch_related("agencies__organisation")
        self.fields["consent"].label_from_instance = (
            lambda c: f"{format_wareki(c.given_on)}の同意（{'、'.join(str(a) for a in c.agencies.all())}）"
                      + (f"・{format_wareki(c.withdrawn_on)}撤回" if c.withdrawn_on else ""))

    def service_basis(self) -> dict:
        """The basis as referral_send takes it: on a meeting's decision, that meeting's own basis."""
        d = self.cleaned_data
        if d["basis"] == ReferralBasis.CONSENT:
            return {"basis": ReferralBasis.CONSENT, "consent": d.get("consent"), "support_meeting": None}
        meeting = d.get("support_meeting")
        return {"basis": meeting.basis if meeting else ReferralBasis.SUPPORT_MEETING, "consent": None,
                "support_meeting": meeting}


class ReferralReturnForm(OnceFormMixin, JapaneseForm):
    reason = forms.CharField(max_length=max_length_of(Referral, "return_reason"), label="返戻の理由",
                             widget=forms.Textarea(attrs={"rows": 3}))


# --- 支援経過記録 (timeline) ---

class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class TimelineEntryForm(OnceFormMixin, JapaneseForm):
    """支援経過記録: one contact."""

    contact_on = EventDateField(label="日付")
    contact_time = forms.TimeField(label="時刻", widget=TimeInput)
    method = forms.ChoiceField(label="方法", choices=ContactMethod.choices)
    with_whom = forms.CharField(label="相手（例：本人・長女・地域包括支援センター）",
                                max_length=max_length_of(TimelineEntry, "with_whom"), required=False)
    agency = forms.ModelChoiceField(label="相手の関係機関（登録済みのとき）", required=False,
                                    queryset=Agency.objects.select_related("organisation"))
    content = forms.CharField(label="内容", max_length=max_length_of(TimelineEntry, "content"),
                              widget=forms.Textarea(attrs={"rows": 5}))
    next_step = forms.CharField(label="今後の対応", max_length=max_length_of(TimelineEntry, "next_step"),
                                required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step_on = EventDateField(label="次の対応の予定日", required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("with_whom") or "").strip() and not data.get("agency"):
            self.add_error("with_whom", "相手を入力するか、関係機関を選んでください。")
        return data

    def entry_values(self) -> dict:
        import datetime as dt

        from django.utils import timezone

        d = self.cleaned_data
        return {
            "contact_at": timezone.make_aware(dt.datetime.combine(d["contact_on"], d["contact_time"])),
            "method": d["method"], "with_whom": d["with_whom"], "agency": d["agency"], "content": d["content"],
            "next_step": d["next_step"], "next_step_on": d["next_step_on"],
        }

    @classmethod
    def initial_from(cls, entry) -> dict:
        from django.utils import timezone

        local = timezone.localtime(entry.contact_at)
        return {"contact_on": local.date(), "contact_time": local.time().replace(second=0, microsecond=0),
                "method": entry.method, "with_whom": entry.with_whom, "agency": entry.agency_id,
                "content": entry.content, "next_step": entry.next_step, "next_step_on": entry.next_step_on}


class TimelinePeriodForm(JapaneseForm):
    """The period of the 支援経過 PDF (GET: reading, not a change)."""

    start = EventDateField(label="期間の初め")
    end = EventDateField(label="期間の終わり")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("期間の初めが終わりより後になっています。日付を確かめてください。")
        return data


# --- Team lead: urgency and duplicates at intake ---

class UrgencyForm(OnceFormMixin, JapaneseForm):
    reason = forms.CharField(max_length=max_length_of(CaseUrgency, "reason"), label="緊急とする理由", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="チームの相談支援管理者にすぐ知らせ、支援会議の開催期限を設けます。")


class UrgencyClearForm(OnceFormMixin, JapaneseForm):
    note = forms.CharField(max_length=max_length_of(CaseUrgency, "clear_note"), label="解除の理由", widget=forms.Textarea(attrs={"rows": 3}))


class DuplicateDecisionForm(OnceFormMixin, JapaneseForm):
    decision = forms.ChoiceField(label="判断", widget=forms.RadioSelect, choices=[
        ("linked", "同一人物として既存のケースに紐付ける（記録は両方残し、同意は既存のケースのものに従う）"),
        ("different", "別人と確認した"),
    ])


# --- 参加支援 and the 重層的支援会議 on a 地域生活課題 (issue 13, items 5 and 7) ---

def _case_workers():
    from municipality.models import User
    from municipality.roles import Role

    return User.objects.filter(groups__name=Role.CASE_WORKER.value, is_active=True)


def _daily_life_areas():
    from municipality.models import Area

    return Area.objects.filter(is_active=True).exclude(layer=1).order_by("layer", "sort_order", "code")


class ParticipationSupportForm(OnceFormMixin, JapaneseForm):
    """参加支援: a 社会資源 for the person, and optionally a request to the area's coordinator."""

    resource = forms.ModelChoiceField(
        label="つなぐ社会資源（社会資源の一覧から）", queryset=None, required=False,
        help_text=term("まだ見つかっていないときは空欄にして、コーディネーターに依頼できます。"))
    note = forms.CharField(max_length=max_length_of(ParticipationSupport, "note"),
                           label="参加支援の内容（ケース記録。本人の意向・ねらいなど）", widget=forms.Textarea(attrs={"rows": 3}))
    ask = forms.BooleanField(label=term("区域の生活支援コーディネーターに協力を依頼する（地域ニーズとして登録）"), required=False)
    area = forms.ModelChoiceField(label="依頼する区域", queryset=None, required=False)
    need_title = forms.CharField(label="依頼するニーズ（件名）", max_length=200, required=False)
    need_description = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        label=term("依頼の内容（コーディネーターに見えます）"),
        help_text=term("本人や世帯員の氏名・ふりがな・住所など、個人が特定できることは書けません。ケースの情報はコーディネーターに一切見えません。"))

    def __init__(self, *args, **kwargs):
        from activities.models import ResourceStatus, SocialResource

        super().__init__(*args, **kwargs)
        # The whole register: 参加支援 looks city-wide for a place the person can take part in.
        self.fields["resource"].queryset = SocialResource.objects.filter(
            status__in=[ResourceStatus.ACTIVE, ResourceStatus.PLANNED]).select_related("area")
        self.fields["resource"].label_from_instance = lambda r: f"{r.name}（{r.area.name}）"
        self.fields["area"].queryset = _daily_life_areas()

    def clean(self):
        data = super().clean()
        if data.get("ask"):
            if not data.get("area"):
                self.add_error("area", "依頼する区域を選んでください。")
            if not (data.get("need_title") or "").strip():
                self.add_error("need_title", "依頼するニーズ（件名）を入力してください。")
        return data

    def need_request(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("ask"):
            return None
        return {"area": d["area"], "title": d["need_title"], "description": d["need_description"]}


class AreaConferenceForm(OnceFormMixin, JapaneseForm):
    held_on = EventDateField(label="開催日")
    area = forms.ModelChoiceField(label="区域（任意）", queryset=None, required=False)
    issue = forms.CharField(max_length=max_length_of(AreaConference, "issue"), label="検討した地域生活課題",
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="個人が特定できる情報（氏名・ふりがな・住所など）は書けません。")
    decisions = forms.CharField(max_length=max_length_of(AreaConference, "decisions"),
                                label="決定したこと・社会資源の開発等に向けた取組", widget=forms.Textarea(attrs={"rows": 4}))
    attendees = forms.ModelMultipleChoiceField(
        label="出席した相談支援員", queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="出席者はこの会議の記録を見られるようになります。")
    agencies = forms.ModelMultipleChoiceField(
        label="出席した関係機関", queryset=Agency.objects.select_related("organisation"), required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        from municipality.models import Area

        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(is_active=True)  # the city as a whole included
        self.fields["attendees"].queryset = _case_workers()


class EvacuationListingForm(OnceFormMixin, JapaneseForm):
    """避難行動要支援者名簿への掲載と、避難支援等関係者への提供についての本人の同意."""

    agreed_on = EventDateField(label="同意日")
    method = forms.ChoiceField(label="同意の方法", choices=ConsentMethod.choices)
    reason = forms.CharField(max_length=max_length_of(EvacuationListing, "reason"), label="避難支援等を必要とする事由",
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="例：要介護3で一人での避難が難しい。名簿に載る内容です。")
    recipients = forms.MultipleChoiceField(label="提供に同意した避難支援等関係者", choices=EvacuationRecipient.choices,
                                           widget=forms.CheckboxSelectMultiple)


class EvacuationExportForm(OnceFormMixin, JapaneseForm):
    recipient = forms.ChoiceField(label="提供先（避難支援等関係者）", choices=EvacuationRecipient.choices)
# --- Unmasked outputs (issue 14, item 2) ---

class OutputApprovalForm(OnceFormMixin, JapaneseForm):
    """マスクなしで出力を申請: the fields depend on the output (its record, its period, its items)."""

    target = forms.TypedChoiceField(label="対象の記録", coerce=int, required=False)
    period_start = EventDateField(label="期間（から）", required=False)
    period_end = EventDateField(label="期間（まで）", required=False)
    items = forms.MultipleChoiceField(label="マスクを外す項目（要配慮個人情報）", widget=forms.CheckboxSelectMultiple,
                                      required=False, help_text="必要な項目だけを選んでください。")
    recipient = forms.CharField(label="提供先・利用先", max_length=200,
                                help_text="例：〇〇家庭裁判所、本人（開示請求）、〇〇病院の医療ソーシャルワーカー")
    purpose = forms.CharField(label="目的（なぜマスクなしの出力が必要か）", max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.ChoiceField(label="根拠")
    consent = forms.ModelChoiceField(label="根拠とする本人同意（根拠が本人の同意のとき）", queryset=None, required=False)
    agency = forms.ModelChoiceField(
        label="提供先の関係機関", queryset=Agency.objects.select_related("organisation"), required=False,
        help_text="本人の同意が根拠のときは同意の範囲の関係機関、法定の会議体が根拠のときはその構成機関を選びます。")

    def __init__(self, *args, case: Case, output: str, **kwargs) -> None:
        import datetime as dt

        from django.utils import timezone

        from . import legal_bases
        from .masking import SELF_DISCLOSURE, item_choices
        from .models import OUTPUTS_OF_A_RECORD, Consent, current_consent_q

        super().__init__(*args, **kwargs)
        self.output = output
        if output in OUTPUTS_OF_A_RECORD:
            self.fields["target"].required = True
            self.fields["target"].choices = [("", "選んでください"), *self._targets(case, output)]
        else:
            del self.fields["target"]
        if output != "timeline":
            del self.fields["period_start"], self.fields["period_end"]
        else:
            self.fields["period_start"].required = self.fields["period_end"].required = True
        if output == SELF_DISCLOSURE:
            del self.fields["items"], self.fields["agency"]
            self.fields["basis"].choices = [(legal_bases.DISCLOSURE_REQUEST, legal_bases.label(legal_bases.DISCLOSURE_REQUEST))]
            self.fields["recipient"].initial = "本人（開示請求）"
        else:
            self.fields["items"].choices = item_choices(output)
            self.fields["basis"].choices = [("", "選んでください"), *(
                (code, label) for code, label in legal_bases.sharing_choices())]
        today: dt.date = timezone.localdate()
        self.fields["consent"].queryset = Consent.objects.filter(current_consent_q(today), case=case)
        self.fields["consent"].label_from_instance = lambda c: f"{format_wareki(c.given_on)} の同意（{c.get_method_display()}）"

    @staticmethod
    def _targets(case: Case, output: str) -> list[tuple[int, str]]:
        if output == "assessment":
            return [(a.pk, f"アセスメント第{a.version}版") for a in case.assessments.only("pk", "version")]
        if output == "evaluation":
            return [(e.pk, f"評価（{format_wareki(e.evaluated_on)}・プラン第{e.plan.version}版）")
                    for e in Evaluation.objects.filter(plan__case=case).select_related("plan")]
        return [(r.pk, f"連携シート {r.pk}（{r.agency}・{format_wareki(timezone.localdate(r.sent_at))}）")
                for r in case.referrals.select_related("agency__organisation")]

    def clean(self):
        data = super().clean()
        if self.output != "self_disclosure" and "items" in self.fields and not data.get("items") \
                and "items" not in self.errors:
            self.add_error("items", "マスクを外す項目を一つ以上選んでください。")
        if data.get("basis") == "consent" and not data.get("consent"):
            self.add_error("consent", "根拠とする本人同意を選んでください（今日有効な同意がなければ、この根拠は使えません）。")
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise forms.ValidationError("期間の初めが終わりより後になっています。日付を確かめてください。")
        return data


class ApprovalDecisionForm(JapaneseForm):
    decision = forms.ChoiceField(label="判断", choices=[("grant", "承認する"), ("refuse", "承認しない")])
    note = forms.CharField(label="理由・条件（承認しないときは必須）", max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
