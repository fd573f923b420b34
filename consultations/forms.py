from __future__ import annotations

from django import forms

from municipality.forms import BirthDateField, EventDateField, JapaneseForm, max_length_of
from municipality.once import OnceFormMixin

from .models import (
    Agency,
    Assessment,
    AssessmentAnswer,
    Case,
    CaseConference,
    ConsentMethod,
    Decision,
    Degree,
    Domain,
    Evaluation,
    EvaluationGoal,
    HouseholdMember,
    PlanGoal,
    RegionalIssue,
    Route,
    SupportItem,
    SupportMeeting,
    SupportMeetingAttendee,
    SupportPlan,
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


class ConferenceForm(OnceFormMixin, JapaneseForm):
    timing = forms.ChoiceField(label="開催時期", choices=Timing.choices)
    held_on = EventDateField(label="開催日")
    attendees = forms.ModelMultipleChoiceField(
        label="出席した相談支援員", queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="出席者はこの会議の記録を見られるようになります（閲覧は記録されます）。")
    agencies = forms.ModelMultipleChoiceField(
        label="出席した関係機関（本人の同意の範囲から）", queryset=Agency.objects.select_related("organisation"),
        required=False, widget=forms.CheckboxSelectMultiple)
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

        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = User.objects.filter(groups__name=Role.CASE_WORKER.value, is_active=True)


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

    def __init__(self, *args, **kwargs):
        from municipality.models import User
        from municipality.roles import Role

        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = User.objects.filter(groups__name=Role.CASE_WORKER.value, is_active=True)


class SupportMeetingForm(OnceFormMixin, JapaneseForm):
    held_on = EventDateField(label="開催日")
    attendees = forms.CharField(
        max_length=LIST_MAX,
        label="出席者（1行に1人：氏名／所属）", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="出席者全員に、社会福祉法第106条の6による守秘義務を説明してください。",
    )
    confidentiality = forms.BooleanField(label="出席者全員に守秘義務を説明し、了承を得た", required=False)
    shared = forms.CharField(max_length=max_length_of(SupportMeeting, "shared"), label="共有した情報",
                             widget=forms.Textarea(attrs={"rows": 3}))
    policy = forms.CharField(max_length=max_length_of(SupportMeeting, "policy"), label="決定した支援方針",
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean_attendees(self) -> str:
        text = self.cleaned_data.get("attendees", "")
        _check_lines(text, (("氏名", max_length_of(SupportMeetingAttendee, "name")),
                            ("所属", max_length_of(SupportMeetingAttendee, "organisation"))))
        return text

    @staticmethod
    def attendee_rows(cleaned_data: dict) -> list[dict]:
        rows = []
        for line in cleaned_data["attendees"].splitlines():
            if line.strip():
                name, _, organisation = line.replace("/", "／").partition("／")
                rows.append({"name": name.strip(), "organisation": organisation.strip() or "—",
                             "confidentiality_acknowledged": bool(cleaned_data.get("confidentiality"))})
        return rows


class RegionalIssueForm(OnceFormMixin, JapaneseForm):
    title = forms.CharField(label="地域の課題", max_length=200)
    description = forms.CharField(max_length=max_length_of(RegionalIssue, "description"), label="内容（個人を特定できる情報は書かない）",
                                  widget=forms.Textarea(attrs={"rows": 4}))
