import pytest
from django.contrib.auth.models import Group

from municipality.roles import PERMISSIONS, Role, sync_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_six_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "市職員", "受託団体", "コーディネーター", "協議体事務局", "相談支援員", "監査"
    }


def test_each_role_has_exactly_its_declared_permissions():
    for role in Role:
        group = Group.objects.get(name=role.value)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert set(PERMISSIONS.get(role, [])) <= granted


def test_sync_undoes_a_hand_edit():
    group = Group.objects.get(name=Role.CONTRACTOR.value)
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="change_municipality"))
    sync_roles()
    assert not group.permissions.filter(codename="change_municipality").exists()


def test_only_the_auditor_role_may_read_the_audit_log():
    readers = {g.name for g in Group.objects.filter(permissions__codename="view_logentry")}
    assert readers == {"監査"}


def test_user_roles_follow_groups():
    user = UserFactory(roles=["市職員", "監査"])
    assert user.roles == {Role.CITY_STAFF, Role.AUDITOR}
    assert user.is_city_wide


def test_coordinator_is_not_city_wide():
    user = UserFactory(roles=["コーディネーター"])
    assert not user.is_city_wide
    assert user.has_role(Role.COORDINATOR)
