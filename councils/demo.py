"""Demo data for councils: the 第1層 協議体 of 汐見市 with the 別表's member bodies, a chair and a
deputy, pledges, a working group, a 第2層 council run by its coordinator, and meetings dated
relative to the day it is loaded (one a few days ahead)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from municipality.demo import MEMBER_BODIES
from municipality.models import Area, Organisation, User

from . import services
from .models import (
    AgendaItem,
    ApprovedAs,
    Council,
    Meeting,
    MinutesConfirmation,
    Office,
    OfficeRole,
    Person,
    PledgeContext,
    SetupType,
    Topic,
    WorkingGroup,
)

#: The states ``minutes_to_state`` can bring a held meeting's minutes to, in order.
MINUTES_STATES = ("draft", "confirming", "corrections", "approved", "published", "corrected")

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

    _demo_papers(upcoming, secretariat)

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
    minutes_to_state(past, "published", by=secretariat)

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
    out.write("協議体 2（第1層の構成員17人、議長・職務代理者、作業部会、7日後の会議 1件と資料 3件）を登録しました。")


def _demo_papers(meeting: Meeting, by: User) -> None:
    """Papers of the upcoming meeting, made here: a report as a PDF (WeasyPrint) for the meeting and an
    xlsx (openpyxl) for its second agenda item, public; and a member list for invitees only."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from forms_pdf.rendering import html_to_pdf

    report = html_to_pdf(
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>第2層協議体の活動報告</title>'
        '<style>body { font-family: "IPAexGothic", "Noto Sans CJK JP", sans-serif; }</style></head><body>'
        "<h1>第2層協議体の活動報告</h1><p>各地区の協議体で、買い物支援と見守りの取組を協議しました。</p>"
        "<ul><li>汐見中央地区：移動販売の試行（月2回）</li><li>松林地区：サロンの新設（1か所）</li></ul></body></html>",
        filename="report.pdf")
    services.paper_add(meeting=meeting, upload=SimpleUploadedFile("資料1_第2層協議体の活動報告.pdf", report.content),
                       title="資料1 第2層協議体の活動報告", is_public=True, by=by)
    book = Workbook()
    sheet = book.active
    sheet.title = "中間報告"
    sheet.append(["地区", "買い物に困っている世帯（推計）", "移動販売の利用者"])
    for row in (["汐見中央", 42, 18], ["松林", 27, 9], ["浜見", 35, 0]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    services.paper_add(meeting=meeting, upload=SimpleUploadedFile("資料2_部会の中間報告.xlsx", out.getvalue()),
                       title="資料2 移動・買い物支援部会の中間報告（集計表）",
                       agenda_item=meeting.agenda.get(order=2), is_public=True, by=by)
    services.papers_mark_sent(meeting=meeting)  # they went with the notice mailed two weeks ago
    members = Workbook()
    members.active.append(["選出団体", "氏名"])
    for membership in meeting.council.memberships.select_related("person", "organisation")[:17]:
        members.active.append([membership.organisation.name, membership.person.name])
    out = io.BytesIO()
    members.save(out)
    services.paper_add(meeting=meeting, upload=SimpleUploadedFile("参考資料_委員名簿.xlsx", out.getvalue()),
                       title="参考資料 委員名簿", by=by)


MINUTES_STATE_LABELS = {
    "draft": "作成中", "confirming": "出席者に確認中", "corrections": "訂正の申し出あり", "approved": "承認済み",
    "published": "公表済み", "corrected": "訂正版を公表",
}


def minutes_to_state(meeting: Meeting, state: str, *, by: User) -> Meeting:
    """Bring a held meeting's minutes to ``state`` (one of MINUTES_STATES) through the services, as
    the secretariat would: attendance (every invitee, if none is recorded), text, confirmation by
    the attendees, the chair's approval (the secretariat's if the body has no chair), publication,
    and a corrected second version. For demo data and tests, on any meeting of any body."""
    if state not in MINUTES_STATES:
        raise ValueError(f"unknown minutes state {state!r}; one of {MINUTES_STATES}")
    today = timezone.localdate()
    if not meeting.invitations.filter(attended=True).exists():
        services.attendance_record(meeting=meeting, by=by, attended_person_ids=list(
            meeting.invitations.values_list("person_id", flat=True)))
    services.minutes_save(
        meeting=meeting, by=by,
        minutes=meeting.minutes or "出席者から各地区の状況の報告を受け、今後の進め方について協議した。",
        decisions=meeting.decisions, outline=meeting.outline or ("" if meeting.is_public else "今後の進め方について協議した。"))
    stop_at = MINUTES_STATES.index(state)
    if stop_at >= MINUTES_STATES.index("confirming"):
        services.minutes_send_for_confirmation(meeting=meeting, confirm_by=today + dt.timedelta(days=7), by=by)
    if stop_at >= MINUTES_STATES.index("corrections"):
        answers = list(MinutesConfirmation.objects.filter(
            invitation__meeting=meeting, round=meeting.minutes_round).order_by("pk")[:2])
        for i, answer in enumerate(answers):
            services.minutes_confirmation_answer(
                token=answer.token, correction="" if i else "2行目の発言者は副会長です（会長ではありません）。")
    if stop_at >= MINUTES_STATES.index("approved"):
        has_chair = Office.objects.filter(council=meeting.council, role=OfficeRole.CHAIR, end__isnull=True).exists()
        services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.CHAIR if has_chair else ApprovedAs.SECRETARIAT,
                                 by=by)
    if stop_at >= MINUTES_STATES.index("published"):
        services.minutes_publish(meeting=meeting, by=by)
    if stop_at >= MINUTES_STATES.index("corrected"):
        services.minutes_correct(meeting=meeting, by=by)
        services.minutes_save(meeting=meeting, by=by, minutes=meeting.minutes + "\n（訂正）発言者の役職を直しました。",
                              decisions=meeting.decisions, outline=meeting.outline)
        services.minutes_send_for_confirmation(meeting=meeting, confirm_by=today + dt.timedelta(days=7), by=by)
        services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=by,
                                 correction_reason="発言者の役職の誤り")
    meeting.refresh_from_db()
    return meeting
