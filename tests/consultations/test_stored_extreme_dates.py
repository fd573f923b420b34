"""A case saved before the range check (year 1, year 9999) still prints: its page, its PDFs, the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from consultations import services as case_services
from consultations.models import Case, Consent, ConsentMethod, HouseholdMember
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

EXTREMES = [dt.date(1, 1, 1), dt.date(9999, 12, 31)]


@pytest.mark.parametrize("day", EXTREMES, ids=str)
def test_the_case_page_and_its_pdfs_print_stored_extreme_dates(client, day):
    worker = UserFactory(username="worker", roles=["相談支援員"])
    agency = AgencyFactory()
    case = case_services.case_open(
        received_on=dt.date(2026, 5, 10), route="phone", domains=["elderly"], person_name="山田 花子",
        presenting_problems="相談", by=worker, agencies=[agency],
    )
    Case.objects.filter(pk=case.pk).update(received_on=day, person_birth_date=day)
    HouseholdMember.objects.create(case=case, name="山田 一郎", relation="長男", birth_date=day)
    consent = Consent.objects.create(case=case, given_on=day, method=ConsentMethod.WRITTEN, expires_on=day,
                                     recorded_by=worker)
    consent.agencies.set([agency])
    client.force_login(worker)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    for kind in ("intake", "plan", "conferences"):
        response = client.get(reverse("cases:pdf", args=[case.pk, kind]))
        assert response.status_code == 200, kind
        assert response.content.startswith(b"%PDF")
    assert client.get(reverse("cases:list")).status_code == 200


@pytest.mark.parametrize(("field", "value", "message"), [
    ("received_on", "9999-12-31", "2000年から2100年までの日付"),
    ("received_on", "0001-01-01", "2000年から2100年までの日付"),
    ("person_birth_date", "0001-01-01", "明治元年"),
    ("person_birth_date", "9999-12-31", "明治元年"),
    ("presenting_problems", "あ" * 4001, "4000 文字以下"),
])
def test_the_intake_form_refuses_impossible_input_and_saves_nothing(client, field, value, message):
    worker = UserFactory(username="worker", roles=["相談支援員"])
    client.force_login(worker)
    data = {"received_on": "2026-05-10", "route": "phone", "domains": ["elderly"], "person_name": "山田 花子",
            "presenting_problems": "相談", field: value}
    response = client.post(reverse("cases:intake"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Case.objects.exists()
