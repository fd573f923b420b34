from __future__ import annotations

from django import forms
from django.core.files.base import ContentFile
from django.utils import timezone

from municipality.forms import BirthDateField, EventDateField, JapaneseForm, max_length_of
from municipality.models import Area
from municipality.once import OnceFormMixin
from municipality.terms import term

from .models import AppointmentNotice, Contract, ContractStatus, Coordinator, DismissalNotice
from .photos import MAX_UPLOAD_BYTES, clean_photo


class AppointmentNoticeForm(OnceFormMixin, JapaneseForm):
    """様式第1号 as a web form; the service checks the rules, this form only the input."""

    contract = forms.ModelChoiceField(label="委託契約", queryset=Contract.objects.none())
    areas = forms.ModelMultipleChoiceField(
        label="担当区域", queryset=Area.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="委託契約の区域から選びます。",
    )
    existing = forms.ModelChoiceField(
        label="登録済みの方を選任する場合", queryset=Coordinator.objects.none(), required=False,
        help_text="新しい方を選任する場合は空欄のまま、下の「選任した者」を入力してください。",
    )
    job_title = forms.CharField(label="職名", max_length=100, required=False)
    name = forms.CharField(label="氏名", max_length=100, required=False)
    name_kana = forms.CharField(label="氏名（ふりがな）", max_length=100, required=False)
    birth_date = BirthDateField(label="生年月日", required=False)
    appointed_on = EventDateField(label="選任年月日")
    reason = forms.CharField(label="選任事由", max_length=max_length_of(AppointmentNotice, "reason"),
                             widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.ImageField(
        label="写真（縦3.0cm×横2.4cm の証明写真）", required=False,
        help_text=f"JPEG または PNG、{MAX_UPLOAD_BYTES // (1024 * 1024)}MB まで。証の交付に必要です。",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def __init__(self, *args, user, kept_photo: bytes | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        #: The photo sent with this form before it was shown again (coordinators/photos.py).
        self.kept_photo = kept_photo
        contracts = Contract.objects.visible_to(user).filter(
            status=ContractStatus.ACTIVE, organisation_id=user.organisation_id
        )
        self.fields["contract"].queryset = contracts.select_related("organisation")
        self.fields["areas"].queryset = Area.objects.filter(contracts__in=contracts).distinct().order_by(
            "sort_order", "code"
        )
        self.fields["existing"].queryset = Coordinator.objects.visible_to(user).filter(
            employer_id=user.organisation_id
        )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:  # a new choice replaces a kept photo
            return clean_photo(photo)
        if self.kept_photo:
            return ContentFile(self.kept_photo, name="photo.jpg")
        return None

    def clean(self):
        data = super().clean()
        if not data.get("existing"):
            missing = [self.fields[f].label for f in ("name", "name_kana", "birth_date") if not data.get(f)]
            if missing:
                raise forms.ValidationError(
                    "新しい方を選任する場合は、" + "・".join(missing) + "を入力してください。"
                )
            if data["birth_date"] >= timezone.localdate():
                self.add_error("birth_date", "生年月日が正しくありません。")
        return data


class DismissalNoticeForm(OnceFormMixin, JapaneseForm):
    dismissed_on = EventDateField(label="解任年月日")
    reason = forms.CharField(label="解任事由", max_length=max_length_of(DismissalNotice, "reason"),
                             widget=forms.Textarea(attrs={"rows": 3}))
    certificate_returned = forms.BooleanField(
        label=term("コーディネーター証を添付して返還する"), required=False, initial=True,
        help_text="証を紛失しているなどで返還できない場合はチェックを外してください（市から連絡します）。",
    )
