"""Councils: memberships under the cap, reappointment, replacement, offices, pledges, meetings.

Every function is one transaction. Changes to a council's members lock the council's row
first (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialise all
writers), so parallel additions are counted one after another and never pass the cap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any, TypedDict

from auditlog.context import set_actor
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from forms_pdf.services import document_issue
from municipality.errors import DomainError
from municipality.links import site_url
from municipality.models import Municipality, Organisation, PlanPeriod, User
from municipality.validators import require_event_dates
from municipality.wareki import format_wareki as _w
from reminders.models import Reason
from reminders.services import Mail, mail_queue

from . import selectors
from .calendar import meeting_ics
from .models import (
    AgendaItem,
    ApprovedAs,
    Body,
    BodyKind,
    CommunityIssue,
    ConfirmationAnswer,
    Council,
    Invitation,
    InviteeKind,
    Meeting,
    Membership,
    MinutesConfirmation,
    MinutesStatus,
    MinutesVersion,
    Office,
    OfficeRole,
    Paper,
    PaperStatus,
    Person,
    Pledge,
    Response,
    TermRule,
)

ONE_DAY = dt.timedelta(days=1)


class PersonValues(TypedDict):
    """What the portal's person fields give (PersonFields.person_values)."""

    name: str
    name_kana: str
    email: str
    postal_code: str
    address: str


def plan_period_containing(day: dt.date) -> PlanPeriod:
    period = PlanPeriod.objects.filter(start__lte=day, end__gte=day).first()
    if period is None:
        raise DomainError(f"{_w(day)}を含む計画期間が登録されていません。管理サイトの「計画期間」に登録してください。")
    return period


def _lock_council(council: Council) -> Council:
    return Council.objects.select_for_update().get(pk=council.pk)


def _peak(council: Council, start: dt.date, end: dt.date, *, excluding: Iterable[int] = ()) -> tuple[int, dt.date]:
    """The most members active on any one day between start and end, and that day.

    The count can only rise on a day some membership starts, so those days (and ``start``)
    are the only ones to look at.
    """
    overlapping = list(
        Membership.objects.filter(council=council, start__lte=end, end__gte=start)
        .exclude(pk__in=list(excluding)).values_list("start", "end")
    )
    days = {start} | {s for s, _ in overlapping if s > start}
    best, best_day = 0, start
    for day in sorted(days):
        n = sum(1 for s, e in overlapping if s <= day <= e)
        if n > best:
            best, best_day = n, day
    return best, best_day


def term_end(council: Council, start: dt.date, period: PlanPeriod) -> dt.date:
    """The last day of a full term starting on ``start`` under the council's rule: the plan period's
    end, or the day before the same date N years later (民法第143条: without that date, the last
    day of its month, i.e. 28 February for a term from 29 February)."""
    if council.term_rule != TermRule.FIXED_YEARS:
        return period.end
    years = council.term_years or 1
    try:
        return start.replace(year=start.year + years) - ONE_DAY
    except ValueError:  # 29 February
        return dt.date(start.year + years, 2, 28)


def _check_new_term(council: Council, person: Person, start: dt.date, end: dt.date, period: PlanPeriod,
                    *, excluding: Iterable[int] = (), latest_end: dt.date | None = None) -> None:
    """``latest_end``: the end the term may not pass (the plan period's end under the plan-period
    rule, the N years under the fixed rule, the predecessor's planned end for a 補欠)."""
    if end < start:
        raise DomainError(f"任期の終わり（{_w(end)}）が始まり（{_w(start)}）より前です。")
    if council.term_rule == TermRule.FIXED_YEARS:
        latest = latest_end or term_end(council, start, period)
        if end > latest:
            raise DomainError(
                f"任期（{_w(start)}〜{_w(end)}）が、この協議体の任期（{council.term_rule_label}、{_w(latest)}まで）を超えています。"
            )
    elif not (period.start <= start and end <= period.end):
        raise DomainError(
            f"任期（{_w(start)}〜{_w(end)}）が計画期間 {period}（{_w(period.start)}〜{_w(period.end)}）の外にはみ出しています。"
        )
    twice = Membership.objects.filter(council=council, person=person, start__lte=end, end__gte=start).exclude(
        pk__in=list(excluding)).first()
    if twice:
        raise DomainError(f"{person.name}さんは同じ期間にすでにこの協議体の構成員です（{twice}）。")
    peak, day = _peak(council, start, end, excluding=excluding)
    if peak + 1 > council.cap:
        raise DomainError(
            f"構成員の定数（{council.cap}人）を超えるため追加できません。{_w(day)}には すでに{peak}人が在任しています。"
        )


@transaction.atomic
def membership_add(
    *,
    council: Council,
    person: Person,
    organisation: Organisation,
    start: dt.date,
    by: User,
    end: dt.date | None = None,
) -> Membership:
    """A person takes a seat for an organisation; the term follows the council's rule (to the end of
    the plan period containing its start, or N years from it)."""
    require_event_dates({"任期の始まり": start, "任期の終わり": end})
    with set_actor(by):
        council = _lock_council(council)
        period = plan_period_containing(start)
        end = end or term_end(council, start, period)
        _check_new_term(council, person, start, end, period)
        return Membership.objects.create(
            council=council, person=person, organisation=organisation, plan_period=period,
            start=start, end=end, planned_end=end,
        )


@transaction.atomic
def person_create(*, values: PersonValues, by: User) -> Person:
    """A person (a member or a guest to be) is registered by the secretariat."""
    with set_actor(by):
        return Person.objects.create(**values)


@transaction.atomic
def membership_add_new_person(
    *, council: Council, person_values: PersonValues, organisation: Organisation, start: dt.date, by: User,
) -> Membership:
    """A person not registered yet takes a seat; if the seat is refused, the person is not kept either."""
    person = person_create(values=person_values, by=by)
    return membership_add(council=council, person=person, organisation=organisation, start=start, by=by)


def _end_term(old: Membership, leaves_on: dt.date, reason: str) -> None:
    """A member leaves on a day: their term ends, so do their offices, and a next term that has
    not begun yet (a 再任 for the next plan period) is withdrawn."""
    old.end, old.left_reason = leaves_on, reason
    old.save(update_fields=["end", "left_reason"])
    for office in Office.objects.select_for_update().filter(membership=old, end__isnull=True):
        office.end = max(leaves_on, office.start)
        office.save(update_fields=["end"])
    following = Membership.objects.filter(reappointed_from=old, start__gt=leaves_on).first()
    if following is not None:
        following.delete()  # a term that never began; the audit log keeps the record


@transaction.atomic
def membership_replace(
    *, membership: Membership, successor: Person, by: User, leaves_on: dt.date | None = None, reason: str = "",
    successor_start: dt.date | None = None, organisation: Organisation | None = None,
) -> Membership:
    """A 補欠 takes the seat for the rest of the predecessor's term. The predecessor leaves on
    ``leaves_on`` now, or has already left (then the seat was empty until ``successor_start``)."""
    require_event_dates({"退任日": leaves_on, "補欠の任期の始まり": successor_start})
    with set_actor(by):
        council = _lock_council(membership.council)
        old = Membership.objects.select_for_update().get(pk=membership.pk)
        if Membership.objects.filter(replaces=old).exists():
            raise DomainError("この任期にはすでに補欠が就いています。")
        if old.end < old.planned_end:  # already left
            start = successor_start or old.end + ONE_DAY
            if not (old.end < start <= old.planned_end):
                raise DomainError(
                    f"補欠の任期の始まり（{_w(start)}）は、前任者の退任日（{_w(old.end)}）の翌日から"
                    f"任期の終わり（{_w(old.planned_end)}）までの日にしてください。"
                )
        else:
            if leaves_on is None or not reason.strip():
                raise DomainError("前任者の退任日と退任の理由を入力してください。")
            if not (old.start <= leaves_on < old.planned_end):
                raise DomainError(
                    f"退任日（{_w(leaves_on)}）は任期（{_w(old.start)}〜{_w(old.planned_end)}）の途中の日にしてください。"
                )
            _end_term(old, leaves_on, reason.strip())
            start = max(successor_start or leaves_on + ONE_DAY, leaves_on + ONE_DAY)
        end = old.planned_end  # the predecessor's remaining term, under either rule
        _check_new_term(council, successor, start, end, old.plan_period, latest_end=end)
        return Membership.objects.create(
            council=council, person=successor, organisation=organisation or old.organisation,
            plan_period=old.plan_period, start=start, end=end, planned_end=end, replaces=old,
        )


@transaction.atomic
def membership_leave(*, membership: Membership, leaves_on: dt.date, reason: str, by: User) -> Membership:
    """A member leaves mid-term without a successor yet (the seat stays empty)."""
    require_event_dates({"退任日": leaves_on})
    with set_actor(by):
        _lock_council(membership.council)
        old = Membership.objects.select_for_update().get(pk=membership.pk)
        if not reason.strip():
            raise DomainError("退任の理由を入力してください。")
        if not (old.start <= leaves_on < old.end):
            raise DomainError(f"退任日（{_w(leaves_on)}）は任期（{_w(old.start)}〜{_w(old.end)}）の途中の日にしてください。")
        _end_term(old, leaves_on, reason.strip())
        return old


@transaction.atomic
def memberships_reappoint(*, memberships: Iterable[Membership], by: User) -> list[Membership]:
    """再任: the selected members take a new term (the next plan period, or N years from the end of the
    present term under the fixed rule); the old terms stay."""
    with set_actor(by):
        created = []
        for membership in sorted(memberships, key=lambda m: m.pk):
            council = _lock_council(membership.council)
            old = Membership.objects.select_for_update().get(pk=membership.pk)
            if hasattr(old, "reappointed_as"):
                raise DomainError(f"{old.person.name}さんはすでに再任されています。")
            if old.end != old.planned_end:
                raise DomainError(f"{old.person.name}さんは任期の途中で退任しているため再任できません。")
            if council.term_rule == TermRule.FIXED_YEARS:
                # The next term starts the day after the present one's full end, for N years.
                start = old.planned_end + ONE_DAY
                next_period = plan_period_containing(start)
                end = term_end(council, start, next_period)
            else:
                found = PlanPeriod.objects.filter(start__gt=old.plan_period.end).order_by("start").first()
                if found is None:
                    raise DomainError(f"{old.plan_period}の次の計画期間が登録されていません。")
                next_period, start, end = found, found.start, found.end
            _check_new_term(council, old.person, start, end, next_period)
            created.append(Membership.objects.create(
                council=council, person=old.person, organisation=old.organisation, plan_period=next_period,
                start=start, end=end, planned_end=end, reappointed_from=old,
            ))
        return created


@transaction.atomic
def council_set_cap(*, council: Council, cap: int, by: User) -> Council:
    """Change the cap (定数); never below the members already in office from today on."""
    with set_actor(by):
        council = _lock_council(council)
        today = timezone.localdate()
        peak, day = _peak(council, today, dt.date.max)
        if cap < peak:
            raise DomainError(f"{_w(day)}には{peak}人が在任するため、定数を{cap}人にはできません。")
        council.cap = cap
        council.save(update_fields=["cap"])
        return council


# --- 議長・職務代理者 -----------------------------------------------------------------------

@transaction.atomic
def office_assign(
    *, council: Council, role: OfficeRole, holder: Person, start: dt.date, by: User, title: str = "",
) -> Office:
    """Appoint the chair (any office holder) or the deputy (a member on that day); the previous
    holder of the office steps down the day before."""
    require_event_dates({"就任日": start})
    with set_actor(by):
        council = _lock_council(council)
        membership = Membership.objects.active_on(start).filter(council=council, person=holder).first()
        if role == OfficeRole.DEPUTY and membership is None:
            raise DomainError(f"職務代理者は構成員から指名します。{holder.name}さんは{_w(start)}に構成員ではありません。")
        if role == OfficeRole.CHAIR and not title.strip() and membership is None:
            raise DomainError("構成員以外の方が議長になる場合は、職名（例：介護保険担当課長）を入力してください。")
        other = OfficeRole.DEPUTY if role == OfficeRole.CHAIR else OfficeRole.CHAIR
        if Office.objects.filter(council=council, role=other, holder=holder, end__isnull=True).exists():
            raise DomainError(f"{holder.name}さんは{OfficeRole(other).label}のため、{OfficeRole(role).label}を兼ねられません。")
        current = Office.objects.select_for_update().filter(council=council, role=role, end__isnull=True).first()
        if current:
            if current.start >= start:
                raise DomainError(f"現在の{current.get_role_display()}（{_w(current.start)}就任）より後の日付にしてください。")
            current.end = start - ONE_DAY
            current.save(update_fields=["end"])
        return Office.objects.create(council=council, role=role, holder=holder, title=title.strip(),
                                     membership=membership, start=start)


@transaction.atomic
def pledge_record(*, person: Person, council: Council, context: str, signed_on: dt.date, by: User) -> Pledge:
    require_event_dates({"誓約日": signed_on})
    with set_actor(by):
        if signed_on > timezone.localdate():
            raise DomainError("誓約日が未来の日付です。")
        return Pledge.objects.create(person=person, council=council, context=context, signed_on=signed_on)


# --- 会議 -----------------------------------------------------------------------------

@transaction.atomic
def meeting_invite_members(*, meeting: Meeting, by: User) -> int:
    """Invite every member in office on the meeting's day (or the working group's members). Other
    bodies have no seats: their invitees are invited by name (meeting_invite_users, guests)."""
    with set_actor(by):
        if meeting.council_id is None:
            return 0
        if meeting.working_group is not None:
            people = [m.person for m in Membership.objects.active_on(meeting.date)
                      .filter(working_groups=meeting.working_group).select_related("person")]
        else:
            people = [m.person for m in Membership.objects.active_on(meeting.date).filter(council=meeting.council)
                      .select_related("person")]
        existing = set(meeting.invitations.values_list("person_id", flat=True))
        new = [Invitation(meeting=meeting, person=p, kind=InviteeKind.MEMBER) for p in people if p.pk not in existing]
        Invitation.objects.bulk_create(new)
        return len(new)


@transaction.atomic
def meeting_invite_guest(*, meeting: Meeting, person: Person, by: User) -> Invitation:
    """Invite a non-member 関係者 (第14条1項3号)."""
    with set_actor(by):
        if meeting.invitations.filter(person=person).exists():
            raise DomainError(f"{person.name}さんはすでに招集されています。")
        return Invitation.objects.create(meeting=meeting, person=person, kind=InviteeKind.GUEST)


@transaction.atomic
def meeting_invite_new_guest(*, meeting: Meeting, person_values: PersonValues, by: User) -> Invitation:
    """Register a person and invite them as a 関係者 in one go."""
    person = person_create(values=person_values, by=by)
    return meeting_invite_guest(meeting=meeting, person=person, by=by)


class UserPerson(TypedDict):
    """Someone who logs in (a coordinator, city staff) as an invitee: the portal gives these."""

    user: User
    name: str
    name_kana: str
    email: str


@transaction.atomic
def meeting_invite_users(*, meeting: Meeting, people: Iterable[UserPerson], by: User) -> int:
    """Invite people who log in (e.g. every coordinator of both layers to a 定例会) in one go. Each
    user has one Person, so their attendance history follows them; those already invited are
    skipped. Returns how many were added."""
    with set_actor(by):
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.date < timezone.localdate():
            raise DomainError("開催日を過ぎた会議には招集できません。")
        existing = set(meeting.invitations.values_list("person__user_id", flat=True))
        added = 0
        for values in people:
            user = values["user"]
            if user.pk in existing:
                continue
            person, _ = Person.objects.get_or_create(user=user, defaults={
                "name": values["name"][:100], "name_kana": values["name_kana"][:100], "email": values["email"]})
            Invitation.objects.create(meeting=meeting, person=person, kind=InviteeKind.MEMBER)
            existing.add(user.pk)
            added += 1
        return added


@transaction.atomic
def meeting_create(
    *, meeting: Meeting, council: Council | None = None, body: Body | None = None,
    agenda: Iterable[tuple[str, str]], by: User,
) -> tuple[Meeting, int]:
    """Schedule a meeting (an unsaved instance, as a form builds it) of a council or another body,
    with its agenda, and invite a council's members in office on its day. Returns the meeting and
    how many were invited."""
    if (council is None) == (body is None):
        raise DomainError("会議体は、協議体か協議体以外の会議体のどちらか一つを選んでください。")
    with set_actor(by):
        meeting.council, meeting.body = council, body
        if body is not None:
            meeting.working_group = None
        meeting.save()
        for order, (title, topic) in enumerate(agenda, start=1):
            AgendaItem.objects.create(meeting=meeting, order=order, title=title, topic=topic)
        invited = meeting_invite_members(meeting=meeting, by=by)
        return meeting, invited


@transaction.atomic
def meeting_agenda_changed(*, meeting: Meeting, by: User) -> None:
    """The agenda was edited: a new version (SEQUENCE), so calendars replace the event and the
    notice is mailed again."""
    with set_actor(by):
        Meeting.objects.filter(pk=meeting.pk).update(sequence=F("sequence") + 1)


def invitations_send(*, meeting: Meeting, by: User | None = None) -> tuple[int, int]:
    """Queue a mail for each invitee with an address who has not had this version of the notice;
    a change of date, time, place or agenda (a new SEQUENCE) sends it again.
    Returns (mails queued, invitees without e-mail); a failed mail to an unchanged address is not
    queued again here (city staff send it again from the mail log).

    The mails go through the outbox (reminders.services.mail_queue): the request only queues them,
    and a worker sends them once the transaction commits, so a slow or absent mail server or broker
    never fails the secretariat's click, and nothing is lost. Links are built from the configured
    site address (SITE_URL), like the reminders', not from the request that clicked."""
    municipality = Municipality.objects.current()
    meeting_url = site_url(reverse("meetings:public", args=[meeting.pk]))
    meeting.refresh_from_db()  # the notice carries the current date, place and version
    if meeting.date < timezone.localdate():
        raise DomainError(f"{meeting.title}は開催日（{_w(meeting.date)}）を過ぎているため、開催通知は送れません。")
    ics = meeting_ics(meeting, meeting_url).decode()
    agenda = list(meeting.agenda.all())
    papers = list(selectors.papers_current(meeting))
    without = meeting.invitations.filter(person__email="").count()
    with transaction.atomic(), (set_actor(by) if by is not None else nullcontext()):
        # Two clicks at once: each invitation is claimed by one of them only.
        invitations = selectors.awaiting_mail(meeting, list(
            meeting.invitations.select_for_update(skip_locked=True, of=("self",)).select_related("person")))
        mails = []
        for invitation in invitations:
            context = {
                "meeting": meeting, "person": invitation.person, "municipality": municipality,
                "meeting_url": meeting_url, "rsvp_url": site_url(reverse("meetings:rsvp", args=[invitation.token])),
                "agenda": agenda,
                "papers": [(paper, site_url(reverse("meetings:rsvp_paper", args=[invitation.token, paper.pk])))
                           for paper in papers],
                "updated": invitation.mailed_sequence is not None and invitation.mailed_sequence < meeting.sequence,
            }
            mails.append(Mail(
                to=invitation.person.email,
                subject=render_to_string("councils/mail/invitation_subject.txt", context).strip(),
                body=render_to_string("councils/mail/invitation.txt", context),
                html_body=render_to_string("councils/mail/invitation.html", context),
                attachments=[{"filename": "meeting.ics", "mimetype": "text/calendar; method=PUBLISH", "content": ics}],
                reason=Reason.INVITATION, object_key=f"councils.invitation:{invitation.pk}",
                step=f"第{meeting.sequence}版",
            ))
        queued = mail_queue(mails=mails)
        if invitations:
            papers_mark_sent(meeting=meeting)
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
            mailed_at=timezone.now(), mailed_sequence=meeting.sequence)
    return queued, without


@transaction.atomic
def rsvp(*, token: str, attending: bool) -> Invitation:
    """An invitee answers by the link in their mail (no login)."""
    invitation = Invitation.objects.select_for_update().select_related("meeting").filter(token=token).first()
    if invitation is None:
        raise DomainError("この出欠回答のリンクは無効です。")
    if invitation.meeting.date < timezone.localdate():
        raise DomainError("この会議はすでに終わっているため、出欠は回答できません。")
    invitation.response = Response.ATTENDING if attending else Response.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["response", "responded_at"])
    return invitation


@transaction.atomic
def attendance_record(*, meeting: Meeting, attended_person_ids: Iterable[int], by: User) -> None:
    with set_actor(by):
        if meeting.date > timezone.localdate():
            raise DomainError("開催前の会議の出席は記録できません。")
        present = set(attended_person_ids)
        for invitation in meeting.invitations.select_for_update():
            attended = invitation.person_id in present
            if invitation.attended != attended:
                invitation.attended = attended
                invitation.save(update_fields=["attended"])


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("council").get(pk=meeting.pk)


@transaction.atomic
def minutes_save(*, meeting: Meeting, minutes: str, decisions: str, outline: str, by: User) -> Meeting:
    """Keep what was typed as the minutes (not approved yet); approved minutes change only by a
    correction (``minutes_correct``), which becomes a new version."""
    with set_actor(by):
        locked = _lock_meeting(meeting)
        if locked.minutes_status == MinutesStatus.APPROVED:
            raise DomainError("承認済みの議事録は変更できません。訂正するときは「訂正版を作る」を押してください。")
        if (locked.minutes, locked.decisions, locked.outline) != (minutes, decisions, outline):
            locked.minutes, locked.decisions, locked.outline = minutes, decisions, outline
            locked.save(update_fields=["minutes", "decisions", "outline"])
        meeting.minutes, meeting.decisions, meeting.outline = minutes, decisions, outline
        return locked


def _require_minutes_text(meeting: Meeting) -> None:
    if meeting.date > timezone.localdate():
        raise DomainError("開催前の会議の議事録は扱えません。")
    if not meeting.minutes.strip():
        raise DomainError("議事録が入力されていません。")
    if not meeting.is_public and not meeting.outline.strip():
        raise DomainError("非公開の会議は、公表する議事要旨（概要）を入力してください。")


@transaction.atomic
def minutes_send_for_confirmation(*, meeting: Meeting, confirm_by: dt.date, by: User) -> tuple[int, int]:
    """Send the draft to the attendees for confirmation by a deadline (a new round each time: a
    resend after corrections). Returns (mails queued, attendees without e-mail)."""
    require_event_dates({"確認の期限": confirm_by})
    with set_actor(by):
        locked = _lock_meeting(meeting)
        if locked.minutes_status == MinutesStatus.APPROVED:
            raise DomainError("承認済みの議事録です。訂正するときは「訂正版を作る」を押してください。")
        _require_minutes_text(locked)
        if confirm_by < timezone.localdate():
            raise DomainError(f"確認の期限（{_w(confirm_by)}）が過去の日付です。")
        attendees = list(locked.invitations.filter(attended=True).select_related("person").order_by("pk"))
        if not attendees:
            raise DomainError("出席者が記録されていません。先に出席を記録してください。")
        locked.minutes_round += 1
        locked.minutes_status = MinutesStatus.CONFIRMING
        locked.minutes_confirm_by = confirm_by
        locked.save(update_fields=["minutes_round", "minutes_status", "minutes_confirm_by"])
        confirmations = MinutesConfirmation.objects.bulk_create(
            [MinutesConfirmation(invitation=i, round=locked.minutes_round) for i in attendees])
        municipality = Municipality.objects.current()
        mails = []
        for confirmation, invitation in zip(confirmations, attendees, strict=True):
            if not invitation.person.email:
                continue
            context = {"meeting": locked, "person": invitation.person, "municipality": municipality,
                       "confirm_by": confirm_by, "round": locked.minutes_round,
                       "url": site_url(reverse("meetings:minutes_confirm", args=[confirmation.token]))}
            mails.append(Mail(
                to=invitation.person.email,
                subject=render_to_string("councils/mail/minutes_confirm_subject.txt", context).strip(),
                body=render_to_string("councils/mail/minutes_confirm.txt", context),
                html_body=render_to_string("councils/mail/minutes_confirm.html", context),
                reason=Reason.MINUTES_CONFIRMATION, object_key=f"councils.minutesconfirmation:{confirmation.pk}",
                step=f"第{locked.minutes_round}回",
            ))
        queued = mail_queue(mails=mails)
        meeting.minutes_status, meeting.minutes_round = locked.minutes_status, locked.minutes_round
        meeting.minutes_confirm_by = confirm_by
        return queued, len(attendees) - len(mails)


@transaction.atomic
def minutes_confirmation_answer(*, token: str, correction: str = "") -> MinutesConfirmation:
    """An attendee confirms the draft, or writes what should be corrected, by the link in their mail
    (no login). Answering again replaces the answer of this round."""
    confirmation = (MinutesConfirmation.objects.select_for_update(of=("self",))
                    .select_related("invitation__meeting").filter(token=token).first())
    if confirmation is None:
        raise DomainError("この確認のリンクは無効です。")
    meeting = confirmation.invitation.meeting
    if meeting.minutes_status != MinutesStatus.CONFIRMING or meeting.minutes_round != confirmation.round:
        raise DomainError("この確認依頼は締め切られました（新しい版が送られたか、議事録が承認されています）。")
    if meeting.minutes_confirm_by is not None and timezone.localdate() > meeting.minutes_confirm_by:
        raise DomainError(f"確認の期限（{_w(meeting.minutes_confirm_by)}）を過ぎています。"
                          "訂正がある場合は、事務局に直接お知らせください。")
    correction = correction.strip()
    if len(correction) > 2000:
        raise DomainError("訂正の内容は2,000文字以内で入力してください。")
    confirmation.answer = ConfirmationAnswer.CORRECTED if correction else ConfirmationAnswer.CONFIRMED
    confirmation.correction = correction
    confirmation.answered_at = timezone.now()
    confirmation.save(update_fields=["answer", "correction", "answered_at"])
    return confirmation


@transaction.atomic
def minutes_approve(*, meeting: Meeting, approved_as: str, by: User, correction_reason: str = "") -> MinutesVersion:
    """The chair (recorded by the secretariat) or the secretariat approves the minutes sent for
    confirmation: they are issued once as a PDF and stored; a later approval is a new version
    naming the one it replaces."""
    from . import documents

    with set_actor(by):
        locked = _lock_meeting(meeting)
        if locked.minutes_status == MinutesStatus.APPROVED:
            raise DomainError("この議事録はすでに承認されています。")
        if locked.minutes_status != MinutesStatus.CONFIRMING:
            raise DomainError("出席者に確認を依頼してから承認してください。")
        _require_minutes_text(locked)
        chair = None
        if approved_as == ApprovedAs.CHAIR:
            chair = Office.objects.filter(council=locked.council, role=OfficeRole.CHAIR, end__isnull=True).first()
            if chair is None:
                raise DomainError("この協議体には議長が登録されていません。事務局の承認として記録してください。")
        elif approved_as != ApprovedAs.SECRETARIAT:
            raise DomainError("議長の承認か事務局の承認かを選んでください。")
        previous = locked.minutes_versions.order_by("-number").first()
        reason = correction_reason.strip()
        if previous is not None and not reason:
            raise DomainError(f"第{previous.number}版を訂正する理由を入力してください。")
        if len(reason) > 200:
            raise DomainError("訂正の理由は200文字以内で入力してください。")
        number = previous.number + 1 if previous else 1
        today = timezone.localdate()
        approval = ApprovedAs(approved_as).label
        if chair is not None:
            approval = f"議長（{chair.title or chair.holder.name}）の承認"
        snapshot = documents.approved_minutes_snapshot(
            locked, number=number, approval=approval, approved_on=today,
            replaces_number=previous.number if previous else None, correction_reason=reason if previous else "")
        document = document_issue(
            kind=documents.APPROVED_MINUTES, title=f"{locked.title} 議事録 第{number}版", snapshot=snapshot,
            filename=f"meeting-{locked.pk}-minutes-v{number}.pdf", issued_by=by,
            replaces=previous.document if previous else None, correction_reason=reason if previous else "")
        version = MinutesVersion.objects.create(
            meeting=locked, number=number, document=document, replaces=previous, approved_as=approved_as,
            chair=chair, approved_on=today, approved_by=by, correction_reason=reason if previous else "")
        locked.minutes_status = MinutesStatus.APPROVED
        locked.save(update_fields=["minutes_status"])
        meeting.minutes_status = locked.minutes_status
        return version


@transaction.atomic
def minutes_correct(*, meeting: Meeting, by: User) -> Meeting:
    """Open a correction of approved minutes: the text can be edited, confirmed and approved again
    as a new version; the approved one stays as issued (and public, if published) until then."""
    with set_actor(by):
        locked = _lock_meeting(meeting)
        if locked.minutes_status != MinutesStatus.APPROVED:
            raise DomainError("訂正できるのは承認済みの議事録です。")
        locked.minutes_status = MinutesStatus.DRAFT
        locked.save(update_fields=["minutes_status"])
        meeting.minutes_status = locked.minutes_status
        return locked


@transaction.atomic
def minutes_publish(*, meeting: Meeting, by: User) -> Meeting:
    """Publish the approved minutes of a public meeting, or only the outline of a closed one.
    Publishing twice changes nothing; a later approved version replaces the public one."""
    with set_actor(by):
        locked = _lock_meeting(meeting)
        if locked.date > timezone.localdate():
            raise DomainError("開催前の会議の議事録は公表できません。")
        if locked.minutes_published:
            return locked
        if not locked.minutes_versions.exists():
            raise DomainError("承認されていない議事録は公表できません。出席者の確認と承認を済ませてください。")
        locked.minutes_published = True
        locked.save(update_fields=["minutes_published"])
        meeting.minutes_published = True
        return locked


@transaction.atomic
def council_save(*, council: Council, by: User) -> Council:
    """Register or change a council (its area in its layer; the cap from 1 to 100; an existing
    body used in its place is named)."""
    from django.core.exceptions import ValidationError

    with set_actor(by):
        if council.area_id and council.area.layer != council.layer:
            raise DomainError(f"{council.area.name}は第{council.area.layer}層の区域です。協議体の層と合わせてください。")
        try:
            council.full_clean(exclude=["secretariat"])
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
        council.save()
        return council


# --- 資料 ------------------------------------------------------------------------------

def _clean_filename(name: str) -> str:
    """The name as the user's computer called it, without a path or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 200 - len(extension) - 1] + dot + extension) if dot and len(extension) <= 10 else base[:200]
    return base or "資料"


def paper_add(
    *, meeting: Meeting, upload: Any, title: str, by: User | None, agenda_item: AgendaItem | None = None,
    is_public: bool = False, replaces: Paper | None = None, reason: str = "",
) -> Paper:
    """Attach a file to a meeting (or one of its agenda items), its kind checked from its bytes.
    With ``replaces``: a paper already sent is kept and marked 差し替え済み; one not yet sent goes."""
    from . import paper_files

    size = getattr(upload, "size", None)
    if size is not None and size > paper_files.max_bytes():
        raise DomainError(f"ファイルが大きすぎます（{paper_files.size_text(size)}）。"
                          f"1つの資料は {paper_files.size_text(paper_files.max_bytes())} までです。")
    data = upload.read(paper_files.max_bytes() + 1)
    original_name = _clean_filename(getattr(upload, "name", "") or "")
    kind = paper_files.identify(data, original_name)
    title = (title or "").strip() or original_name.rsplit(".", 1)[0]
    with transaction.atomic(), (set_actor(by) if by is not None else nullcontext()):
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if is_public and not meeting.is_public:
            raise DomainError("非公開の会議の資料は公開できません。")
        if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
            raise DomainError("別の会議の議題は選べません。")
        order = (meeting.papers.aggregate(m=models.Max("order"))["m"] or 0) + 1
        old = None
        if replaces is not None:
            old = Paper.objects.select_for_update().filter(pk=replaces.pk, meeting=meeting).first()
            if old is None or old.status != PaperStatus.CURRENT:
                raise DomainError("差し替える資料は、この会議の配布中の資料から選んでください。")
            order = old.order
            if agenda_item is None:
                agenda_item = old.agenda_item
        paper = Paper(meeting=meeting, agenda_item=agenda_item, order=order, title=title[:200], kind=kind.key,
                      storage_key=uuid.uuid4(), original_name=original_name, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), is_public=is_public,
                      uploaded_at=timezone.now(), uploaded_by=by)
        paper.file.save(paper.storage_key.hex, ContentFile(data), save=False)
        try:
            if old is not None:
                if old.sent_at is None:
                    _paper_delete(old)
                else:
                    paper.replaces = old
                    old.status, old.withdrawn_at = PaperStatus.REPLACED, timezone.now()
                    old.withdrawn_reason = (reason or "").strip()[:300] or "差し替え"
                    old.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
            paper.save()
        except BaseException:
            paper.file.delete(save=False)
            raise
        return paper


def _paper_delete(paper: Paper) -> None:
    name, storage = paper.file.name, paper.file.storage
    paper.delete()
    # The file goes only if the deletion commits.
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def paper_remove(*, paper: Paper, reason: str, by: User) -> Paper | None:
    """Take a paper back. Before any notice carried it, it is deleted (returns None); once sent, it
    stays, marked 取り下げ with the reason and the time."""
    with set_actor(by):
        paper = Paper.objects.select_for_update().get(pk=paper.pk)
        if paper.status != PaperStatus.CURRENT:
            raise DomainError("この資料はすでに取り下げ・差し替え済みです。")
        if paper.sent_at is None:
            _paper_delete(paper)
            return None
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("開催通知で送付済みの資料です。取り下げの理由を入力してください（資料は記録として残ります）。")
        paper.status, paper.withdrawn_at, paper.withdrawn_reason = PaperStatus.WITHDRAWN, timezone.now(), reason[:300]
        paper.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
        return paper


def papers_mark_sent(*, meeting: Meeting) -> int:
    """The notice went out (mailed, or printed for the post): its papers are history from now on."""
    return Paper.objects.filter(meeting=meeting, status=PaperStatus.CURRENT, sent_at__isnull=True).update(
        sent_at=timezone.now())


# --- 地域課題 (地域ケア会議 → 協議体 → 資源開発, seed 002) ---------------------------------------

@transaction.atomic
def community_issue_raise(*, meeting: Meeting, title: str, description: str, area_id: int | None,
                          council: Council | None, by: User) -> CommunityIssue:
    """Record a 地域課題 found at a 地域ケア会議 (no personal data), optionally naming the council
    it is taken to."""
    with set_actor(by):
        if meeting.body_id is None or meeting.body.kind != BodyKind.CARE_CONFERENCE:  # type: ignore[union-attr]
            raise DomainError("地域課題は、地域ケア会議の会議から登録します。")
        if not title.strip():
            raise DomainError("地域課題を入力してください。")
        return CommunityIssue.objects.create(meeting=meeting, title=title.strip(), description=description.strip(),
                                             area_id=area_id, council=council)


@transaction.atomic
def community_issue_to_agenda(*, issue: CommunityIssue, meeting: Meeting, topic: str, by: User) -> AgendaItem:
    """Take a 地域課題 up as an agenda item of a council's meeting still to come; the notice is
    mailed again (a new version)."""
    with set_actor(by):
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.council_id is None:
            raise DomainError("地域課題は、協議体の会議の議題として取り上げます。")
        if meeting.date < timezone.localdate():
            raise DomainError(f"{meeting.title}は開催日（{_w(meeting.date)}）を過ぎているため、議題を加えられません。")
        if meeting.agenda.filter(community_issue=issue).exists():
            raise DomainError(f"「{issue.title}」はすでにこの会議の議題です。")
        order = (meeting.agenda.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        item = AgendaItem.objects.create(meeting=meeting, order=order, title=issue.title[:300], topic=topic,
                                         community_issue=issue)
        if issue.council_id is None:
            CommunityIssue.objects.filter(pk=issue.pk).update(council=meeting.council_id)
        Meeting.objects.filter(pk=meeting.pk).update(sequence=F("sequence") + 1)
        return item
