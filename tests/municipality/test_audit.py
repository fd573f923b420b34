"""Every change is logged (who, when, what); the 監査 role reads the log; nobody edits it."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from municipality.models import Organisation
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_change_is_logged_with_actor_and_fields(client, city_staff, org_a):
    client.force_login(city_staff)
    url = reverse("admin:municipality_organisation_change", args=[org_a.pk])
    response = client.post(
        url,
        {
            "name": org_a.name,
            "name_kana": "",
            "legal_form": "社会福祉法人",
            "address": "汐見市松林一丁目1番1号",
            "representative_title": "理事長",
            "representative_name": "山田 太郎",
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    entry = LogEntry.objects.get_for_object(org_a).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == city_staff
    assert entry.changes["address"] == ["", "汐見市松林一丁目1番1号"]
    assert entry.changes["representative_name"] == ["", "山田 太郎"]
    assert entry.timestamp is not None


def test_creation_of_an_area_is_logged():
    parent = AreaFactory(layer=1, parent=None)
    assert LogEntry.objects.get_for_object(parent).filter(action=LogEntry.Action.CREATE).exists()


def test_passwords_are_masked_in_the_log():
    user = UserFactory(username="masked")
    user.set_password("another-secret-123")
    user.save()
    for entry in LogEntry.objects.get_for_object(user):
        assert "another-secret-123" not in str(entry.changes)
        assert user.password not in str(entry.changes)


def test_auditor_reads_the_log(client, auditor, org_a):
    client.force_login(auditor)
    response = client.get(reverse("admin:auditlog_logentry_changelist"))
    assert response.status_code == 200
    assert org_a.name in response.content.decode()


def test_city_staff_cannot_read_the_log(client, city_staff):
    client.force_login(city_staff)
    response = client.get(reverse("admin:auditlog_logentry_changelist"))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["auditor", "superuser"])
def test_nobody_can_change_or_delete_an_entry(client, auditor, org_a, who):
    user = auditor if who == "auditor" else UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    entry = LogEntry.objects.get_for_object(org_a).first()
    before = (entry.changes, entry.action, entry.actor_id)
    change_url = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    delete_url = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    client.post(change_url, {"action": 2, "changes": "{}"})
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    entry.refresh_from_db()
    assert (entry.changes, entry.action, entry.actor_id) == before
    assert Organisation.objects.filter(pk=org_a.pk).exists()


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_audit_entries(org_a):
    from django.db import DatabaseError, connection, transaction

    entry = LogEntry.objects.get_for_object(org_a).first()
    with pytest.raises(DatabaseError, match="監査ログは変更できません"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(changes={"forged": True})
    with pytest.raises(DatabaseError, match="監査ログは削除できません"), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
