"""The audit log holds no personal data of a case: a whole case through the portal, then every
column of every log row is searched for the person's, the household's and the attendees' data."""

import datetime as dt
import io
import json
import re

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import models
from django.urls import reverse
from pypdf import PdfReader

from consultations import services
from consultations.models import Case, RegionalIssue, SupportMeeting
from tests.factories import AgencyFactory, UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db

PERSON = {"person_name": "鬼瓦 権左衛門", "person_kana": "おにがわら ごんざえもん",
          "person_address": "汐見市潮見台九丁目87番65号", "person_phone": "0467-98-7654",
          "person_birth_date": "1937-02-03"}
HOUSEHOLD = ["蛭子谷 小次郎", "蛭子谷 たまゑ"]
ATTENDEES = ["轟木 茂作", "鰐淵 よね子"]
SECRETS = [*(v for k, v in PERSON.items() if k != "person_birth_date"), "鬼瓦", "ごんざえもん", "潮見台九丁目",
           "98-7654", "1937-02-03", *HOUSEHOLD, "蛭子谷", *ATTENDEES, "轟木", "鰐淵"]


def _log_text() -> str:
    """Every stored column of every log row, as one text (the model's fields, introspected)."""
    columns = [f for f in LogEntry._meta.concrete_fields if not isinstance(f, models.AutoField)]
    rows = []
    for entry in LogEntry.objects.all():
        for field in columns:
            value = field.value_from_object(entry)
            rows.append(json.dumps(value, ensure_ascii=False, default=str))
            if isinstance(value, str):
                rows.append(value)
        # What the admin shows the auditor (field labels, choice labels, related objects).
        rows.append(json.dumps({str(k): v for k, v in entry.changes_display_dict.items()}, ensure_ascii=False,
                               default=str))
    return "\n".join(rows)


def _pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


@time_machine.travel(dt.datetime(2026, 7, 1, 3, tzinfo=dt.UTC), tick=False)
def test_a_whole_case_leaves_no_personal_data_in_the_audit_log(client):
    # Their names are typed into the plan's roles below.
    center = AgencyFactory(organisation__name="汐見中央地域包括支援センター")
    swc = AgencyFactory(organisation__name="汐見市社会福祉協議会")
    worker = UserFactory(username="worker", roles=["相談支援員"])
    colleague = UserFactory(username="colleague", roles=["相談支援員"])
    agency_worker = UserFactory(username="agency", roles=["相談支援員"], organisation=center.organisation)
    client.force_login(worker)

    response = client.post(reverse("cases:intake"), {
        "received_on": "2026-06-01", "route": "phone", "domains": ["elderly", "poverty"],
        **PERSON, "household": f"{HOUSEHOLD[0]}／長男\n{HOUSEHOLD[1]}／妻",
        "presenting_problems": "介護と家計の相談", "agencies": [center.pk], "csw": colleague.pk, **once(),
    })
    case = Case.objects.get()
    assert response.status_code == 302 and case.household.count() == 2
    detail = reverse("cases:detail", args=[case.pk])

    def post(name, data):
        response = client.post(reverse(f"cases:{name}", args=[case.pk]), {**data, **once()})
        assert response.status_code == 302, response.content.decode()

    post("consent", {"agencies": [center.pk, swc.pk], "given_on": "2026-06-02", "method": "written"})
    post("assessment", {"situation": "独居に近い", "issues": "介護と家計"})
    post("staff", {"worker": colleague.pk})
    post("plan", {"goals": "介護サービスにつながる", "policy": "包括と社協で分担", "contents": "申請支援",
                  "roles": "汐見中央地域包括支援センター／介護保険の申請\n汐見市社会福祉協議会／家計相談",
                  "monitoring_on": "2026-09-01"})
    post("conference", {"timing": "creation", "held_on": "2026-06-20", "attendees": [colleague.pk],
                        "agencies": [center.pk]})
    post("support_meeting", {"held_on": "2026-06-25", "attendees": f"{ATTENDEES[0]}／民生委員\n{ATTENDEES[1]}／自治会",
                             "confidentiality": "on", "shared": "見守りの状況", "policy": "週1回訪問"})
    post("regional_issue", {"title": "坂の上の地区で買い物に行けない", "description": "複数の事例で見られた"})
    assert RegionalIssue.objects.exists() and SupportMeeting.objects.get().attendees.count() == 2
    meeting = SupportMeeting.objects.get()
    conference = case.conferences.get()

    # The pages and PDFs still show the names to those who may see them (and those reads are logged).
    page = client.get(detail).content.decode()
    assert PERSON["person_name"] in page and HOUSEHOLD[0] in page
    shown = client.get(reverse("cases:support_meeting_detail", args=[meeting.pk])).content.decode()
    assert ATTENDEES[0] in shown and ATTENDEES[1] in shown
    assert client.get(reverse("cases:conference_detail", args=[conference.pk])).status_code == 200
    assert re.sub(r"\s", "", PERSON["person_name"]) in _pdf_text(
        client.get(reverse("cases:pdf", args=[case.pk, "intake"])).content)
    for kind in ("plan", "conferences"):
        assert client.get(reverse("cases:pdf", args=[case.pk, kind])).status_code == 200
    assert client.get(reverse("cases:list")).status_code == 200
    client.force_login(agency_worker)
    assert PERSON["person_name"] in client.get(detail).content.decode()

    # Withdrawal, a termination and retention change the rows again.
    client.force_login(worker)
    consent = case.consents.get()
    with time_machine.travel(dt.datetime(2026, 7, 2, 3, tzinfo=dt.UTC), tick=False):
        post("conference", {"timing": "termination", "held_on": "2026-07-01", "achievement": "達成",
                            "termination_evaluation": "終結", "follow_up_needed": "no"})
        response = client.post(reverse("cases:consent_withdraw", args=[case.pk, consent.pk]))
        assert response.status_code == 302
    services.cases_anonymise(closed_before=dt.date(2026, 8, 1), by=worker)

    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() > 5
    text = _log_text()
    found = [secret for secret in SECRETS if secret in text]
    assert found == [], found
    # The log still says which case: by its number.
    assert case.number in text
