"""Who in an organisation sees its papers and its profile."""


import pytest
from django.urls import reverse

from coordinators import services
from tests.factories import UserFactory
from tests.lifecycle import CONTRACT_START

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(accepted, city_user):
    return services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)


@pytest.mark.parametrize("roles", [["コーディネーター", "協議体事務局"], ["相談支援員"], ["協議体事務局"]])
def test_colleagues_without_the_contractor_role_do_not_see_the_papers(client, org_a, certified, roles):
    colleague = UserFactory(organisation=org_a, roles=roles)
    client.force_login(colleague)
    notice = certified.appointment.notice
    assert client.get(reverse("documents:pdf", args=[notice.document_id])).status_code == 404
    assert client.get(reverse("documents:pdf", args=[certified.document_id])).status_code == 404
    if "コーディネーター" in roles:
        assert client.get(reverse("coordinators:detail", args=[certified.coordinator_id])).status_code == 404
        assert "松本" not in client.get(reverse("coordinators:notices")).content.decode()


def test_a_plain_coordinator_sees_their_organisation_profile(client, org_a):
    coordinator = UserFactory(organisation=org_a, roles=["コーディネーター"])
    client.force_login(coordinator)
    assert client.get(reverse("portal:organisation", args=[org_a.pk])).status_code == 200
