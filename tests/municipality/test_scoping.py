"""Organisation A's users never see organisation B's objects: 404 everywhere."""

import pytest
from django.http import Http404
from django.urls import reverse

from municipality.models import Organisation, User
from municipality.scoping import get_visible_or_404
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_sees_only_their_own_organisation(contractor_a, org_a, org_b):
    assert list(Organisation.objects.visible_to(contractor_a)) == [org_a]


def test_guessed_id_of_another_organisation_is_404(contractor_a, org_b):
    with pytest.raises(Http404):
        get_visible_or_404(Organisation, contractor_a, pk=org_b.pk)


def test_nonexistent_and_forbidden_ids_look_the_same(client, contractor_a, org_b):
    client.force_login(contractor_a)
    forbidden = client.get(reverse("portal:organisation", args=[org_b.pk]))
    missing = client.get(reverse("portal:organisation", args=[999999]))
    assert forbidden.status_code == missing.status_code == 404


def test_portal_page_of_own_organisation_is_shown(client, contractor_a, org_a):
    client.force_login(contractor_a)
    response = client.get(reverse("portal:organisation", args=[org_a.pk]))
    assert response.status_code == 200
    assert org_a.name in response.content.decode()


def test_city_staff_see_every_organisation(city_staff, org_a, org_b):
    assert set(Organisation.objects.visible_to(city_staff)) >= {org_a, org_b}


def test_inactive_and_anonymous_users_see_nothing(contractor_a, org_a):
    from django.contrib.auth.models import AnonymousUser

    contractor_a.is_active = False
    assert not Organisation.objects.visible_to(contractor_a).exists()
    assert not Organisation.objects.visible_to(AnonymousUser()).exists()


def test_area_scope_includes_the_areas_below(org_a):
    parent = AreaFactory(code="P1")
    child = AreaFactory(code="C1", parent=parent, layer=3)
    other = AreaFactory(code="X1")
    coordinator = UserFactory(username="coord", organisation=org_a, roles=["コーディネーター"], areas=[parent])
    from municipality.scoping import Scope

    scope = Scope.of(coordinator)
    assert {parent.pk, child.pk} <= scope.area_ids
    assert other.pk not in scope.area_ids


def test_users_of_another_organisation_are_hidden(contractor_a, contractor_b, city_staff):
    assert set(User.objects.visible_to(contractor_a)) == {contractor_a}
    assert {contractor_a, contractor_b} <= set(User.objects.visible_to(city_staff))


class TestAdmin:
    """The same scoping holds in the admin: another organisation's page answers 404."""

    @pytest.fixture
    def secretariat_a(self, org_a):
        return UserFactory(username="sec_a", organisation=org_a, roles=["協議体事務局"], is_staff=True)

    def test_admin_list_shows_only_own_organisation(self, client, secretariat_a, org_a, org_b):
        client.force_login(secretariat_a)
        response = client.get(reverse("admin:municipality_organisation_changelist"))
        assert response.status_code == 200
        body = response.content.decode()
        assert org_a.name in body
        assert org_b.name not in body

    def test_admin_page_of_another_organisation_is_404(self, client, secretariat_a, org_b):
        client.force_login(secretariat_a)
        response = client.get(reverse("admin:municipality_organisation_change", args=[org_b.pk]))
        assert response.status_code == 404

    def test_city_staff_open_any_organisation_in_admin(self, client, city_staff, org_b):
        client.force_login(city_staff)
        response = client.get(reverse("admin:municipality_organisation_change", args=[org_b.pk]))
        assert response.status_code == 200
