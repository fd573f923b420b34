"""Roles are Django groups; the permissions of each are declared here and in later apps.

Each app may have a ``roles.py`` with ``PERMISSIONS = {Role.X: ["app.codename", ...]}``;
``sync_roles`` gathers them all and sets every group's permissions to exactly that.
It runs after every ``migrate``, so a fresh database always has every role's group.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction

from municipality.discovery import app_modules


class Role(models.TextChoices):
    CITY_STAFF = "市職員", "市職員"
    CONTRACTOR = "受託団体", "受託団体"
    COORDINATOR = "コーディネーター", "コーディネーター"
    SECRETARIAT = "協議体事務局", "協議体事務局"
    CASE_WORKER = "相談支援員", "相談支援員"
    AUDITOR = "監査", "監査"
    # The lead (管理者) of an organisation's case team: a 相談支援員 who also sees the team's cases,
    # assigns its workers and hears of urgent cases and possible duplicates (consultations/).
    CASE_LEAD = "相談支援管理者", "相談支援管理者"


# Roles whose users work in the Django admin (is_staff); the others use the portal only.
ADMIN_ROLES = frozenset({Role.CITY_STAFF, Role.SECRETARIAT, Role.AUDITOR})

# Roles that see every object of the municipality that is not need-to-know data.
CITY_WIDE_ROLES = frozenset({Role.CITY_STAFF, Role.AUDITOR})

# Roles that reach case records or the log of their reads: only a superuser grants, removes or
# takes over an account that holds one (municipality/duties.py).
# The team lead is one too: the role opens every case of the lead's organisation's team.
PRIVILEGED_ROLES = frozenset({Role.CASE_WORKER, Role.AUDITOR, Role.CASE_LEAD})

# Roles that act for their organisation and so see its rows. A coordinator does not:
# a coordinator sees their own records and their areas, not their colleagues' papers.
ORGANISATION_WIDE_ROLES = frozenset(set(Role) - {Role.COORDINATOR})

PERMISSIONS: dict[Role, list[str]] = {
    Role.CITY_STAFF: [
        "municipality.view_municipality",
        "municipality.change_municipality",
        "municipality.view_planperiod",
        "municipality.add_planperiod",
        "municipality.change_planperiod",
        "municipality.view_area",
        "municipality.add_area",
        "municipality.change_area",
        "municipality.view_organisation",
        "municipality.add_organisation",
        "municipality.change_organisation",
        "municipality.view_user",
        "municipality.add_user",
        "municipality.change_user",
        "municipality.view_workerheartbeat",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
    ],
    Role.CONTRACTOR: [],
    Role.COORDINATOR: [],
    Role.SECRETARIAT: [
        "municipality.view_area",
        "municipality.view_organisation",
    ],
    Role.CASE_WORKER: [],
    Role.AUDITOR: [
        "auditlog.view_logentry",
        "municipality.view_user",
        "municipality.view_organisation",
        "municipality.view_area",
        "municipality.view_municipality",
        "municipality.view_planperiod",
    ],
}


def collect_permissions() -> dict[Role, set[str]]:
    """The permissions of every role, gathered from each installed app's roles.py."""
    collected: dict[Role, set[str]] = defaultdict(set)
    for module in app_modules("roles"):
        for role, names in getattr(module, "PERMISSIONS", {}).items():
            collected[Role(role)].update(names)
    return collected


@transaction.atomic
def sync_roles() -> None:
    """Create the groups and give each exactly the permissions declared for it."""
    declared = collect_permissions()
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = declared.get(role, set())
        permissions = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            try:
                permissions.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            except Permission.DoesNotExist as exc:
                raise LookupError(f"役割「{role.label}」の権限 {dotted} が存在しません。") from exc
        current = set(group.permissions.values_list("pk", flat=True))
        if current != {p.pk for p in permissions}:
            group.permissions.set(permissions)


# ASCII names for templates and CSS classes.
ROLE_SLUGS: dict[Role, str] = {
    Role.CITY_STAFF: "city_staff",
    Role.CONTRACTOR: "contractor",
    Role.COORDINATOR: "coordinator",
    Role.SECRETARIAT: "secretariat",
    Role.CASE_WORKER: "case_worker",
    Role.AUDITOR: "auditor",
    Role.CASE_LEAD: "case_lead",
}
