"""The downloads of the councils' admin lists (members, meetings, attendance, pledges): a secretary's
files hold their own councils' rows only, as their lists do."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from councils import services
from councils.models import PledgeContext, Response
from tests.council_fixtures import people
from tests.factories import CouncilFactory, InvitationFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows_of(response, encoding="utf-8-sig"):
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode(encoding))))


@pytest.fixture
def other_council(periods):
    secretary = UserFactory(username="other-secretary", roles=["協議体事務局"], is_staff=True)
    return CouncilFactory(name="別の協議体", layer=2, secretariat=[secretary]), secretary


def test_members_export_holds_the_secretarys_councils_only(client, council, body, secretary, other_council):
    other, other_secretary = other_council
    mine, theirs = people(1, "髙橋")[0], people(1, "別協議体の委員")[0]
    services.membership_add(council=council, person=mine, organisation=body, start=dt.date(2025, 4, 1), by=secretary)
    services.membership_add(council=other, person=theirs, organisation=body, start=dt.date(2025, 4, 1),
                            by=other_secretary)
    client.force_login(secretary)
    url = reverse("admin:councils_membership_changelist")
    rows = rows_of(client.get(url, {"_export": "csv_cp932"}), "cp932")
    assert rows[0] == ["協議体", "氏名", "選出団体", "計画期間", "任期の始まり", "任期の終わり", "補欠", "再任"]
    assert [row[:2] for row in rows[1:]] == [["汐見市第1層協議体", "髙橋0"]]
    assert rows[1][4] == "令和7年4月1日"
    sheet = load_workbook(io.BytesIO(client.post(url, {"action": "export_xlsx", "select_across": "1",
                                                       "index": "0", "_selected_action": ["0"]}).content))["構成員名簿"]
    assert sheet.max_row == 2 and sheet["E2"].is_date


def test_meetings_and_their_attendance_export_as_the_list_filters_them(client, council, secretary, other_council):
    other, _ = other_council
    held = MeetingFactory(council=council, title="第1回", date=dt.date(2026, 10, 1), place="=公民館")
    later = MeetingFactory(council=council, title="第2回", date=dt.date(2026, 12, 1))
    foreign = MeetingFactory(council=other, title="他の会議", date=dt.date(2026, 10, 2))
    for meeting in (held, later, foreign):
        InvitationFactory(meeting=meeting, person=people(1, f"{meeting.title}の委員")[0],
                          response=Response.ATTENDING, attended=True if meeting is held else None)
    client.force_login(secretary)
    url = reverse("admin:councils_meeting_changelist")
    rows = rows_of(client.get(url, {"_export": "csv"}))
    assert rows[0][:5] == ["開催日", "開始時刻", "終了時刻", "会議名", "協議体"]
    assert [row[3] for row in rows[1:]] == ["第2回", "第1回"]  # the list's order; no other council's meeting
    assert rows[2][:4] + rows[2][6:8] == ["令和8年10月1日", "14:00", "16:00", "第1回", "'=公民館", "公開"]
    rows = rows_of(client.get(url, {"q": "第1回", "_export": "csv"}))
    assert [row[3] for row in rows[1:]] == ["第1回"]

    response = client.post(url, {"action": "attendance_csv", "_selected_action": [held.pk, later.pk, foreign.pk]})
    rows = rows_of(response)
    assert rows[0] == ["開催日", "会議名", "協議体", "氏名", "区分", "出欠の回答", "回答日時", "出席の記録"]
    # The other council's meeting is not in the secretary's list, so not in what an action gets.
    assert [(row[1], row[3], row[7]) for row in rows[1:]] == [("第2回", "第2回の委員0", "未記録"),
                                                             ("第1回", "第1回の委員0", "出席")]


def test_pledges_export(client, council, secretary, other_council):
    other, _ = other_council
    services.pledge_record(person=people(1, "山﨑")[0], council=council, context=PledgeContext.MEMBER,
                           signed_on=dt.date(2026, 4, 10), by=secretary)
    services.pledge_record(person=people(1, "別")[0], council=other, context=PledgeContext.MEMBER,
                           signed_on=dt.date(2026, 4, 11), by=secretary)
    client.force_login(secretary)
    rows = rows_of(client.get(reverse("admin:councils_pledge_changelist"), {"_export": "csv_cp932"}), "cp932")
    assert rows == [["氏名", "協議体", "立場", "誓約日"], ["山﨑0", "汐見市第1層協議体", "構成員", "令和8年4月10日"]]


# --- The portal's council pages -------------------------------------------------------------------

def test_the_portal_council_page_exports_its_members_and_meetings(client, council, body, secretary, other_council):
    other, other_secretary = other_council
    today_member, coming = people(2, "髙橋")
    services.membership_add(council=council, person=today_member, organisation=body, start=dt.date(2025, 4, 1),
                            by=secretary)
    services.membership_add(council=other, person=people(1, "別")[0], organisation=body, start=dt.date(2025, 4, 1),
                            by=other_secretary)
    MeetingFactory(council=council, title="第1回", date=dt.date(2026, 10, 1))
    MeetingFactory(council=other, title="他の会議", date=dt.date(2026, 10, 2))
    client.force_login(secretary)
    url = reverse("councils:detail", args=[council.pk])
    page = client.get(url).content.decode()
    assert 'href="?export=csv_cp932" download>CSV（Excel用 Shift_JIS）' in page
    assert 'href="?list=meetings&amp;export=xlsx" download>Excel' in page
    # A member whose term is still to come is on the page (「これから任期が始まる構成員」), so in the file.
    services.membership_add(council=council, person=coming, organisation=body,
                            start=timezone.localdate() + dt.timedelta(days=10), by=secretary)
    rows = rows_of(client.get(url, {"export": "csv_cp932"}), "cp932")
    assert [row[1] for row in rows[1:]] == ["髙橋0", "髙橋1"]
    rows = rows_of(client.get(url, {"export": "csv", "list": "meetings"}))
    assert [row[3] for row in rows[1:]] == ["第1回"]
    # Another council's page answers 404, its downloads too.
    assert client.get(reverse("councils:detail", args=[other.pk]), {"export": "csv"}).status_code == 404


def test_the_portal_meeting_page_exports_its_invitees(client, council, secretary, other_council):
    other, _ = other_council
    meeting = MeetingFactory(council=council, title="第1回", date=dt.date(2026, 10, 1))
    InvitationFactory(meeting=meeting, person=people(1, "山﨑")[0], response=Response.DECLINED)
    foreign = MeetingFactory(council=other, title="他の会議")
    InvitationFactory(meeting=foreign, person=people(1, "別")[0])
    client.force_login(secretary)
    url = reverse("councils:meeting", args=[meeting.pk])
    assert 'href="?export=csv_cp932" download>' in client.get(url).content.decode()
    rows = rows_of(client.get(url, {"export": "csv_cp932"}), "cp932")
    assert rows[1:] == [["令和8年10月1日", "第1回", "汐見市第1層協議体", "山﨑0", "構成員", "欠席", "", "未記録"]]
    assert client.get(reverse("councils:meeting", args=[foreign.pk]), {"export": "csv"}).status_code == 404


def test_meeting_and_attendance_exports_cost_the_same_queries_for_one_meeting_and_for_five(
        client, council, secretary, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for _ in range(n):
            meeting = MeetingFactory(council=council)
            for person in people(2, "委員"):
                InvitationFactory(meeting=meeting, person=person)

    client.force_login(secretary)
    url = reverse("admin:councils_meeting_changelist")

    def attendance():
        return client.post(url, {"action": "attendance_xlsx", "select_across": "1", "index": "0",
                                 "_selected_action": ["0"]})

    add(1)
    with CaptureQueriesContext(connection) as listing:
        client.get(url, {"_export": "xlsx"})
    with CaptureQueriesContext(connection) as invitees:
        attendance()
    add(4)
    with django_assert_num_queries(len(listing)):
        client.get(url, {"_export": "xlsx"})
    with django_assert_num_queries(len(invitees)):
        response = attendance()
    assert load_workbook(io.BytesIO(response.content))["出欠と出席"].max_row == 11
