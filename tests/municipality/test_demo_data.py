import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.test import override_settings

from municipality.demo import DEMO_USERS, MEMBER_BODIES, demo_password
from municipality.models import Area, Municipality, Organisation, PlanPeriod, User
from municipality.roles import Role

pytestmark = pytest.mark.django_db


def load() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "areas": list(Area.objects.values_list("code", "name", "layer", "parent__code").order_by("code")),
        "organisations": list(Organisation.objects.values_list("name", "legal_form").order_by("name")),
        "users": list(User.objects.values_list("username", "password", "organisation__name").order_by("username")),
        "groups": list(User.groups.through.objects.values_list("user__username", "group__name").order_by("pk")),
        "log": LogEntry.objects.count(),
    }


def test_demo_municipality_has_one_first_and_thirteen_second_layer_areas():
    load()
    assert Municipality.objects.current().name == "汐見市"
    assert Area.objects.filter(layer=1).count() == 1
    assert Area.objects.filter(layer=2, parent__layer=1).count() == 13


def test_member_bodies_of_the_beppyo_are_loaded():
    load()
    names = set(Organisation.objects.values_list("name", flat=True))
    assert {name for name, *_ in MEMBER_BODIES} <= names
    assert len(MEMBER_BODIES) == 17
    assert "汐見市老人クラブ連合会" in names


def test_plan_periods_nine_and_ten():
    load()
    assert list(PlanPeriod.objects.values_list("number", flat=True)) == [9, 10]


def test_a_user_for_each_role_with_the_printed_password():
    output = load()
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    for demo in DEMO_USERS:
        password = demo_password(demo.username)
        assert password in output
        assert User.objects.get(username=demo.username).check_password(password)


def test_running_twice_changes_nothing():
    load()
    first = snapshot()
    load()
    assert snapshot() == first


def test_refused_where_demo_data_is_not_allowed():
    with override_settings(DEMO_DATA_ALLOWED=False), pytest.raises(CommandError, match="デモデータを登録できません"):
        call_command("load_demo_data", stdout=io.StringIO())
    assert not User.objects.filter(username="city").exists()


def test_demo_users_can_log_in_through_the_login_page(client):
    load()
    for demo in DEMO_USERS:
        response = client.post(
            "/accounts/login/", {"username": demo.username, "password": demo_password(demo.username)}
        )
        assert response.status_code == 302, demo.username
        assert response["Location"] == "/portal/"
        client.post("/accounts/logout/")
