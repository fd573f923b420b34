"""Need-to-know against every role below superuser: each way to gain case access, tried as each role.

The ways: create a user with a privileged role, give an existing user that role, move a case
worker into an organisation covered by a consent, set a case worker's password, change the address
a password reset would use, point a consented agency at another organisation, add an agency to a
consent. Only a superuser may do the first five; nobody may re-point an agency; only the case's
assigned staff record a consent.
"""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from consultations import services
from consultations.access import cases_visible_to
from consultations.models import Agency, Case
from municipality.models import User
from reminders.models import Notice, Reason
from tests.factories import AgencyFactory, OrganisationFactory, UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db

ROLES = {
    "superuser": dict(is_superuser=True, is_staff=True),
    "市職員": dict(roles=["市職員"], is_staff=True),
    "協議体事務局": dict(roles=["協議体事務局"], is_staff=True),
    "監査": dict(roles=["監査"], is_staff=True),
    "受託団体": dict(roles=["受託団体"]),
    "コーディネーター": dict(roles=["コーディネーター"]),
    "相談支援員": dict(roles=["相談支援員"]),
    "相談支援管理者": dict(roles=["相談支援員", "相談支援管理者"]),
}


@pytest.fixture
def world(db):
    covered, other = OrganisationFactory(), OrganisationFactory()
    agency = AgencyFactory(organisation=covered)
    AgencyFactory(organisation=other)
    assigned = UserFactory(username="assigned", roles=["相談支援員"], organisation=other)
    case = services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                              person_name="山田 花子", presenting_problems="介護の相談", by=assigned)
    services.consent_record(case=case, agencies=[agency], given_on=dt.date(2026, 5, 2), method="written", by=assigned)
    return {
        "case": case,
        "agency": agency,
        "covered": covered,
        "other": other,
        # A case worker elsewhere who does not see the case: moving them into `covered` would open it.
        "worker": UserFactory(username="worker_elsewhere", roles=["相談支援員"], organisation=other,
                              email="worker@example.jp"),
        # A plain account in the covered organisation: the 相談支援員 role would open the case.
        "plain": UserFactory(username="plain_member", roles=["受託団体"], organisation=covered),
        "auditor_watch": UserFactory(username="auditor_watch", roles=["監査"], is_staff=True),
    }


def _group(role: str) -> int:
    return Group.objects.get(name=role).pk


def _user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username, "name": user.name, "name_kana": user.name_kana, "email": user.email,
        "job_title": user.job_title, "organisation": user.organisation_id or "",
        "groups": [g.pk for g in user.groups.all()], "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def create_case_worker(client, w):
    client.post(reverse("admin:municipality_user_add"), {
        "username": "new_worker", "name": "新しい相談員", "email": "new@example.jp",
        "password1": "Kx9!long-enough-pw", "password2": "Kx9!long-enough-pw",
        "organisation": w["covered"].pk, "groups": [_group("相談支援員")], **once(),
    })
    user = User.objects.filter(username="new_worker").first()
    return user is not None and user.groups.filter(name="相談支援員").exists()


def grant_role(client, w):
    plain = w["plain"]
    client.post(reverse("admin:municipality_user_change", args=[plain.pk]),
                _user_form(plain, groups=[_group("受託団体"), _group("相談支援員")]))
    return plain.groups.filter(name="相談支援員").exists()


def grant_auditor(client, w):
    plain = w["plain"]
    client.post(reverse("admin:municipality_user_change", args=[plain.pk]),
                _user_form(plain, groups=[_group("受託団体"), _group("監査")]))
    return plain.groups.filter(name="監査").exists()


def grant_case_lead(client, w):
    """Make a case worker the lead of their team: it opens every case of the organisation's team."""
    worker = w["worker"]
    client.post(reverse("admin:municipality_user_change", args=[worker.pk]),
                _user_form(worker, groups=[_group("相談支援員"), _group("相談支援管理者")]))
    return worker.groups.filter(name="相談支援管理者").exists()


def grant_self_case_lead(client, w):
    """The actor gives themselves the lead role (with the case worker role it needs)."""
    actor = User.objects.get(pk=client.session["_auth_user_id"])
    if actor.groups.filter(name="相談支援管理者").exists():
        return False  # already the lead (the superuser made them one): nothing gained
    client.post(reverse("admin:municipality_user_change", args=[actor.pk]),
                _user_form(actor, groups=[*(g.pk for g in actor.groups.all()), _group("相談支援員"),
                                          _group("相談支援管理者")]))
    return actor.groups.filter(name="相談支援管理者").exists()


def move_organisation(client, w):
    worker = w["worker"]
    client.post(reverse("admin:municipality_user_change", args=[worker.pk]),
                _user_form(worker, organisation=w["covered"].pk))
    worker.refresh_from_db()
    return worker.organisation_id == w["covered"].pk


def set_password(client, w):
    worker = w["worker"]
    client.post(reverse("admin:auth_user_password_change", args=[worker.pk]),
                {"password1": "Zq7#another-long-pw", "password2": "Zq7#another-long-pw", "usable_password": "true"})
    worker.refresh_from_db()
    return worker.check_password("Zq7#another-long-pw")


def change_email(client, w):
    worker = w["worker"]
    client.post(reverse("admin:municipality_user_change", args=[worker.pk]),
                _user_form(worker, email="attacker@example.jp"))
    worker.refresh_from_db()
    return worker.email == "attacker@example.jp"


def repoint_agency(client, w):
    agency = w["agency"]
    client.post(reverse("admin:consultations_agency_change", args=[agency.pk]),
                {"organisation": w["other"].pk, "kind": agency.kind})
    agency.refresh_from_db()
    return agency.organisation_id == w["other"].pk


def add_agency_to_consent(client, w):
    other_agency = Agency.objects.get(organisation=w["other"])
    client.post(reverse("cases:consent", args=[w["case"].pk]), {
        "agencies": [other_agency.pk], "given_on": "2026-06-01", "method": "written", **once(),
    })
    return w["case"].consents.filter(agencies=other_agency).exists()


WAYS = {
    "create_case_worker": create_case_worker,
    "grant_case_worker_role": grant_role,
    "grant_auditor_role": grant_auditor,
    "grant_case_lead_role": grant_case_lead,
    "grant_self_case_lead_role": grant_self_case_lead,
    "move_case_worker_to_covered_organisation": move_organisation,
    "set_case_worker_password": set_password,
    "change_case_worker_email": change_email,
    "repoint_consented_agency": repoint_agency,
    "add_agency_to_consent": add_agency_to_consent,
}

# (role, way) → allowed. Everything not listed is refused.
ALLOWED = {
    ("superuser", "create_case_worker"),
    ("superuser", "grant_case_worker_role"),
    ("superuser", "grant_auditor_role"),
    ("superuser", "grant_case_lead_role"),
    ("superuser", "grant_self_case_lead_role"),
    ("superuser", "move_case_worker_to_covered_organisation"),
    ("superuser", "set_case_worker_password"),
    ("superuser", "change_case_worker_email"),
    # Nobody re-points an agency that consents name, a superuser neither: it would rewrite the consent.
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_rule_opens_case_access(client, world, role, way):
    actor = UserFactory(username=f"actor_{abs(hash(role)) % 10000}", **ROLES[role])
    client.force_login(actor)
    done = WAYS[way](client, world)
    assert done is ((role, way) in ALLOWED), f"{role} / {way}"


def test_assigned_worker_records_a_consent_that_opens_the_case_to_the_agency(client, world):
    """The rule's own way in: the person consents, and the assigned worker records it."""
    client.force_login(User.objects.get(username="assigned"))
    assert add_agency_to_consent(client, world)
    assert cases_visible_to(world["worker"], Case.objects.all()).filter(pk=world["case"].pk).exists()


def test_city_staff_do_not_see_privileged_roles_offered(client, world):
    client.force_login(UserFactory(username="city_x", **ROLES["市職員"]))
    page = client.get(reverse("admin:municipality_user_add")).content.decode()
    assert "受託団体" in page
    assert f'value="{_group("相談支援員")}"' not in page
    assert f'value="{_group("監査")}"' not in page
    assert f'value="{_group("相談支援管理者")}"' not in page
    assert "システム管理者（スーパーユーザー）だけが付与できます" in page


def test_city_staff_cannot_open_a_case_workers_password_page(client, world):
    client.force_login(UserFactory(username="city_y", **ROLES["市職員"]))
    response = client.get(reverse("admin:auth_user_password_change", args=[world["worker"].pk]))
    assert response.status_code == 403


def test_a_deactivated_case_worker_stays_out_of_city_staffs_reach(client, world):
    worker = world["worker"]
    worker.is_active = False
    worker.save()
    client.force_login(UserFactory(username="city_z", **ROLES["市職員"]))
    client.post(reverse("admin:municipality_user_change", args=[worker.pk]),
                _user_form(worker, is_active="on", email="attacker@example.jp"))
    worker.refresh_from_db()
    assert not worker.is_active and worker.email == "worker@example.jp"


def test_a_superusers_grant_is_logged_and_told_to_the_auditors(client, world, django_capture_on_commit_callbacks):
    root = UserFactory(username="root", **ROLES["superuser"])
    client.force_login(root)
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_role(client, world)
    notices = Notice.objects.filter(reason=Reason.ACCESS_CHANGE, user=world["auditor_watch"])
    assert notices.count() == 1
    notice = notices.get()
    assert "plain_member" in notice.title
    assert "役割「相談支援員」を付与" in notice.body and "root" in notice.body
    entry = LogEntry.objects.filter(object_pk=str(world["plain"].pk), actor=root).latest("timestamp")
    assert "groups" in entry.changes_dict
    assert "相談支援員" in str(entry.changes_dict["groups"])


def test_a_superusers_password_change_is_told_to_the_auditors(client, world, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(username="root2", **ROLES["superuser"]))
    with django_capture_on_commit_callbacks(execute=True):
        assert set_password(client, world)
    notice = Notice.objects.get(reason=Reason.ACCESS_CHANGE, user=world["auditor_watch"])
    assert "パスワードを変更" in notice.body and "worker_elsewhere" in notice.title


def test_changes_from_a_command_are_told_too(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world["worker"].organisation = world["covered"]
        world["worker"].save()
    notice = Notice.objects.get(reason=Reason.ACCESS_CHANGE, user=world["auditor_watch"])
    assert "所属団体を変更" in notice.body and "システム（コマンド）" in notice.body


def test_plain_accounts_changes_raise_no_notice(client, world, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(username="city_w", **ROLES["市職員"]))
    plain = world["plain"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:municipality_user_change", args=[plain.pk]), _user_form(plain, job_title="主事"))
    plain.refresh_from_db()
    assert plain.job_title == "主事"
    assert not Notice.objects.filter(reason=Reason.ACCESS_CHANGE).exists()


def test_a_role_granted_from_the_groups_side_is_told_too(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.get(name="相談支援員").user_set.add(world["plain"])
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.get(name="相談支援員").user_set.clear()
    told = Notice.objects.filter(reason=Reason.ACCESS_CHANGE, user=world["auditor_watch"])
    assert told.filter(title__contains="plain_member", body__contains="役割「相談支援員」を付与").exists()
    for name in ("plain_member", "worker_elsewhere", "assigned"):
        assert told.filter(title__contains=name, body__contains="役割「相談支援員」を解除").exists(), name


def test_a_superusers_lead_grant_is_told_to_the_auditors(client, world, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(username="root3", **ROLES["superuser"]))
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_case_lead(client, world)
    notice = Notice.objects.get(reason=Reason.ACCESS_CHANGE, user=world["auditor_watch"])
    assert "役割「相談支援管理者」を付与" in notice.body and "worker_elsewhere" in notice.title
