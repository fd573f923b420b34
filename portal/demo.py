"""Demo data that joins the apps (loaded last): the coordinators' 定例会 of both layers and the city,
with invitations and attendance, and a 地域ケア会議 whose 地域課題 went to the 第1層 council's agenda
and on to a need and a resource development activity (seed 002)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from activities import services as activity_services
from activities.models import ActivityCategory, Function, Need
from coordinators.models import Appointment, Coordinator
from councils import services as council_services
from councils.demo import MINUTES_STATE_LABELS, minutes_to_state
from councils.models import Body, BodyKind, Meeting, Topic
from municipality.models import Area, Organisation, User


def _invite_coordinators(meeting: Meeting, by: User, city: User) -> None:
    in_office = Appointment.objects.active_on(timezone.localdate()).values("coordinator_id")
    people = [{"user": c.user, "name": c.name, "name_kana": c.name_kana, "email": c.user.email}
              for c in Coordinator.objects.filter(pk__in=in_office, user__isnull=False).select_related("user")]
    people.append({"user": city, "name": city.name, "name_kana": "", "email": city.email})
    council_services.meeting_invite_users(meeting=meeting, people=people, by=by)


def _held(meeting: Meeting, days_ago: int) -> Meeting:
    # Invitations are made before a meeting; the demo's past meetings are set up today and then
    # moved back to the day they were held.
    Meeting.objects.filter(pk=meeting.pk).update(date=timezone.localdate() - dt.timedelta(days=days_ago))
    meeting.refresh_from_db()
    return meeting


def load(out) -> None:
    if Body.objects.exists() or not Coordinator.objects.filter(user__username="coordinator").exists():
        out.write("定例会・地域ケア会議のデモデータは登録済みです。")
        return
    today = timezone.localdate()
    secretariat, city = User.objects.get(username="secretariat"), User.objects.get(username="city")
    city_org = Organisation.objects.get(name="汐見市福祉部高齢福祉介護課")
    regular = Body.objects.create(kind=BodyKind.COORDINATORS, name="汐見市地域支え合い推進員定例会", organiser=city_org)
    regular.secretariat.add(secretariat)
    held = Meeting(title="令和8年度 第8回 推進員定例会", date=today, start_time=dt.time(10, 0), end_time=dt.time(12, 0),
                   place="汐見市役所 本庁舎3階 第2会議室", is_public=False, closed_reason="個別の支援事例を扱うため")
    held, _ = council_services.meeting_create(meeting=held, body=regular, by=secretariat, agenda=[
        ("各地区の活動報告", Topic.T1), ("地域ケア会議から挙がった地域課題の共有", Topic.T2)])
    _invite_coordinators(held, secretariat, city)
    held = _held(held, 30)
    invited = list(held.invitations.values_list("person_id", flat=True))
    council_services.attendance_record(meeting=held, attended_person_ids=invited[:-1], by=secretariat)
    council_services.minutes_save(meeting=held, by=secretariat, minutes="各地区の活動を報告し合った。",
                                  decisions="買い物支援の課題を第1層協議体に報告する。",
                                  outline="各地区の活動報告と、地域ケア会議で挙がった課題の共有を行った。")
    minutes_to_state(held, "published", by=secretariat)
    # Earlier 定例会, one in each state of the minutes' approval (issue 17): 作成中, 出席者に確認中,
    # 訂正の申し出あり, 承認済み (not yet published) and a corrected second version.
    for n, state in enumerate(("draft", "confirming", "corrections", "approved", "corrected"), start=1):
        earlier = Meeting(title=f"令和8年度 第{8 - n}回 推進員定例会（議事録：{MINUTES_STATE_LABELS[state]}）",
                          date=today, start_time=dt.time(10, 0), end_time=dt.time(12, 0),
                          place="汐見市役所 本庁舎3階 第2会議室", is_public=False, closed_reason="個別の支援事例を扱うため",
                          minutes="各地区の活動を報告し、見守り活動の連携について意見交換を行った。",
                          decisions="見守り活動の連絡票を各地区で試行する。",
                          outline="各地区の活動報告と見守り活動の連携についての意見交換を行った。")
        earlier, _ = council_services.meeting_create(meeting=earlier, body=regular, by=secretariat,
                                                     agenda=[("各地区の活動報告", Topic.T1)])
        _invite_coordinators(earlier, secretariat, city)
        minutes_to_state(_held(earlier, 30 + 21 * n), state, by=secretariat)
    upcoming = Meeting(title="令和8年度 第9回 推進員定例会", date=today + dt.timedelta(days=10),
                       start_time=dt.time(10, 0), end_time=dt.time(12, 0), place="汐見市役所 本庁舎3階 第2会議室",
                       is_public=False, closed_reason="個別の支援事例を扱うため")
    upcoming, _ = council_services.meeting_create(meeting=upcoming, body=regular, by=secretariat,
                                                  agenda=[("各地区の活動報告", Topic.T1)])
    _invite_coordinators(upcoming, secretariat, city)

    centre, _ = Organisation.objects.get_or_create(name="汐見中央地域包括支援センター",
                                                   defaults={"legal_form": "社会福祉法人"})
    care = Body.objects.create(kind=BodyKind.CARE_CONFERENCE, name="汐見中央地域包括支援センター 地域ケア会議",
                               organiser=centre, area=Area.objects.filter(code="L2-02").first())
    care.secretariat.add(secretariat)
    conference = Meeting(title="令和8年度 第5回 地域ケア会議（個別ケース検討）", date=today, start_time=dt.time(14, 0),
                         end_time=dt.time(15, 30), place="汐見中央地域包括支援センター 相談室",
                         is_public=False, closed_reason="個別の事例を検討するため")
    conference, _ = council_services.meeting_create(meeting=conference, body=care, by=secretariat, agenda=[
        ("個別ケースの検討（2事例）", Topic.T5)])
    _invite_coordinators(conference, secretariat, city)
    conference = _held(conference, 25)
    council_services.attendance_record(meeting=conference, by=secretariat, attended_person_ids=list(
        conference.invitations.values_list("person_id", flat=True)))
    minami = Area.objects.get(code="L2-02")
    issue = council_services.community_issue_raise(
        meeting=conference, title="坂の上の地区で、買い物に行けない高齢者が増えている",
        description="個別ケース2事例に共通して、徒歩圏に店がなく移動販売の停車場所も遠いことが挙がった。",
        area_id=minami.pk, council=None, by=secretariat)
    council_meeting = Meeting.objects.filter(council__layer=1, date__gte=today).order_by("date").first()
    if council_meeting is not None:
        council_services.community_issue_to_agenda(issue=issue, meeting=council_meeting, topic=Topic.T2,
                                                   by=secretariat)
    coordinator = Coordinator.objects.get(user__username="coordinator")
    need = Need.objects.filter(recorded_by=coordinator, area=minami).order_by("pk").first()
    if need is not None:
        need.community_issue = issue
        activity_services.need_save(need=need, coordinator=coordinator, by=coordinator.user)
    category = ActivityCategory.objects.filter(function=Function.A, is_active=True).order_by("sort_order").first()
    if category is not None:
        activity_services.activity_log(
            coordinator=coordinator, by=coordinator.user, date=today, minutes=60, area=minami, category=category,
            participants=2, narrative="地域ケア会議で挙がった買い物の課題について、移動販売の停車場所を増やせないか生協と協議した。",
            follow_up_on=None, community_issue=issue)
    out.write("推進員定例会（開催済み 6件：議事録の承認の各段階、予定 1件）と地域ケア会議（地域課題 1件 → 協議体の議題 → 地域ニーズ・資源開発）を登録しました。")
