"""Who reaches case records: the audit log, agency users, coordinators and secretaries, support meeting records."""

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from consultations import services
from consultations.access import cases_visible_to
from consultations.models import Case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_audit_log_records_which_fields_changed_not_their_values(case):
    text = json.dumps([e.changes for e in LogEntry.objects.all()], ensure_ascii=False)
    for secret in ["山田", "認知症", "松林", "長男"]:
        assert secret not in text
    entry = LogEntry.objects.get_for_object(case).get(action=LogEntry.Action.CREATE)
    assert "person_name" in entry.changes_dict


def test_a_superuser_who_is_not_an_auditor_cannot_read_the_log(client, case):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 403


def test_an_agency_user_cannot_make_themselves_staff(client, case, agency_worker):
    client.force_login(agency_worker)  # a 相談支援員 of an agency the person consented to
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.post(reverse("cases:staff", args=[case.pk]), {"worker": agency_worker.pk}).status_code == 404
    assert not case.assigned_staff.filter(pk=agency_worker.pk).exists()


def test_coordinators_and_secretaries_never_see_cases_even_with_the_case_role(case, case_worker):
    for roles in (["相談支援員", "コーディネーター"], ["相談支援員", "協議体事務局"]):
        user = UserFactory(roles=roles)
        case.assigned_staff.add(user)
        assert not cases_visible_to(user, Case.objects.all()).exists()


def test_a_support_meeting_record_for_staff_and_attendees_only(client, case, case_worker, case_outsider):
    attendee = UserFactory(username="attending", roles=["相談支援員"])
    meeting = services.support_meeting_record(
        held_on=dt.date(2026, 5, 3), cases=[case], shared="近所の方からの情報", policy="見守り", by=case_worker,
        attendees=[{"name": "出席 者", "organisation": "包括", "confidentiality_acknowledged": True, "user": attendee}])
    url = reverse("cases:support_meeting_detail", args=[meeting.pk])
    for user, status in [(case_worker, 200), (attendee, 200), (case_outsider, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == status
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=attendee).exists()
