"""The suite-wide personas (tests/persona_fixtures.py) reach what their table says, and no more."""

import pytest
from django.urls import reverse

from consultations.access import cases_visible_to
from consultations.models import Case
from coordinators.models import Contract, Coordinator
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def test_owner_member_and_outsider_of_each_organisation(org_a, org_b, owner_a, owner_b, member_a, member_b,
                                                        outsider_a, outsider_b):
    contract_a, contract_b = ContractFactory(organisation=org_a), ContractFactory(organisation=org_b)
    assert list(Contract.objects.visible_to(owner_a)) == [contract_a]
    assert list(Contract.objects.visible_to(owner_b)) == [contract_b]
    assert list(Coordinator.objects.visible_to(owner_a)) == [member_a.coordinator]
    assert list(Coordinator.objects.visible_to(member_a)) == [member_a.coordinator]
    assert list(Coordinator.objects.visible_to(member_b)) == [member_b.coordinator]
    for outsider in (outsider_a, outsider_b):
        assert outsider.organisation not in (org_a, org_b)
        assert not Contract.objects.visible_to(outsider).exists()
        assert not Coordinator.objects.visible_to(outsider).exists()


def test_owner_a_is_contractor_a(owner_a, contractor_a):
    assert owner_a == contractor_a


def test_assigned_worker_agency_worker_under_consent_and_outsider_of_a_case(client, case, case_worker, agency_worker,
                                                                            case_outsider):
    url = reverse("cases:detail", args=[case.pk])
    for user, status in [(case_worker, 200), (agency_worker, 200), (case_outsider, 404)]:
        assert cases_visible_to(user, Case.objects.all()).exists() is (status == 200), user.username
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    assert list(case.assigned_staff.all()) == [case_worker]
