from __future__ import annotations

from django import forms
from django.utils import timezone

from municipality.forms import (
    DateInput,
    EventDateField,
    JapaneseForm,
    JapaneseModelForm,
    LongModelMultipleChoiceField,
    LongSelectMultiple,
    max_length_of,
)
from municipality.models import Area, Organisation
from municipality.once import OnceFormMixin

from .models import Activity, ActivityCategory, Function, Match, MonthlyReport, Need, SocialResource

MINUTE_CHOICES = [(15, "15分"), (30, "30分"), (45, "45分"), (60, "1時間"), (90, "1時間30分"), (120, "2時間"),
                  (180, "3時間"), (240, "4時間"), (360, "6時間"), (480, "8時間")]


class ActivityForm(OnceFormMixin, JapaneseForm):
    """Quick to fill on a phone: the first five fields are all a usual entry needs."""

    date = EventDateField(label="活動日")
    minutes = forms.TypedChoiceField(label="時間", choices=MINUTE_CHOICES, coerce=int, initial=60)
    area = forms.ModelChoiceField(label="区域", queryset=Area.objects.none(), empty_label=None)
    cross_area = forms.BooleanField(
        label="区域を越えた連携", required=False,
        help_text="担当区域以外の区域で、区域を越えて連携・協力した活動のときに印を付け、その区域を選んでください",
    )
    home_area = forms.ModelChoiceField(label="自分の担当区域（連携元）", queryset=Area.objects.none(), required=False,
                                       empty_label="選んでください")
    category = forms.ModelChoiceField(label="活動の項目", queryset=ActivityCategory.objects.none())
    narrative = forms.CharField(label="内容", max_length=max_length_of(Activity, "narrative"),
                                widget=forms.Textarea(attrs={"rows": 3}))
    participants = forms.IntegerField(label="参加人数", min_value=0, max_value=9999, required=False, initial=0)
    follow_up_on = EventDateField(label="次の対応日", required=False)
    organisations = LongModelMultipleChoiceField(
        label="関わった団体", queryset=Organisation.objects.none(), required=False,
        widget=LongSelectMultiple(attrs={"size": 5}),
    )
    resources = forms.ModelMultipleChoiceField(
        label="関わった社会資源", queryset=SocialResource.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    community_issue = forms.ModelChoiceField(
        label="取り組む地域課題（資源開発の活動のとき）", queryset=Activity.objects.none(), required=False,
        help_text="地域ケア会議で把握された地域課題に取り組む活動なら選びます",
    )

    def __init__(self, *args, areas: list[Area], user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        own = [a.pk for a in areas]
        # Other areas (for cooperation across areas, 茅ヶ崎 第8条2項): the active areas beside the
        # coordinator's own (under the same parent), not every area of the city.
        others = list(Area.objects.filter(is_active=True, parent__in=[a.parent_id for a in areas if a.parent_id])
                      .exclude(pk__in=own).order_by("sort_order", "code"))
        self.fields["area"].queryset = Area.objects.filter(pk__in=own + [a.pk for a in others])
        self.fields["area"].choices = [("担当区域", [(a.pk, a.name) for a in areas])] + (
            [("他の区域（区域を越えた連携のとき）", [(a.pk, a.name) for a in others])] if others else [])
        self.fields["home_area"].queryset = Area.objects.filter(pk__in=own)
        if len(areas) < 2:  # the one area they have is filled in by the service
            del self.fields["home_area"]
        categories = ActivityCategory.objects.filter(is_active=True)
        self.fields["category"].queryset = categories
        self.fields["category"].choices = [("", "選んでください")] + [
            (label, [(c.pk, str(c)) for c in categories if c.function == value]) for value, label in Function.choices
        ]
        self.fields["organisations"].queryset = Organisation.objects.order_by("name")
        self.fields["resources"].queryset = SocialResource.objects.visible_to(user).filter(
            area__in=[a.pk for a in areas]
        )
        # The councils' model, reached through the foreign key (activities does not import councils).
        issues = Activity._meta.get_field("community_issue").related_model._default_manager
        self.fields["community_issue"].queryset = issues.visible_to(user).order_by("-created_at")

    def clean_participants(self):
        return self.cleaned_data.get("participants") or 0

    def service_values(self) -> dict:
        """What ``services.activity_log`` and ``activity_update`` take, from the cleaned form."""
        data = self.cleaned_data
        return {
            "date": data["date"], "minutes": data["minutes"], "area": data["area"], "category": data["category"],
            "cross_area": data["cross_area"], "home_area": data.get("home_area"),
            "participants": data["participants"], "narrative": data["narrative"],
            "follow_up_on": data.get("follow_up_on"), "community_issue": data.get("community_issue"),
            "organisations": data.get("organisations") or [], "resources": data.get("resources") or [],
        }


class SocialResourceForm(OnceFormMixin, JapaneseModelForm):
    class Meta:
        model = SocialResource
        fields = ["name", "provider_kind", "area", "offers", "contact", "status",
                  "is_public", "public_description", "public_window", "public_phone"]
        widgets = {"public_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        # These two stay inside the portal: the public directory shows only the 公開用 fields below.
        self.fields["offers"].help_text = "関係者向けの内容です（社会資源一覧（公開）には表示されません）。"
        self.fields["contact"].help_text = "関係者向けの連絡先です（公開されません）。"


class NeedForm(OnceFormMixin, JapaneseModelForm):
    class Meta:
        model = Need
        fields = ["title", "area", "raised_by", "raised_on", "description", "status"]
        widgets = {"raised_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["raised_on"].initial = timezone.localdate()


class MatchForm(OnceFormMixin, JapaneseModelForm):
    class Meta:
        model = Match
        fields = ["resource", "matched_on", "outcome", "note"]
        widgets = {"matched_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources
        self.fields["matched_on"].initial = timezone.localdate()


class ReturnForm(JapaneseForm):
    comment = forms.CharField(label="差戻しの理由", max_length=max_length_of(MonthlyReport, "comment"),
                              widget=forms.Textarea(attrs={"rows": 3}))
