from __future__ import annotations

from django import forms
from django.utils import timezone

from municipality.forms import DateInput, EventDateField, JapaneseForm, JapaneseModelForm, max_length_of
from municipality.once import OnceFormMixin

from .models import ApprovedAs, CommunityIssue, Council, Meeting, Person, Topic

AGENDA_LINES = 5


class TimeInput(forms.TimeInput):
    input_type = "time"


class MeetingForm(OnceFormMixin, JapaneseModelForm):
    """Schedule a meeting with up to five agenda items, each tagged with a 第12条 topic."""

    class Meta:
        model = Meeting
        fields = ["title", "date", "start_time", "end_time", "place", "is_public", "closed_reason", "public_seats",
                  "reminders_off", "reminder_days", "contact_name", "contact_phone", "contact_email"]
        widgets = {"date": DateInput(), "start_time": TimeInput(format="%H:%M"), "end_time": TimeInput(format="%H:%M")}
        labels = {"is_public": "公開する"}

    past_date_confirmed = forms.BooleanField(
        label="過去の日付のまま登録する", required=False,
        help_text="開催日が今日より前のとき（開催済みの会議を記録するとき）にチェックします")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["reminder_days"].help_text = (
            "例：7,1（空欄なら既定の " + ",".join(str(d) for d in settings.REMINDER_MEETING_DAYS) + " 日前）")
        self.order_fields([*self.Meta.fields[:8], "past_date_confirmed", *self.Meta.fields[8:]])
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
        if data.get("date") and data["date"] < timezone.localdate() and not data.get("past_date_confirmed"):
            # A warning, not a refusal: a meeting already held may be recorded after the fact.
            self.add_error("past_date_confirmed", "開催日が過去の日付です。開催済みの会議を記録する場合は、"
                                                  "「過去の日付のまま登録する」にチェックしてください。")
        data.pop("past_date_confirmed", None)
        return data

    def agenda(self) -> list[tuple[str, str]]:
        return [(self.cleaned_data[f"agenda_{i}"], self.cleaned_data[f"topic_{i}"] or Topic.T6)
                for i in range(1, AGENDA_LINES + 1) if self.cleaned_data.get(f"agenda_{i}")]


class MinutesForm(JapaneseModelForm):
    class Meta:
        model = Meeting
        fields = ["minutes", "decisions", "outline"]


class MinutesSendForm(OnceFormMixin, JapaneseForm):
    """Send the draft minutes to the attendees, to confirm by a deadline."""

    confirm_by = EventDateField(label="確認の期限")


class MinutesApproveForm(OnceFormMixin, JapaneseForm):
    approved_as = forms.ChoiceField(label="承認", choices=ApprovedAs.choices, widget=forms.RadioSelect,
                                    initial=ApprovedAs.CHAIR)
    correction_reason = forms.CharField(label="訂正の理由（訂正版のとき）", max_length=200, required=False)


class MinutesStepForm(OnceFormMixin, JapaneseForm):
    """Publish, or open a correction: a button and the one-time token."""


class MinutesAnswerForm(JapaneseForm):
    correction = forms.CharField(label="訂正の内容（訂正がなければ空欄）", max_length=2000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 5}))


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


class PaperForm(OnceFormMixin, JapaneseForm):
    """Attach a paper (資料) to a meeting or one of its agenda items, or replace one already there."""

    file = forms.FileField(label="ファイル", allow_empty_file=False, max_length=200,
                           help_text="PDF、Excel（xlsx）、Word（docx）、画像（PNG・JPEG）")
    title = forms.CharField(label="資料名", max_length=200, required=False,
                            help_text="空欄のときはファイル名を資料名にします")
    agenda_item = forms.ModelChoiceField(label="議題", queryset=None, required=False,
                                         empty_label="会議全体の資料（議題を選ばない）")
    is_public = forms.BooleanField(label="公開資料にする（会議のページで誰でも見られます）", required=False)
    replaces = forms.ModelChoiceField(label="差し替える資料", queryset=None, required=False,
                                      empty_label="差し替えない（新しい資料として追加）")
    reason = forms.CharField(label="差し替えの理由", max_length=300, required=False)

    def __init__(self, *args, meeting: Meeting | None = None, **kwargs):
        from django.conf import settings

        from .models import AgendaItem, Paper
        from .paper_files import size_text

        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += f"。1つ {size_text(settings.MEETING_PAPER_MAX_BYTES)} まで"
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(meeting=meeting) if meeting else \
            AgendaItem.objects.none()
        self.fields["replaces"].queryset = Paper.objects.current().filter(meeting=meeting) if meeting else \
            Paper.objects.none()
        self.fields["replaces"].label_from_instance = lambda paper: paper.title  # no query per choice
        if meeting is not None and not meeting.is_public:
            del self.fields["is_public"]  # a closed meeting's papers are never public


class PaperRemoveForm(JapaneseForm):
    reason = forms.CharField(label="取り下げの理由", max_length=300, required=False)
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
