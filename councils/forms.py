from __future__ import annotations

from django import forms

from municipality.forms import DateInput, EventDateField, JapaneseForm, JapaneseModelForm, max_length_of
from municipality.once import OnceFormMixin

from .models import CommunityIssue, Council, Meeting, Person, Topic

AGENDA_LINES = 5


class TimeInput(forms.TimeInput):
    input_type = "time"


class MeetingForm(OnceFormMixin, JapaneseModelForm):
    """Schedule a meeting with up to five agenda items, each tagged with a 第12条 topic."""

    class Meta:
        model = Meeting
        fields = ["title", "date", "start_time", "end_time", "place", "is_public", "closed_reason", "public_seats"]
        widgets = {"date": DateInput(), "start_time": TimeInput(format="%H:%M"), "end_time": TimeInput(format="%H:%M")}
        labels = {"is_public": "公開する"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, AGENDA_LINES + 1):
            self.fields[f"agenda_{i}"] = forms.CharField(label=f"議題{i}", required=i == 1, max_length=300)
            self.fields[f"topic_{i}"] = forms.ChoiceField(label=f"議題{i}の第12条の事項", choices=Topic.choices,
                                                          required=False)

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", "終了時刻は開始時刻より後にしてください。")
        if data.get("is_public") is False and not data.get("closed_reason", "").strip():
            self.add_error("closed_reason", "非公開にする場合は、その理由を入力してください。")
        if data.get("is_public") and data.get("public_seats") == 0:
            self.add_error("public_seats", "傍聴席を設けない場合は空欄にしてください（公開の会議で0席とはしません）。")
        return data

    def agenda(self) -> list[tuple[str, str]]:
        return [(self.cleaned_data[f"agenda_{i}"], self.cleaned_data[f"topic_{i}"] or Topic.T6)
                for i in range(1, AGENDA_LINES + 1) if self.cleaned_data.get(f"agenda_{i}")]


class MinutesForm(JapaneseModelForm):
    class Meta:
        model = Meeting
        fields = ["minutes", "decisions", "outline"]


class PersonFields(JapaneseForm):
    name = forms.CharField(label="氏名", max_length=100)
    name_kana = forms.CharField(label="氏名（ふりがな）", max_length=100, required=False)
    email = forms.EmailField(label="メールアドレス", required=False, max_length=max_length_of(Person, "email"),
                             help_text="ない場合は空欄（通知は郵送用に印刷します）")
    postal_code = forms.CharField(label="郵便番号", max_length=10, required=False)
    address = forms.CharField(label="住所（通知の送付先）", max_length=200, required=False)

    def person_values(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "name_kana", "email", "postal_code", "address")}


class MemberForm(OnceFormMixin, PersonFields):
    organisation = forms.ModelChoiceField(label="選出団体", queryset=None)
    start = EventDateField(label="任期の始まり")

    def __init__(self, *args, **kwargs):
        from municipality.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")


class GuestForm(OnceFormMixin, PersonFields):
    pass


class CommunityIssueForm(OnceFormMixin, JapaneseModelForm):
    """A 地域課題 found at a 地域ケア会議: what it is, where, and the council to take it to."""

    class Meta:
        model = CommunityIssue
        fields = ["title", "description", "area", "council"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any council may be named: their names are public (meeting pages); its secretariat then sees the issue.
        self.fields["council"].queryset = Council.objects.order_by("layer", "name")
        self.fields["area"].required = False
