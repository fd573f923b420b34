import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from municipality.models import Area, Municipality, PlanPeriod
from tests.conftest import name_city
from tests.factories import AreaFactory, PlanPeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_area():
    return AreaFactory(layer=1, parent=None)


def test_settings_start_with_placeholders():
    municipality = Municipality.objects.current()
    assert (municipality.pk, municipality.name, municipality.mayor_title) == (1, "〇〇市", "〇〇市長")
    assert Municipality.objects.count() == 1


def test_a_second_settings_row_is_refused_by_the_database():
    with transaction.atomic(), pytest.raises(IntegrityError):
        Municipality.objects.create(pk=2, name="別の市", mayor_title="x", certificate_department="x",
                                    second_layer_basis="x", plan_name="x")


def test_second_layer_area_needs_a_first_layer_parent(city_area):
    child = Area(code="L2-01", name="中央地区", layer=2, parent=city_area)
    child.full_clean()
    child.save()
    grandchild = Area(code="L3-01", name="一丁目", layer=2, parent=child)
    with pytest.raises(ValidationError, match="第2層の区域の上位は第1層"):
        grandchild.full_clean()


def test_only_one_first_layer_area(city_area):
    with pytest.raises(ValidationError, match="すでに登録されています"):
        Area(code="L1b", name="もう一つの市全域", layer=1).full_clean()


def test_first_layer_without_parent_is_a_database_rule(city_area):
    with transaction.atomic(), pytest.raises(IntegrityError):
        Area.objects.create(code="bad", name="親なし", layer=2)


def test_deeper_levels_are_allowed(city_area):
    second = AreaFactory(parent=city_area)
    third = Area(code="L3", name="町内会", layer=3, parent=second)
    third.full_clean()
    third.save()
    assert city_area.descendant_ids() == {city_area.pk, second.pk, third.pk}


def test_plan_period_must_be_whole_fiscal_years():
    with pytest.raises(ValidationError, match="4月1日"):
        PlanPeriod(number=9, start=dt.date(2024, 5, 1), end=dt.date(2027, 3, 31)).full_clean()


def test_plan_periods_may_not_overlap():
    PlanPeriodFactory(number=9)  # 2024-04-01 to 2027-03-31
    with pytest.raises(ValidationError, match="重なっています"):
        PlanPeriod(number=10, start=dt.date(2026, 4, 1), end=dt.date(2029, 3, 31)).full_clean()


def test_plan_period_label():
    period = PlanPeriod(number=9, start=dt.date(2024, 4, 1), end=dt.date(2027, 3, 31))
    assert str(period) == "第9期（令和6〜8年度）"


class TestAdmin:
    def test_admin_is_titled_with_the_municipality_name(self, client, city_staff):
        name_city()
        client.force_login(city_staff)
        body = client.get(reverse("admin:index")).content.decode()
        assert "汐見市 地域支え合い・重層的支援 管理システム" in body
        assert 'lang="ja"' in body

    def test_admin_login_page_is_japanese_and_titled(self, client):
        name_city()
        body = client.get(reverse("admin:login")).content.decode()
        assert "汐見市" in body
        assert "ログイン" in body

    def test_city_staff_edit_the_settings(self, client, city_staff):
        client.force_login(city_staff)
        url = reverse("admin:municipality_municipality_change", args=[1])
        response = client.post(url, {
            "name": "千葉市", "mayor_title": "千葉市長",
            "certificate_department": "千葉市保健福祉局地域包括ケア推進課",
            "coordinator_term": "生活支援コーディネーター", "second_layer_basis": "あんしんケアセンター圏域",
            "plan_name": "千葉市高齢者保健福祉推進計画", "required_training_within_days": 365, "report_due_day": 10,
            "ward_count": 6, "is_designated_city": "on",
        })
        assert response.status_code == 302
        assert Municipality.objects.current().mayor_title == "千葉市長"

    def test_settings_list_opens_the_one_row(self, client, city_staff):
        client.force_login(city_staff)
        response = client.get(reverse("admin:municipality_municipality_changelist"))
        assert response.status_code == 302
        assert response["Location"].endswith("/municipality/municipality/1/change/")

    def test_area_with_wrong_parent_is_refused_in_japanese(self, client, city_staff, city_area):
        second = AreaFactory(parent=city_area)
        client.force_login(city_staff)
        response = client.post(reverse("admin:municipality_area_add"), {
            "code": "L2-bad", "name": "誤り", "layer": 2, "parent": second.pk, "boundary_basis": "",
            "support_center": "", "sort_order": 0, "is_active": "on",
        })
        assert response.status_code == 200
        assert "第2層の区域の上位は第1層の区域にしてください。" in response.content.decode()
        assert not Area.objects.filter(code="L2-bad").exists()

    def test_city_staff_cannot_grant_superuser(self, client, city_staff):
        client.force_login(city_staff)
        body = client.get(reverse("admin:municipality_user_change", args=[city_staff.pk])).content.decode()
        assert 'name="is_superuser"' not in body

    def test_city_staff_cannot_widen_their_own_rights(self, client, city_staff):
        client.force_login(city_staff)
        body = client.get(reverse("admin:municipality_user_change", args=[city_staff.pk])).content.decode()
        assert 'name="groups"' not in body
        assert 'name="is_staff"' not in body

    def test_city_staff_cannot_grant_the_auditor_role(self, client, city_staff, contractor_a):
        client.force_login(city_staff)
        body = client.get(reverse("admin:municipality_user_change", args=[contractor_a.pk])).content.decode()
        assert ">受託団体</option>" in body
        assert ">監査</option>" not in body

    def test_city_staff_cannot_change_an_auditor(self, client, city_staff, auditor):
        client.force_login(city_staff)
        url = reverse("admin:municipality_user_change", args=[auditor.pk])
        response = client.post(url, {"username": auditor.username, "name": "変更", "email": "x@example.jp"})
        assert response.status_code == 403
        auditor.refresh_from_db()
        assert auditor.name != "変更"
