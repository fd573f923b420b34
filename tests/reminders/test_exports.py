"""The download of the log of mail (メール送信の記録): what the admin's list shows, so never a case
reminder, and neither bodies nor links."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from reminders.models import CASE_REASONS, Delivery, DeliveryStatus, Reason

pytestmark = pytest.mark.django_db


def test_the_log_of_mail_exports_without_case_reminders_or_bodies(client, city_user):
    Delivery.objects.create(recipient="a@example.jp", reason=Reason.VACANCY, object_key="x:1", step="1",
                            subject="欠員のお知らせ", body="本文の秘密", url="/meetings/rsvp/secret/",
                            status=DeliveryStatus.SENT, attempts=1,
                            created_at=dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.UTC),
                            sent_at=dt.datetime(2026, 11, 20, 1, 5, tzinfo=dt.UTC))
    for reason in CASE_REASONS:
        Delivery.objects.create(recipient="w@example.jp", reason=reason, object_key=f"case:{reason}", step="1",
                                subject=f"ケース {reason}", body="ケースの本文")
    client.force_login(city_user)
    url = reverse("admin:reminders_delivery_changelist")
    for params, encoding in (({"_export": "csv"}, "utf-8-sig"), ({"_export": "csv_cp932"}, "cp932")):
        response = client.get(url, params)
        assert response.status_code == 200
        text = response.content.decode(encoding)
        assert "ケース" not in text and "本文の秘密" not in text and "rsvp" not in text
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["作成日時", "送信日時", "宛先", "件名", "理由", "状態", "試行回数"]
        assert rows[1][1:] == ["令和8年11月20日 10:05", "a@example.jp", "欠員のお知らせ", Reason.VACANCY.label,
                               DeliveryStatus.SENT.label, "1"]
    # Ticking every row of the list exports the same rows.
    response = client.post(url, {"action": "export_csv", "select_across": "1", "index": "0",
                                 "_selected_action": ["0"]})
    assert "ケース" not in response.content.decode("utf-8-sig")


def test_only_city_staff_export_the_log_of_mail(client, contractor_a):
    contractor_a.is_staff = True
    contractor_a.save()
    client.force_login(contractor_a)
    assert client.get(reverse("admin:reminders_delivery_changelist"), {"_export": "csv"}).status_code == 403
