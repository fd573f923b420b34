"""What the council lists download (municipality/exports.py): the admin's lists of members, meetings,
attendance and pledges. Contact details (address, phone, e-mail) stay out: the lists do not show them."""

from __future__ import annotations

from typing import Any

from municipality.exports import Table

from .models import Invitation, Meeting, Membership


def _member_row(m: Membership) -> list[object]:
    return [m.council.name, m.person.name, m.organisation.name, str(m.plan_period), m.start, m.end,
            "補欠" if m.replaces_id else "", "再任" if m.reappointed_from_id else ""]


MEMBERS = Table(
    filename="council-members", title="構成員名簿",
    header=["協議体", "氏名", "選出団体", "計画期間", "任期の始まり", "任期の終わり", "補欠", "再任"],
    row=_member_row,
    prepare=lambda members: members.select_related("council", "person", "organisation", "plan_period"),
)


def _meeting_row(m: Meeting) -> list[object]:
    return [m.date, f"{m.start_time:%H:%M}", f"{m.end_time:%H:%M}", m.title,
            m.council.name if m.council else "",
            m.working_group.name if m.working_group else "", m.place, "公開" if m.is_public else "非公開",
            m.closed_reason, m.public_seats, "公表済み" if m.minutes_published else "",
            m.body_kind_label, m.body.name if m.body else ""]


MEETINGS = Table(
    filename="meetings", title="会議",
    header=["開催日", "開始時刻", "終了時刻", "会議名", "協議体", "作業部会", "場所", "公開", "非公開の理由",
            "傍聴席の数", "議事録", "会議体の種類", "会議体（協議体以外）"],
    row=_meeting_row,
    prepare=lambda meetings: meetings.select_related("council", "working_group", "body"),
)


def _attendance_row(i: Invitation) -> list[object]:
    attended = {True: "出席", False: "欠席", None: "未記録"}[i.attended]
    return [i.meeting.date, i.meeting.title, i.meeting.host_name, i.person.name, i.get_kind_display(),
            i.get_response_display(), i.responded_at, attended]


ATTENDANCE = Table(
    filename="attendance", title="出欠と出席",
    header=["開催日", "会議名", "協議体", "氏名", "区分", "出欠の回答", "回答日時", "出席の記録"],
    row=_attendance_row,
)


def attendance_of(meetings: Any) -> Any:
    """The invitations of the meetings a list holds (already scoped and filtered), meeting by meeting."""
    return (Invitation.objects.filter(meeting__in=meetings.order_by().values("pk"))
            .select_related("meeting__council", "person")
            .order_by("-meeting__date", "meeting_id", "kind", "person__name_kana", "pk"))


PLEDGES = Table(
    filename="pledges", title="誓約",
    header=["氏名", "協議体", "立場", "誓約日"],
    row=lambda p: [p.person.name, p.council.name, p.get_context_display(), p.signed_on],
    prepare=lambda pledges: pledges.select_related("person", "council"),
)
