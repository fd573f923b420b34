"""Every factory of tests/factories.py builds a valid row (full_clean passes) in the scope it belongs to."""

import pytest

from consultations.access import cases_visible_to
from consultations.models import Case
from coordinators.models import Contract, Coordinator
from councils.models import Meeting, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_each_factory_builds_a_valid_row():
    rows = [
        f.PlanPeriodFactory(), f.ContractFactory(), f.CoordinatorFactory(), f.CouncilFactory(), f.PersonFactory(),
        f.MembershipFactory(), f.MeetingFactory(), f.AgendaItemFactory(), f.InvitationFactory(),
        f.SocialResourceFactory(), f.NeedFactory(), f.AgencyFactory(), f.CaseFactory(), f.ConsentFactory(),
        f.TrainingCourseFactory(), f.TrainingRecordFactory(), f.WorkingGroupFactory(), f.ActivityCategoryFactory(),
    ]
    for row in rows:
        assert row.pk is not None, type(row).__name__
        row.full_clean()


def test_two_of_a_kind_do_not_collide():
    assert f.CaseFactory().number != f.CaseFactory().number
    assert f.MeetingFactory().ics_uid != f.MeetingFactory().ics_uid
    assert f.TrainingCourseFactory().name != f.TrainingCourseFactory().name
    assert f.ActivityCategoryFactory().code != f.ActivityCategoryFactory().code
    assert f.MembershipFactory().plan_period == f.MembershipFactory().plan_period  # one 第9期, reused


def test_organisation_rows_are_seen_by_their_owner_only():
    org, other = f.OrganisationFactory(), f.OrganisationFactory()
    owner = f.UserFactory(organisation=org, roles=["受託団体"])
    outsider = f.UserFactory(organisation=other, roles=["受託団体"])
    contract, coordinator = f.ContractFactory(organisation=org), f.CoordinatorFactory(employer=org)
    assert list(Contract.objects.visible_to(owner)) == [contract]
    assert list(Coordinator.objects.visible_to(owner)) == [coordinator]
    assert not Contract.objects.visible_to(outsider).exists()
    assert not Coordinator.objects.visible_to(outsider).exists()


def test_council_rows_are_seen_by_its_secretariat_only():
    secretary = f.UserFactory(roles=["協議体事務局"], is_staff=True)
    council = f.CouncilFactory(secretariat=[secretary])
    membership, meeting = f.MembershipFactory(council=council), f.MeetingFactory(council=council)
    assert list(Membership.objects.visible_to(secretary)) == [membership]
    assert list(Meeting.objects.visible_to(secretary)) == [meeting]
    other = f.UserFactory(roles=["協議体事務局"], is_staff=True)
    assert not Meeting.objects.visible_to(other).exists()


def test_a_case_is_seen_by_its_worker_and_a_consenting_agency_only():
    case = f.CaseFactory()
    worker = case.assigned_staff.get()
    consent = f.ConsentFactory(case=case)
    agency_worker = f.UserFactory(organisation=consent.agencies.get().organisation, roles=["相談支援員"])
    outsider = f.UserFactory(roles=["相談支援員"])
    for user, seen in [(worker, True), (agency_worker, True), (outsider, False)]:
        assert cases_visible_to(user, Case.objects.all()).exists() is seen, user.username
