"""Activities: own areas only, locked by the monthly report; the report's workflow, step by step."""

import datetime as dt

import pytest
import time_machine

from activities import services
from activities.models import Activity, Function, MonthlyReport, ReportEvent, ReportStatus
from municipality.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def log(coordinator, category, area, day=dt.date(2026, 11, 20), **extra):
    values = dict(date=day, minutes=60, area=area, category=category, participants=3,
                  narrative="民生委員と見守りの情報交換", follow_up_on=None)
    values.update(extra)
    return services.activity_log(coordinator=coordinator, by=coordinator.user, **values)


def test_log_in_an_own_area(coord_a, categories, areas):
    activity = log(coord_a, categories[Function.C], areas[0])
    assert activity.function == Function.C
    assert activity.coordinator == coord_a


def test_another_area_is_refused(coord_a, categories, areas):
    with pytest.raises(DomainError, match="担当している区域ではありません"):
        log(coord_a, categories[Function.A], areas[1])
    assert not Activity.objects.exists()


def test_a_future_day_is_refused(coord_a, categories, areas):
    with pytest.raises(DomainError, match="未来の日付"):
        log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 11, 24))


def test_a_retired_category_is_refused(coord_a, categories, areas):
    category = categories[Function.A]
    category.is_active = False
    category.save()
    with pytest.raises(DomainError, match="使われていません"):
        log(coord_a, category, areas[0])


def test_submitting_locks_the_month_and_a_return_unlocks_it(coord_a, categories, areas, city_user, contractor_a):
    activity = log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 5))
    report = services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=coord_a.user)
    with pytest.raises(DomainError, match="令和8年10月の月次報告は「提出済"):
        log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 6))
    values = dict(date=activity.date, minutes=90, area=areas[0], category=categories[Function.B], participants=1,
                  narrative="修正", follow_up_on=None)
    with pytest.raises(DomainError, match="変更できません"):
        services.activity_update(activity=activity, by=coord_a.user, **values)
    with pytest.raises(DomainError, match="削除できません"):
        services.activity_delete(activity=activity, by=coord_a.user)
    # Moving a November activity into the locked October is refused too.
    november = log(coord_a, categories[Function.A], areas[0])
    with pytest.raises(DomainError, match="令和8年10月"):
        services.activity_update(activity=november, by=coord_a.user, **values)

    services.report_return(report=report, by=contractor_a, comment="件数を確認してください")
    services.activity_update(activity=activity, by=coord_a.user, **values)
    activity.refresh_from_db()
    assert (activity.minutes, activity.function) == (90, Function.B)


def test_the_report_workflow_records_every_step(coord_a, categories, areas, city_user, contractor_a):
    month = dt.date(2026, 10, 1)
    report = services.report_submit(coordinator=coord_a, month=month, by=coord_a.user)
    with pytest.raises(DomainError, match="団体の確認が先"):
        services.report_accept(report=report, by=city_user)
    services.report_confirm(report=report, by=contractor_a)
    with pytest.raises(DomainError, match="市だけが差し戻せます"):
        services.report_return(report=report, by=contractor_a, comment="x")
    services.report_return(report=report, by=city_user, comment="9日の記録の区域を確認してください")
    report.refresh_from_db()
    assert (report.status, report.comment) == (ReportStatus.RETURNED, "9日の記録の区域を確認してください")
    services.report_submit(coordinator=coord_a, month=month, by=coord_a.user)
    services.report_confirm(report=report, by=contractor_a)
    services.report_accept(report=report, by=city_user)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    with pytest.raises(DomainError, match="すでに「受理」"):
        services.report_submit(coordinator=coord_a, month=month, by=coord_a.user)
    services.report_return(report=report, by=city_user, comment="数字の訂正のため再開します")
    actions = list(report.events.values_list("action", flat=True))
    assert actions == ["submit", "confirm", "return", "submit", "confirm", "accept", "reopen"]
    assert all(e.actor_id for e in ReportEvent.objects.all())


def test_only_the_own_organisation_confirms(coord_a, contractor_b, city_user):
    report = services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=coord_a.user)
    with pytest.raises(DomainError, match="所属する団体の担当者"):
        services.report_confirm(report=report, by=contractor_b)
    with pytest.raises(DomainError, match="所属する団体の担当者"):
        services.report_confirm(report=report, by=city_user)
    stranger = UserFactory(roles=["相談支援員"])
    with pytest.raises(DomainError, match="差し戻すことはできません"):
        services.report_return(report=report, by=stranger, comment="x")
    with pytest.raises(DomainError, match="市の職員"):
        services.report_accept(report=report, by=contractor_b)


def test_a_month_that_has_not_begun_cannot_be_submitted(coord_a):
    with pytest.raises(DomainError, match="これから始まる月"):
        services.report_submit(coordinator=coord_a, month=dt.date(2026, 12, 1), by=coord_a.user)
    assert not MonthlyReport.objects.exists()


def test_a_return_needs_a_reason(coord_a, city_user, contractor_a):
    report = services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=coord_a.user)
    with pytest.raises(DomainError, match="差戻しの理由"):
        services.report_return(report=report, by=contractor_a, comment="  ")


def test_dashboard_counts_follow_every_change(coord_a, categories, areas, contractor_a):
    from activities.models import ActivityCount

    def buckets():
        return {(c.area_id, c.function, c.month): c.count for c in ActivityCount.objects.filter(count__gt=0)}

    a = log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 5))
    log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 6))
    assert buckets() == {(areas[0].pk, "A", dt.date(2026, 10, 1)): 2}
    services.activity_update(activity=a, by=coord_a.user, date=dt.date(2026, 11, 2), minutes=30, area=areas[0],
                             category=categories[Function.C], participants=0, narrative="x", follow_up_on=None)
    services.activity_delete(activity=Activity.objects.get(date=dt.date(2026, 10, 6)), by=coord_a.user)
    expected = {(areas[0].pk, "C", dt.date(2026, 11, 1)): 1}
    assert buckets() == expected
    services.activity_counts_rebuild()
    assert buckets() == expected
