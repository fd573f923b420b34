"""Meetings of bodies other than councils (issue 17 must-have 1): the 推進員 定例会・連絡会議 and the
地域ケア会議, each with its own secretariat; inviting every coordinator; a coordinator's attendance
history; and the path 地域ケア会議 → 地域課題 → 協議体 → 資源開発 (seed 002)."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from activities.models import Need
from councils import documents, services
from councils.models import Body, BodyKind, CommunityIssue, Invitation, Meeting, Topic
from municipality.errors import DomainError
from reminders.services import send_due
from tests.factories import MeetingFactory, OrganisationFactory, UserFactory, WorkingGroupFactory
from tests.lifecycle import file_notice

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def city_org(db):
    return OrganisationFactory(name="汐見市 福祉部 高齢福祉課", legal_form="地方公共団体")


@pytest.fixture
def regular_secretary(db):
    return UserFactory(username="teireikai", roles=["協議体事務局"], is_staff=True)


@pytest.fixture
def care_secretary(db):
    return UserFactory(username="houkatsu", roles=["協議体事務局"], is_staff=True)


@pytest.fixture
def regular(city_org, regular_secretary):
    body = Body.objects.create(kind=BodyKind.COORDINATORS, name="地域支え合い推進員定例会", organiser=city_org)
    body.secretariat.add(regular_secretary)
    return body


@pytest.fixture
def care(city_org, care_secretary, areas):
    centre = OrganisationFactory(name="汐見中央地域包括支援センター", legal_form="社会福祉法人")
    body = Body.objects.create(kind=BodyKind.CARE_CONFERENCE, name="汐見中央 地域ケア会議", organiser=centre,
                               area=areas[0])
    body.secretariat.add(care_secretary)
    return body


def meeting_of(body, **kwargs):
    values = {"council": None, "body": body, "title": f"{body.name} 第1回", "date": dt.date(2026, 12, 10)}
    return MeetingFactory(**{**values, **kwargs})


@pytest.fixture
def coordinator(contract_a, contractor_a, city_user):
    from coordinators import services as coordinator_services

    notice = file_notice(contract_a, contractor_a)
    appointment = coordinator_services.appointment_notice_accept(notice=notice, accepted_by=city_user)
    coordinator = appointment.coordinator
    coordinator.user = UserFactory(username="suishin", roles=["コーディネーター"], organisation=contract_a.organisation)
    coordinator.save()
    return coordinator


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def test_a_meeting_belongs_to_exactly_one_body(council, regular):
    for values in ({"council": council, "body": regular}, {"council": None, "body": None},
                   {"council": None, "body": regular, "working_group": WorkingGroupFactory(council=council)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            MeetingFactory(**values)
    with pytest.raises(DomainError):
        services.meeting_create(meeting=Meeting(title="x", date=TODAY, start_time=dt.time(10), end_time=dt.time(11),
                                                place="x"), council=council, body=regular, agenda=[], by=None)


def test_every_page_names_the_kind_of_body(council, regular, care):
    group = WorkingGroupFactory(council=council)
    assert MeetingFactory(council=council).body_kind_label == "協議体"
    assert MeetingFactory(council=council, working_group=group).body_kind_label == "作業部会"
    assert meeting_of(regular).body_kind_label == "定例会・連絡会議"
    assert meeting_of(care).body_kind_label == "地域ケア会議"


def test_a_secretariat_does_not_see_another_bodys_meetings(client, council, secretary, regular, regular_secretary,
                                                           care, care_secretary, city_staff):
    mine, theirs, councils = meeting_of(regular), meeting_of(care), MeetingFactory(council=council)
    client.force_login(regular_secretary)
    assert client.get(reverse("councils:meeting", args=[mine.pk])).status_code == 200
    assert client.get(reverse("councils:body", args=[regular.pk])).status_code == 200
    for other in (theirs, councils):
        assert client.get(reverse("councils:meeting", args=[other.pk])).status_code == 404
        assert client.get(reverse("councils:meeting_pdf", args=[other.pk, "notice"])).status_code == 404
        assert client.get(reverse("admin:councils_meeting_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("councils:body", args=[care.pk])).status_code == 404
    assert client.get(reverse("councils:body_meeting_create", args=[care.pk])).status_code == 404
    listing = client.get(reverse("admin:councils_meeting_changelist")).content.decode()
    assert mine.title in listing and theirs.title not in listing and councils.title not in listing
    client.force_login(secretary)  # the council's secretary: not the other bodies'
    assert client.get(reverse("councils:meeting", args=[mine.pk])).status_code == 404
    assert client.get(reverse("councils:meeting", args=[councils.pk])).status_code == 200
    client.force_login(city_staff)
    assert client.get(reverse("councils:meeting", args=[theirs.pk])).status_code == 200


def test_the_secretariat_creates_a_regular_meeting_and_invites_every_coordinator_at_once(
        client, regular, regular_secretary, coordinator):
    client.force_login(regular_secretary)
    form = client.get(reverse("councils:body_meeting_create", args=[regular.pk]))
    token = form.context["form"]["once_token"].value()
    response = client.post(reverse("councils:body_meeting_create", args=[regular.pk]), {
        "title": "令和8年度 第9回 推進員定例会", "date": "2026-12-10", "start_time": "10:00", "end_time": "12:00",
        "place": "汐見市役所 第2会議室", "is_public": "", "closed_reason": "個別の事例を扱うため",
        "agenda_1": "各区域の活動報告", "topic_1": "1", "once_token": token})
    meeting = Meeting.objects.get(title="令和8年度 第9回 推進員定例会")
    assert response.status_code == 302 and meeting.body == regular and meeting.council is None
    invite = reverse("portal:invite_coordinators", args=[meeting.pk])
    assert client.post(invite).status_code == 302
    [invitation] = meeting.invitations.select_related("person")
    assert invitation.person.user == coordinator.user and invitation.person.name == coordinator.name
    client.post(invite)  # twice: no one twice
    assert meeting.invitations.count() == 1
    page = client.get(reverse("councils:meeting", args=[meeting.pk])).content.decode()
    assert "定例会・連絡会議" in page and coordinator.name in page


def test_a_council_secretary_cannot_invite_coordinators_to_a_council_meeting(client, council, secretary):
    meeting = MeetingFactory(council=council)
    client.force_login(secretary)
    assert client.post(reverse("portal:invite_coordinators", args=[meeting.pk])).status_code == 404


def test_notice_mail_calendar_and_reminder_name_the_body(regular, regular_secretary, coordinator, smtp_sink):
    from tests.conftest import name_city

    name_city("汐見市")
    meeting = meeting_of(regular, title="令和8年度 第9回 推進員定例会", date=dt.date(2026, 11, 30))
    coordinator.user.email = "suishin@example.jp"
    coordinator.user.save()
    services.meeting_invite_users(meeting=meeting, by=regular_secretary, people=[{
        "user": coordinator.user, "name": coordinator.name, "name_kana": "", "email": coordinator.user.email}])
    assert services.invitations_send(meeting=meeting) == (1, 0)
    assert send_due() >= 1
    [message] = smtp_sink.messages
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "地域支え合い推進員定例会を次のとおり開催します" in text and "地域支え合い推進員定例会 事務局" in text
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True).decode()
    assert "地域支え合い推進員定例会" in ics
    notice = pdf_text(documents.notice_pdf(meeting).content)
    assert "地域支え合い推進員定例会を下記のとおり開催します" in notice and "関係者各位" in notice
    from django.test import Client

    # The body's own calendar feed.
    response = Client().get(reverse("meetings:feed", args=[regular.feed_token]))
    assert response.status_code == 200 and "令和8年度 第9回 推進員定例会" in response.content.decode()
    # The meeting reminder (7 days before) of a meeting whose notice was not mailed names the body.
    from reminders import services as reminder_services
    from reminders.models import Delivery, Reason

    second = meeting_of(regular, title="令和8年度 第10回 推進員定例会", date=dt.date(2026, 11, 30))
    services.meeting_invite_users(meeting=second, by=regular_secretary, people=[{
        "user": coordinator.user, "name": coordinator.name, "name_kana": "", "email": coordinator.user.email}])
    reminder_services.scan()
    [reminder] = Delivery.objects.filter(reason=Reason.MEETING, object_key=f"councils.meeting:{second.pk}",
                                         recipient=coordinator.user.email)
    assert "地域支え合い推進員定例会の会議「令和8年度 第10回 推進員定例会」" in reminder.body


def test_a_coordinators_page_shows_their_attendance_history(client, regular, regular_secretary, coordinator,
                                                            contractor_a):
    meeting = meeting_of(regular, title="推進員定例会 11月", date=dt.date(2026, 11, 30))
    services.meeting_invite_users(meeting=meeting, by=regular_secretary, people=[{
        "user": coordinator.user, "name": coordinator.name, "name_kana": "", "email": ""}])
    Meeting.objects.filter(pk=meeting.pk).update(date=dt.date(2026, 11, 20))
    meeting.refresh_from_db()
    services.attendance_record(meeting=meeting, attended_person_ids=[Invitation.objects.get().person_id],
                               by=regular_secretary)
    for user in (coordinator.user, contractor_a):
        client.force_login(user)
        detail = client.get(reverse("coordinators:detail", args=[coordinator.pk])).content.decode()
        assert reverse("portal:coordinator_meetings", args=[coordinator.pk]) in detail
        page = client.get(reverse("portal:coordinator_meetings", args=[coordinator.pk])).content.decode()
        assert "推進員定例会 11月" in page and "定例会・連絡会議" in page and "出席" in page
        assert "令和8年11月20日" in page
    client.force_login(UserFactory(username="stranger-sec", roles=["協議体事務局"], is_staff=True))
    assert client.get(reverse("portal:coordinator_meetings", args=[coordinator.pk])).status_code == 404


def test_a_community_issue_is_raised_only_at_a_care_conference(regular, care, care_secretary):
    with pytest.raises(DomainError):
        services.community_issue_raise(meeting=meeting_of(regular), title="買い物", description="", area_id=None,
                                       council=None, by=care_secretary)
    issue = services.community_issue_raise(meeting=meeting_of(care), title="買い物", description="", area_id=None,
                                           council=None, by=care_secretary)
    assert issue.pk


def test_the_path_from_a_care_conference_to_resource_development_can_be_followed(
        client, care, care_secretary, council, secretary, coordinator, areas):
    conference = meeting_of(care, title="汐見中央 地域ケア会議 11月", date=dt.date(2026, 11, 20))
    client.force_login(care_secretary)
    url = reverse("councils:issue_raise", args=[conference.pk])
    token = client.get(url).context["form"]["once_token"].value()
    response = client.post(url, {"title": "坂の上の地区で買い物に行けない高齢者が多い",
                                 "description": "移動販売の空白地帯。", "area": areas[0].pk,
                                 "council": council.pk, "once_token": token})
    assert response.status_code == 302
    issue = CommunityIssue.objects.get()
    assert issue.council == council
    meeting_page = client.get(reverse("councils:meeting", args=[conference.pk])).content.decode()
    assert reverse("portal:issue", args=[issue.pk]) in meeting_page  # step 1 → 2
    # The council's secretariat sees the issue (it was taken to their council) and puts it on an agenda.
    council_meeting = MeetingFactory(council=council, title="令和8年度 第3回 第1層協議体", date=dt.date(2026, 12, 15))
    client.force_login(secretary)
    page = client.get(reverse("portal:issue", args=[issue.pk]))
    assert page.status_code == 200
    token = page.context["agenda_form"]["once_token"].value()
    response = client.post(reverse("portal:issue", args=[issue.pk]), {
        "meeting": council_meeting.pk, "topic": Topic.T2, "once_token": token, "agenda": "1"})
    assert response.status_code == 302
    [item] = council_meeting.agenda.all()
    assert item.community_issue == issue and item.title == issue.title
    council_page = client.get(reverse("councils:meeting", args=[council_meeting.pk])).content.decode()
    assert reverse("portal:issue", args=[issue.pk]) in council_page  # step 2 ← 1, and on to 3
    # A coordinator of the area takes it on as a need.
    client.force_login(coordinator.user)
    page = client.get(reverse("portal:issue", args=[issue.pk]))
    assert page.status_code == 200
    token = page.context["need_form"]["once_token"].value()
    response = client.post(reverse("portal:issue", args=[issue.pk]), {
        "area": areas[0].pk, "once_token": token, "need": "1"})
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.community_issue == issue and need.recorded_by == coordinator
    # …and records a resource development activity that names it (refused on another function).
    from activities import services as activity_services
    from activities.models import Function
    from tests.factories import ActivityCategoryFactory

    values = {"coordinator": coordinator, "by": coordinator.user, "date": dt.date(2026, 11, 22), "minutes": 60,
              "area": areas[0], "participants": 2, "narrative": "移動販売の停車場所を生協と協議した。",
              "follow_up_on": None, "community_issue": issue}
    with pytest.raises(DomainError):
        activity_services.activity_log(category=ActivityCategoryFactory(function=Function.C), **values)
    activity_services.activity_log(category=ActivityCategoryFactory(function=Function.A), **values)
    assert reverse("portal:issue", args=[issue.pk]) in client.get(reverse("activities:list")).content.decode()
    assert reverse("portal:issue", args=[issue.pk]) in client.get(reverse("activities:needs")).content.decode()
    page = client.get(reverse("portal:issue", args=[issue.pk])).content.decode()
    assert "汐見中央 地域ケア会議 11月" in page and "令和8年度 第3回 第1層協議体" in page and need.title in page
    assert "令和8年11月22日" in page  # the activity, step 3
    # Someone with no part in it gets 404.
    client.force_login(UserFactory(username="stranger-sec", roles=["協議体事務局"], is_staff=True))
    assert client.get(reverse("portal:issue", args=[issue.pk])).status_code == 404


def test_the_meeting_lists_make_the_same_queries_whatever_the_rows(client, council, secretary, regular, care,
                                                                  city_staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    regular.secretariat.add(secretary)
    group = WorkingGroupFactory(council=council)

    def add(n):
        for i in range(n):
            MeetingFactory(council=council, working_group=group if i % 2 else None)
            meeting_of(regular, title=f"定例会 {i}")
            meeting_of(care, title=f"地域ケア会議 {i}")

    def counts():
        found = []
        for user, url in ((secretary, reverse("councils:meetings")), (city_staff, reverse("councils:meetings")),
                          (city_staff, reverse("councils:meetings") + "?kind=care_conference"),
                          (secretary, reverse("admin:councils_meeting_changelist")),
                          (city_staff, reverse("admin:councils_meeting_changelist"))):
            client.force_login(user)
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured))
        return found

    add(1)
    few = counts()
    add(8)
    assert counts() == few
    client.force_login(secretary)
    page = client.get(reverse("councils:meetings")).content.decode()
    assert "定例会 7" in page and "地域ケア会議 7" not in page  # the care conference is not theirs
    assert "定例会・連絡会議：地域支え合い推進員定例会" in page and "作業部会：" in page


def test_bodies_and_community_issues_with_history_are_not_deleted(regular, care, care_secretary, council):
    from django.db.models import ProtectedError

    conference = meeting_of(care)
    issue = services.community_issue_raise(meeting=conference, title="買い物", description="", area_id=None,
                                           council=council, by=care_secretary)
    services.community_issue_to_agenda(issue=issue, meeting=MeetingFactory(council=council), topic=Topic.T2,
                                       by=care_secretary)
    for record in (care, conference, issue):
        with pytest.raises(ProtectedError), transaction.atomic():
            record.delete()
    with pytest.raises(DomainError):  # once on the agenda, not twice
        services.community_issue_to_agenda(issue=issue, meeting=issue.agenda_items.get().meeting, topic=Topic.T2,
                                           by=care_secretary)
