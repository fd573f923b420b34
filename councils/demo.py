"""Demo data for councils: the 第1層 協議体 of 汐見市 with the 別表's member bodies, a chair and a
deputy, pledges, a working group, a 第2層 council run by its coordinator, and meetings dated
relative to the day it is loaded (one a few days ahead)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from municipality.demo import MEMBER_BODIES
from municipality.models import Area, Organisation, User

from . import services
from .models import AgendaItem, Council, Meeting, OfficeRole, Person, PledgeContext, SetupType, Topic, WorkingGroup

MEMBER_NAMES = [
    "青木 一郎", "石田 和子", "上田 茂", "江口 恵美", "大野 浩", "加藤 幸子", "木村 達也", "久保 智子", "小池 勇",
    "斉藤 光子", "清水 隆", "須藤 美千代", "瀬川 誠", "田中 節子", "千葉 昭", "津田 典子", "寺田 修",
]


def load(out) -> None:
    if Council.objects.exists():
        out.write("協議体のデモデータは登録済みです。")
        return
    today = timezone.localdate()
    secretariat = User.objects.get(username="secretariat")
    city_area = Area.objects.get(code="L1")
    first = Council.objects.create(name="汐見市第1層協議体", layer=1, area=city_area,
                                   setup_type=SetupType.RESIDENTS_GOVERNMENT)
    first.secretariat.add(secretariat)
    start = services.plan_period_containing(today).start
    for i, ((body, _legal, _city), name) in enumerate(zip(MEMBER_BODIES, MEMBER_NAMES, strict=True)):
        person = Person.objects.create(
            name=name, name_kana="", email=f"member{i + 1:02d}@example.jp" if i % 3 else "",
            postal_code="253-0000", address=f"汐見市汐見中央{i + 1}丁目1番1号",
        )
        services.membership_add(council=first, person=person, organisation=Organisation.objects.get(name=body),
                                start=start, by=secretariat)
        if i != 4:
            services.pledge_record(person=person, council=first, context=PledgeContext.MEMBER, signed_on=start,
                                   by=secretariat)
    chief = Person.objects.create(name="長谷川 誠", name_kana="はせがわ まこと", email="chief@example.jp")
    services.office_assign(council=first, role=OfficeRole.CHAIR, holder=chief, start=start,
                           title="福祉部高齢福祉介護課介護保険担当課長", by=secretariat)
    deputy = first.memberships.get(person__name="田中 節子").person
    services.office_assign(council=first, role=OfficeRole.DEPUTY, holder=deputy, start=start, by=secretariat)
    group = WorkingGroup.objects.create(council=first, name="移動・買い物支援部会",
                                        purpose="買い物や通院の移動手段の確保について調査検討する")
    group.members.set(first.memberships.all()[:5])

    upcoming = Meeting.objects.create(
        council=first, title="令和8年度 第3回 汐見市第1層協議体", date=today + dt.timedelta(days=7),
        start_time=dt.time(14, 0), end_time=dt.time(16, 0), place="汐見市役所 本庁舎4階 会議室1", public_seats=5,
    )
    AgendaItem.objects.create(meeting=upcoming, order=1, title="第2層協議体の活動報告", topic=Topic.T1)
    AgendaItem.objects.create(meeting=upcoming, order=2, title="移動・買い物支援部会の中間報告", topic=Topic.T2)
    services.meeting_invite_members(meeting=upcoming, by=secretariat)
    # The notices went out by mail two weeks ago, when the meeting was set (the demo keeps no copy
    # of those mails); the reminder 7 days before is due on the day the demo is loaded.
    upcoming.invitations.exclude(person__email="").update(
        mailed_at=timezone.now() - dt.timedelta(days=14), mailed_sequence=upcoming.sequence)

    past = Meeting.objects.create(
        council=first, title="令和8年度 第2回 汐見市第1層協議体", date=today - dt.timedelta(days=40),
        start_time=dt.time(14, 0), end_time=dt.time(16, 0), place="汐見市役所 本庁舎4階 会議室1",
        minutes="各地区の支え合い活動の状況を共有し、移動支援の課題について意見交換を行った。",
        decisions="移動・買い物支援部会を設けて調査検討する。",
    )
    AgendaItem.objects.create(meeting=past, order=1, title="地域の支え合い活動の状況", topic=Topic.T2)
    services.meeting_invite_members(meeting=past, by=secretariat)
    services.attendance_record(meeting=past, attended_person_ids=list(
        past.invitations.values_list("person_id", flat=True)[:12]), by=secretariat)
    services.minutes_publish(meeting=past, by=secretariat)

    coordinator_user = User.objects.get(username="coordinator")
    second = Council.objects.create(name="汐見中央地区 支え合い協議体", layer=2, area=Area.objects.get(code="L2-01"),
                                    setup_type=SetupType.SOCIAL_WELFARE_COUNCIL)
    second.secretariat.add(coordinator_user)
    # A seat of the 第2層 council whose term ends in exactly 30 days (a reminder is due today).
    ends = today + dt.timedelta(days=30)
    if services.plan_period_containing(today).end >= ends:
        leader = Person.objects.create(name="村上 和夫", name_kana="むらかみ かずお", email="murakami@example.jp")
        services.membership_add(council=second, person=leader, organisation=Organisation.objects.get(
            name="汐見市まちぢから協議会連絡会"), start=today - dt.timedelta(days=300), end=ends, by=secretariat)
    out.write("協議体 2（第1層の構成員17人、議長・職務代理者、作業部会、7日後の会議 1件）を登録しました。")
