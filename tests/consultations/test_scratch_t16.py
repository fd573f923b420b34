import pytest
from auditlog.models import LogEntry
from django.urls import reverse

pytestmark = pytest.mark.django_db

def test_scratch(client, case, case_worker):
    client.force_login(case_worker)
    before = LogEntry.objects.count()
    r = client.get(reverse("cases:detail", args=[case.pk]))
    assert r.status_code == 200
    for e in LogEntry.objects.order_by("pk")[before:]:
        print(e.action, e.content_type, e.object_repr, e.changes, e.additional_data, e.cid)
    r = client.get(reverse("cases:list"))
    print("after list")
    for e in LogEntry.objects.order_by("pk")[before:]:
        print(e.action, e.content_type, e.object_repr, e.changes, e.additional_data, e.cid)
