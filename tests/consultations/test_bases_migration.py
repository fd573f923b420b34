"""The legal-bases migration: records made before it get the basis they were made on."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("consultations", "0015_output_approval")]
AFTER = [("consultations", "0016_legal_bases_on_disclosures")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_old_referrals_conferences_and_attendees_get_their_basis():
    apps = _migrate(BEFORE)
    User = apps.get_model("municipality", "User")
    Organisation = apps.get_model("municipality", "Organisation")
    Agency = apps.get_model("consultations", "Agency")
    Case = apps.get_model("consultations", "Case")
    Consent = apps.get_model("consultations", "Consent")
    SupportPlan = apps.get_model("consultations", "SupportPlan")
    CaseConference = apps.get_model("consultations", "CaseConference")
    SupportMeeting = apps.get_model("consultations", "SupportMeeting")
    Attendee = apps.get_model("consultations", "SupportMeetingAttendee")
    Referral = apps.get_model("consultations", "Referral")
    worker = User.objects.create(username="worker_bases")
    center = Agency.objects.create(organisation=Organisation.objects.create(name="包括（移行）"), kind="support_center")
    swc = Agency.objects.create(organisation=Organisation.objects.create(name="社協（移行）"), kind="swc")
    case = Case.objects.create(number="R8-0901", received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                               person_name="架空", presenting_problems="相談")
    old = Consent.objects.create(case=case, given_on=dt.date(2026, 5, 2), method="written", recorded_by=worker)
    old.agencies.set([swc])
    consent = Consent.objects.create(case=case, given_on=dt.date(2026, 5, 3), method="written", recorded_by=worker)
    consent.agencies.set([center])
    plan = SupportPlan.objects.create(case=case, version=1, goals="g", policy="p", contents="c",
                                      monitoring_on=dt.date(2026, 9, 1), created_by=worker)
    conference = CaseConference.objects.create(case=case, timing="creation", held_on=dt.date(2026, 5, 10), plan=plan,
                                               recorded_by=worker)
    conference.agencies.set([swc])
    meeting = SupportMeeting.objects.create(held_on=dt.date(2026, 5, 5), shared="s", policy="p", recorded_by=worker)
    meeting.cases.set([case])
    Attendee.objects.create(meeting=meeting, name="A", organisation="B", confidentiality_acknowledged=True)
    now = timezone.now()
    on_meeting = Referral.objects.create(case=case, agency=swc, sent_by=worker, sent_at=now, purpose="p",
                                         basis="support_meeting", support_meeting=meeting)
    on_consent = Referral.objects.create(case=case, agency=center, sent_by=worker, sent_at=now, purpose="p",
                                         basis="consent")
    try:
        apps = _migrate(AFTER)
        Referral = apps.get_model("consultations", "Referral")
        assert Referral.objects.get(pk=on_meeting.pk).basis == "swl_106_6"
        assert Referral.objects.get(pk=on_consent.pk).consent_id == consent.pk
        conference = apps.get_model("consultations", "CaseConference").objects.get(pk=conference.pk)
        assert conference.consent_id == old.pk  # the consent that named the agency that attended
        assert list(apps.get_model("consultations", "SupportMeetingAttendee").objects.values_list("duty", flat=True)) \
            == ["社会福祉法第106条の6第5項"]
        assert apps.get_model("consultations", "SupportMeeting").objects.get(pk=meeting.pk).basis == "swl_106_6"
    finally:
        _migrate(_latest())
