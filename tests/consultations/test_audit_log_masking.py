"""The append-only audit log never holds a case's personal content: the fields it masks follow the
declarations of consultations/privacy.py, so a new 要配慮 field is masked the moment it is declared."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.utils import timezone

from consultations import services
from consultations.apps import log_masked_fields
from consultations.models import Case, EvacuationListing, OutputApproval, TimelineEntry
from consultations.privacy import Level, declared_fields, level_of
from tests.factories import UserFactory


def test_every_sensitive_field_of_every_case_model_is_masked_in_the_log():
    for model in apps.get_app_config("consultations").get_models():
        sensitive = {f.name for f in declared_fields(model) if level_of(f) == Level.SENSITIVE and not f.many_to_many}
        if sensitive:
            assert auditlog.contains(model), model
            assert sensitive <= set(auditlog.get_model_fields(model)["mask_fields"]), model


def test_what_the_log_masks_for_the_records_the_issue_names():
    assert {"content", "next_step", "with_whom"} <= set(log_masked_fields(TimelineEntry))
    assert {"reason"} <= set(log_masked_fields(EvacuationListing))
    assert {"purpose", "recipient", "decision_note"} <= set(log_masked_fields(OutputApproval))
    # A choice says nothing of the person and stays readable in the log.
    assert "status" not in log_masked_fields(Case) and "person_name" in log_masked_fields(Case)


@pytest.mark.django_db
def test_a_timeline_entry_and_its_edit_leave_no_content_in_the_log():
    worker = UserFactory(username="w", roles=["相談支援員"])
    case = services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                              person_name="記録 花子", presenting_problems="主訴AUD1", by=worker)
    entry = services.timeline_entry_add(case=case, contact_at=timezone.now() - dt.timedelta(hours=1), method="phone",
                                        with_whom="長女AUD2", content="通院の話AUD3", next_step="訪問AUD4", by=worker)
    services.timeline_entry_edit(entry=entry, contact_at=entry.contact_at, method="phone", with_whom="長女AUD2",
                                 content="通院の話AUD5", next_step="訪問AUD4", by=worker)
    logged = " ".join(str(e.changes) for e in LogEntry.objects.all())
    assert LogEntry.objects.filter(object_pk=str(entry.pk), content_type__model="timelineentry").exists()
    for marker in ("AUD1", "AUD2", "AUD3", "AUD4", "AUD5", "記録 花子"):
        assert marker not in logged, marker
