"""The shared part: start pages, scoping and the admin lists over a large municipality.

5,000 organisations, 50,000 users, 13 第2層 and 2,000 第3層 areas.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client

from bench._util import report_page, timed
from municipality.models import Area, Organisation, User
from municipality.roles import Role

ORGANISATIONS = 5_000
USERS = 50_000
THIRD_LAYER = 2_000


def build() -> None:
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    seconds = Area.objects.bulk_create(
        Area(code=f"L2-{i:02d}", name=f"地区{i}", layer=2, parent=city, sort_order=i) for i in range(1, 14)
    )
    Area.objects.bulk_create(
        Area(code=f"L3-{i:05d}", name=f"町内会{i}", layer=3, parent=seconds[i % 13]) for i in range(THIRD_LAYER)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"団体{i:05d}", legal_form="社会福祉法人") for i in range(ORGANISATIONS)
    )
    User.objects.bulk_create(
        User(username=f"user{i:06d}", name=f"利用者{i}", organisation=organisations[i % ORGANISATIONS], password="!")
        for i in range(USERS)
    )


def _role_user(username: str, role: Role, **fields) -> User:
    """The user another bench module built (so that its data shows on the start page), else a new one."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, password="x", **fields)
        user.groups.add(Group.objects.get(name=role.value))
    return user


def _other_roles() -> list[tuple[str, User]]:
    """A start page for each other role (issue 15): coordinator, secretariat, case worker, agency worker."""
    from consultations.models import Agency, AgencyKind

    agency_user = User.objects.filter(username="bench-agency-worker").first()
    if agency_user is None:
        agency = Agency.objects.create(organisation=Organisation.objects.create(name="ベンチ包括"),
                                       kind=AgencyKind.SUPPORT_CENTER)
        agency_user = _role_user("bench-agency-worker", Role.CASE_WORKER, name="包括職員",
                                 organisation=agency.organisation)
    return [
        ("coordinator", _role_user("bench-c00000", Role.COORDINATOR, name="推進員")),
        ("secretariat", _role_user("bench-secretary", Role.SECRETARIAT, name="事務局", is_staff=True)),
        ("case_worker", _role_user("bench-w000", Role.CASE_WORKER, name="相談員")),
        ("agency_worker", agency_user),
    ]


def run(report) -> None:
    report("municipality.build", timed(build), "s")
    city_staff = User.objects.create_user("bench-city", password="x", name="市職員", is_staff=True)
    city_staff.groups.set([Group.objects.get(name=Role.CITY_STAFF.value)])
    contractor = User.objects.create_user(
        "bench-contractor", password="x", name="受託団体", organisation=Organisation.objects.first()
    )
    contractor.groups.set([Group.objects.get(name=Role.CONTRACTOR.value)])
    contractor.areas.set(Area.objects.filter(layer=2)[:2])

    for who, user in [("city_staff", city_staff), ("contractor", contractor), *_other_roles()]:
        client = Client()
        client.force_login(user)
        report_page(report, f"municipality.home.{who}", client, "/portal/")
    from councils.models import Council

    council = Council.objects.filter(secretariat__username="bench-secretary").first()
    if council is not None:  # built by bench/councils.py: the secretariat's council pages in the portal
        client = Client()
        client.force_login(User.objects.get(username="bench-secretary"))
        report_page(report, "municipality.portal_council_list", client, "/portal/councils/")
        report_page(report, "municipality.portal_council_page", client, f"/portal/councils/{council.pk}/")

    client = Client()
    client.force_login(city_staff)
    for name, url in [
        ("admin_organisations", "/admin/municipality/organisation/"),
        ("admin_users", "/admin/municipality/user/"),
        ("admin_areas", "/admin/municipality/area/"),
    ]:
        report_page(report, f"municipality.{name}", client, url, repeat=15)
