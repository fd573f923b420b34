import datetime as dt

import pytest

from activities.models import ActivityCategory, Function
from coordinators import services as lifecycle
from tests.factories import UserFactory
from tests.lifecycle import file_notice


@pytest.fixture
def categories(db):
    return {
        function: ActivityCategory.objects.create(function=function, code=code, label=label, sort_order=i)
        for i, (function, code, label) in enumerate([
            (Function.A, "(1)ア", "地域の特性及び支援ニーズを把握すること"),
            (Function.B, "(2)イ", "協議体を運営すること"),
            (Function.C, "(3)イ", "ニーズとサービス提供主体の活動のマッチングを行うこと"),
            (Function.OTHER, "(4)イ", "市への報告及び市民への説明を行うこと"),
        ])
    }


def appoint(contract, contractor, city_user, *, username, name, areas):
    notice = file_notice(contract, contractor, name=name, areas=areas, filed_on=dt.date(2026, 3, 25))
    appointment = lifecycle.appointment_notice_accept(notice=notice, accepted_by=city_user)
    user = UserFactory(username=username, name=name, organisation=contract.organisation, roles=["コーディネーター"])
    coordinator = appointment.coordinator
    coordinator.user = user
    coordinator.save()
    return coordinator


@pytest.fixture
def coord_a(contract_a, contractor_a, city_user, areas):
    return appoint(contract_a, contractor_a, city_user, username="coord_a", name="松本 さくら", areas=[areas[0]])


@pytest.fixture
def coord_a2(contract_a, contractor_a, city_user, areas):
    return appoint(contract_a, contractor_a, city_user, username="coord_a2", name="井上 大輔", areas=[areas[1]])


@pytest.fixture
def coord_b(contract_b, contractor_b, city_user, areas):
    return appoint(contract_b, contractor_b, city_user, username="coord_b", name="森 由美子", areas=[areas[2]])
