"""Monthly reports: the organisation confirms before the city, nobody confirms their own, who counts as not submitted, the organisation report."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from activities import services
from activities.models import Function, ReportStatus
from municipality.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def log(coordinator, category, area, day=dt.date(2026, 11, 20), **extra):
    values = dict(date=day, minutes=60, area=area, category=category, participants=2, narrative="記録",
                  follow_up_on=None)
    values.update(extra)
    return services.activity_log(coordinator=coordinator, by=coordinator.user, **values)


def test_the_city_does_not_skip_the_organisation(coord_a, city_user, contractor_a):
    report = services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=coord_a.user)
    with pytest.raises(DomainError, match="まず団体が"):
        services.report_return(report=report, by=city_user, comment="x")


def test_nobody_confirms_their_own_report(coord_a):
    user = coord_a.user
    user.groups.add(*UserFactory(roles=["受託団体"]).groups.all())
    user = type(user).objects.get(pk=user.pk)
    report = services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=user)
    with pytest.raises(DomainError, match="自分の報告"):
        services.report_confirm(report=report, by=user)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_coordinator_appointed_mid_month_is_counted_as_not_submitted(coord_a, contract_a, contractor_a, city_user,
                                                                       areas):
    from activities.selectors import coordinators_without_report
    from tests.activities.conftest import appoint

    late = appoint(contract_a, contractor_a, city_user, username="late", name="途中 入る", areas=[areas[1]])
    late.appointments.update(start=dt.date(2026, 10, 15))
    names = {c.name for c in coordinators_without_report(dt.date(2026, 10, 1))}
    assert "途中 入る" in names


def test_organisation_monthly_report(client, coord_a, coord_a2, categories, areas, contractor_a, contractor_b):
    log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 5))
    log(coord_a2, categories[Function.C], areas[1], day=dt.date(2026, 10, 6))
    services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=coord_a.user)
    url = reverse("activities:organisation_report_xlsx", args=[coord_a.employer_id, 2026, 10])
    client.force_login(contractor_b)
    assert client.get(url).status_code == 404
    client.force_login(contractor_a)
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["松本 さくら"][1] == 1 and rows["松本 さくら"][-1] == "提出済（団体の確認待ち）"
    assert rows["井上 大輔"][3] == 1 and rows["井上 大輔"][-1] == "未提出"
    assert rows["合計"][5] == 2
    pdf = client.get(reverse("activities:organisation_report_pdf", args=[coord_a.employer_id, 2026, 10]))
    assert pdf["Content-Type"] == "application/pdf"


def test_a_submitted_month_offers_no_edit_and_its_edit_page_says_why(client, coord_a, contractor_a, categories,
                                                                     areas):
    october = log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 20), narrative="十月の記録")
    november = log(coord_a, categories[Function.A], areas[0], narrative="十一月の記録")
    report = services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=coord_a.user)
    client.force_login(coord_a.user)
    listing = client.get(reverse("activities:list")).content.decode()
    assert reverse("activities:edit", args=[october.pk]) not in listing
    assert reverse("activities:edit", args=[november.pk]) in listing
    assert "月次報告を提出した月のため修正できません" in listing
    page = client.get(reverse("activities:edit", args=[october.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "令和8年10月の月次報告は「提出済（団体の確認待ち）」のため" in body
    assert 'name="narrative"' not in body and "修正を保存する" not in body
    # A returned report unlocks the month again: the link and the form come back.
    services.report_return(report=report, by=contractor_a, comment="日付の誤り")
    assert reverse("activities:edit", args=[october.pk]) in client.get(reverse("activities:list")).content.decode()
    assert 'name="narrative"' in client.get(reverse("activities:edit", args=[october.pk])).content.decode()
