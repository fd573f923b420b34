"""Suite-wide personas (a pytest plugin listed in tests/conftest.py).

Per organisation (org_a, org_b, in tests/conftest.py):

    ============== ========================================= ==========================================
    fixture        who                                       reaches
    ============== ========================================= ==========================================
    org_a / org_b  社会福祉法人Ａ会 / 特定非営利活動法人Ｂ      —
    contractor_a   owner of org_a (受託団体)                  org_a's contracts, notices, coordinators
    owner_a        the same user as contractor_a             (the persona's name)
    contractor_b   owner of org_b (受託団体); also owner_b    org_b's rows
    member_a       a coordinator (コーディネーター) employed    their own coordinator record
                   by org_a, with a login; member_b for org_b
    outsider_a     受託団体 of 一般社団法人Ｃ (not org_a);       nothing of org_a or org_b
                   outsider_b likewise (another user of Ｃ)
    ============== ========================================= ==========================================

Per case (case work, 重層的支援):

    ============== ========================================= ==========================================
    fixture        who                                       reaches the case
    ============== ========================================= ==========================================
    case_worker    相談支援員 who received the case            yes: assigned staff
    case_agency    地域包括支援センター (an Agency)             —
    case           山田　花子's case, opened by case_worker     —
    agency_worker  相談支援員 of case_agency; requesting it     yes: through the person's consent
                   records a written consent naming the agency
    case_outsider  相談支援員, not assigned, no consent          no (404)
    ============== ========================================= ==========================================

Other shared fixtures: city_staff, auditor (tests/conftest.py); areas, contract_a/_b, city_user, accepted
(tests/lifecycle.py); periods, secretary, council, body, smtp_sink (tests/council_fixtures.py).
A test module may still define a fixture of the same name; its own wins.
"""

import datetime as dt

import pytest

from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ConsentFactory,
    CoordinatorFactory,
    OrganisationFactory,
    UserFactory,
)


@pytest.fixture
def owner_a(contractor_a):
    return contractor_a


@pytest.fixture
def owner_b(contractor_b):
    return contractor_b


def _member(organisation, username: str, name: str):
    user = UserFactory(username=username, name=name, organisation=organisation, roles=["コーディネーター"])
    CoordinatorFactory(name=name, employer=organisation, user=user)
    return user


@pytest.fixture
def member_a(org_a):
    return _member(org_a, "member_a", "松本 さくら")


@pytest.fixture
def member_b(org_b):
    return _member(org_b, "member_b", "森 由美子")


@pytest.fixture
def outsider_org(db):
    return OrganisationFactory(name="一般社団法人Ｃ")


@pytest.fixture
def outsider_a(outsider_org):
    return UserFactory(username="outsider_a", organisation=outsider_org, roles=["受託団体"])


@pytest.fixture
def outsider_b(outsider_org):
    return UserFactory(username="outsider_b", organisation=outsider_org, roles=["受託団体"])


@pytest.fixture
def case_worker(db):
    return UserFactory(username="case_worker", name="相談 支援", roles=["相談支援員"])


@pytest.fixture
def case_agency(db):
    return AgencyFactory(organisation=OrganisationFactory(name="地域包括支援センター"))


@pytest.fixture
def case(case_worker):
    return CaseFactory(by=case_worker, person_address="汐見市松林1-2-3",
                       household=[{"name": "山田 一郎", "relation": "長男"}])


@pytest.fixture
def agency_worker(case, case_agency, case_worker):
    ConsentFactory(case=case, agencies=[case_agency], given_on=dt.date(2026, 5, 2), by=case_worker)
    return UserFactory(username="agency_worker", organisation=case_agency.organisation, roles=["相談支援員"])


@pytest.fixture
def case_outsider(db):
    return UserFactory(username="case_outsider", roles=["相談支援員"])
