"""A page's reads of a case record are one audit entry per record (issue 16, problem 3: an auditor
found three rows for one visit of a case; the case list wrote two of them for an urgent case, one
for its urgent section and one for its list)."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from consultations import services

pytestmark = pytest.mark.django_db


def reads_of(case):
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(case.pk),
                                   content_type__model="case")


def test_one_view_of_a_case_page_is_one_read_entry(client, case, case_worker):
    client.force_login(case_worker)
    before = reads_of(case).count()
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    entries = list(reads_of(case).order_by("pk"))[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == case_worker
    assert {"person_name", "household", "timeline"} <= set(entry.changes["read_fields"])
    assert entry.additional_data["purpose"] == "ケースの閲覧"


def test_an_urgent_case_in_the_case_list_is_read_once(client, case, case_worker):
    services.urgency_mark(case=case, reason="本人と連絡が取れない", by=case_worker)
    client.force_login(case_worker)
    before = reads_of(case).count()
    page = client.get(reverse("cases:list")).content.decode()
    assert page.count(case.number) >= 2  # shown in the urgent section and in the list
    entries = list(reads_of(case).order_by("pk"))[before:]
    assert len(entries) == 1
    assert entries[0].changes["read_fields"] == ["number", "person_name", "status", "urgency"]
    assert entries[0].additional_data["purpose"] == "ケース一覧、緊急ケースの一覧"


def test_a_read_outside_a_request_is_written_at_once(case, case_worker):
    from consultations.access import log_read

    log_read(case_worker, case, fields=["number"], purpose="コマンド")
    assert reads_of(case).filter(additional_data__purpose="コマンド").count() == 1


def test_the_entries_of_one_request_share_its_id(client, case, case_worker):
    from tests.factories import CaseFactory

    other = CaseFactory(by=case_worker)
    client.force_login(case_worker)
    client.get(reverse("cases:list"))
    first = set(LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk__in=[str(case.pk), str(other.pk)])
                .values_list("cid", flat=True))
    client.get(reverse("cases:detail", args=[case.pk]))
    second = reads_of(case).latest("pk").cid
    assert len(first) == 1 and None not in first and second and second not in first
