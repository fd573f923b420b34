"""The admin lists query count, what stays out of the audit log, the login lockout behind a proxy."""


import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordinators import services
from tests.lifecycle import CONTRACT_START, file_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(accepted, city_user):
    return services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)


@pytest.mark.parametrize("url", ["admin:coordinators_appointment_changelist", "admin:coordinators_certificate_changelist",
                                 "admin:forms_pdf_issueddocument_changelist"])
def test_admin_lists_keep_their_query_count(client, city_user, contract_a, contractor_a, url):
    client.force_login(city_user)

    def add(names):
        for name in names:
            appointment = services.appointment_notice_accept(
                notice=file_notice(contract_a, contractor_a, name=name), accepted_by=city_user)
            certificate = services.certificate_issue(appointment=appointment, issued_by=city_user,
                                                     issued_on=CONTRACT_START)
            services.certificate_reissue(certificate=certificate, reason="紛失", issued_by=city_user)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url)).status_code == 200
        return len(queries)

    add(["一"])
    few = count()
    add(["二", "三", "四"])
    assert count() == few


def test_beat_schedules_are_not_in_the_audit_log():
    from auditlog.registry import auditlog
    from django_celery_beat.models import PeriodicTask

    assert not auditlog.contains(PeriodicTask)


def test_a_forged_forwarded_header_does_not_dodge_the_lockout(client, contractor_a):
    from django.conf import settings

    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "contractor_a", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    response = client.post(reverse("login"), {"username": "contractor_a", "password": "x"},
                           HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429
