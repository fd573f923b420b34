import datetime as dt

import pytest

from councils.models import Council, Person, SetupType
from municipality import wareki
from municipality.models import Organisation, PlanPeriod
from tests.factories import AreaFactory, UserFactory

P9_START, P9_END = dt.date(2024, 4, 1), dt.date(2027, 3, 31)
P10_START, P10_END = dt.date(2027, 4, 1), dt.date(2030, 3, 31)


@pytest.fixture
def periods(db):
    return [PlanPeriod.objects.create(number=n, start=wareki.plan_term(n).start, end=wareki.plan_term(n).end)
            for n in (9, 10)]


@pytest.fixture
def secretary(db):
    return UserFactory(username="secretary", roles=["協議体事務局"], is_staff=True)


@pytest.fixture
def council(periods, secretary):
    area = AreaFactory(code="C1", name="市全域", layer=1, parent=None)
    council = Council.objects.create(name="汐見市第1層協議体", layer=1, area=area,
                                     setup_type=SetupType.RESIDENTS_GOVERNMENT)
    council.secretariat.add(secretary)
    return council


@pytest.fixture
def body(db):
    return Organisation.objects.create(name="汐見市老人クラブ連合会")


def people(n, prefix="委員"):
    return [Person.objects.create(name=f"{prefix}{i}", name_kana=f"いいん{i}") for i in range(n)]
