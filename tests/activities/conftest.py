import datetime as dt

import pytest

from activities.models import Function
from coordinators import services as lifecycle
from tests.factories import ActivityCategoryFactory, UserFactory
from tests.lifecycle import file_notice


@pytest.fixture
def categories(db):
    return {function: ActivityCategoryFactory(function=function) for function in Function}


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
