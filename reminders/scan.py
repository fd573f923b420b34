"""Find what is due. Each kind returns planned reminders; ``services.enqueue`` turns them into
deliveries and notices, each unique, so a second scan (or a parallel one) adds nothing.

Reminders before a date (a term's end, a meeting, a certificate's expiry) use windows, not exact
days: an item 45 days away is in the "60 days" step, one 29 days away in the "30 days" step. A
scan that did not run on the exact day (broker down, beat stopped) is caught up by the next one,
and each step still goes out once. The step carries the date it counts to, so a meeting moved to
another day is reminded of again for its new date.

Every kind costs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from django.conf import settings
from django.db.models import F
from django.urls import reverse

from municipality.wareki import format_wareki

from .models import Reason


@dataclass(frozen=True)
class Planned:
    """One reminder for one person: a mail when ``email`` is set, a notice when ``user_id`` is."""

    email: str
    user_id: int | None
    reason: str
    object_key: str
    step: str
    subject: str
    body: str
    url: str = ""

    @property
    def delivery_key(self) -> tuple[str, str, str, str]:
        return (self.email, self.reason, self.object_key, self.step)

    @property
    def notice_key(self) -> tuple[int | None, str, str, str]:
        return (self.user_id, self.reason, self.object_key, self.step)


def window_step(days_left: int, thresholds: Iterable[int]) -> int | None:
    """The step an item ``days_left`` days away belongs to: the smallest threshold not below it.
    None before the first threshold and from the day itself on (too late to remind)."""
    if days_left < 1:
        return None
    fitting = [d for d in thresholds if d >= days_left]
    return min(fitting) if fitting else None


def step_label(threshold: int, day: dt.date) -> str:
    return f"{threshold}日前 {day.isoformat()}"


def step_day(step: str) -> dt.date | None:
    """The date a step counts to (its last word), or None for steps without one."""
    try:
        return dt.date.fromisoformat(step.rsplit(" ", 1)[-1])
    except ValueError:
        return None


def object_id(object_key: str) -> int | None:
    tail = object_key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@lru_cache(maxsize=512)
def _w(day: dt.date) -> str:
    return format_wareki(day)


@lru_cache(maxsize=64)
def _route(name: str, arity: int) -> str:
    """The URL pattern of a route with ``{0}``, ``{1}`` … in place of its arguments, reversed once:
    a scan builds thousands of links."""
    marks = [str(918273645 + i) for i in range(arity)]
    url = reverse(name, args=marks)
    for i, mark in enumerate(marks):
        url = url.replace(mark, f"{{{i}}}")
    return url


def url_for(name: str, *args: object) -> str:
    return _route(name, len(args)).format(*args)


class Scan:
    """What is due on one day. Recipients shared by several kinds are read once."""

    def __init__(self, today: dt.date) -> None:
        self.today = today

    # --- recipients ---------------------------------------------------------------------

    def _users_with_role(self, role):
        from municipality.models import User

        return User.objects.filter(groups__name=role.value, is_active=True).order_by("pk")

    @cached_property
    def term(self) -> str:
        """The municipality's name for the coordinator (地域支え合い推進員, 生活支援コーディネーター …)."""
        from municipality.models import Municipality

        return Municipality.objects.current().coordinator_term

    @cached_property
    def city_staff(self) -> list:
        from municipality.roles import Role

        return list(self._users_with_role(Role.CITY_STAFF))

    @cached_property
    def contractors(self) -> dict[int, list]:
        """受託団体 users by organisation (every organisation: one query)."""
        from municipality.roles import Role

        by_org: dict[int, list] = {}
        for user in self._users_with_role(Role.CONTRACTOR).filter(organisation__isnull=False):
            by_org.setdefault(user.organisation_id, []).append(user)
        return by_org

    def _organisation_and_city(self, organisation_id: int | None, admin_url: str,
                               portal_url: str = "") -> list[tuple]:
        """The organisation's 受託団体 users (with a link into their portal) and city staff (into the admin)."""
        portal_url = portal_url or url_for("coordinators:list")
        return [*((user, portal_url) for user in self.contractors.get(organisation_id, [])),
                *((user, admin_url) for user in self.city_staff)]

    def _days_left(self, day: dt.date) -> int:
        return (day - self.today).days

    def _step(self, thresholds: list[int], day: dt.date) -> str:
        return step_label(window_step(self._days_left(day), thresholds), day)

    def _left(self, day: dt.date) -> str:
        """"令和8年11月24日現在、あと30日": the count stays true however late the mail goes out."""
        return f"{_w(self.today)}現在、あと{self._days_left(day)}日"

    def _window(self, thresholds: list[int]) -> tuple[dt.date, dt.date]:
        return self.today + dt.timedelta(days=1), self.today + dt.timedelta(days=max(thresholds))

    # --- kinds ----------------------------------------------------------------------------

    def council_terms(self) -> list[Planned]:
        """Council terms ending within 120, 60 and 30 days: each member, and the secretariat once
        per council and end date with the list of members. A term that was left early, or whose
        member is reappointed, is not reminded of: the new term carries the reminders. Rows are
        read as values: a window can hold thousands."""
        from councils.models import Council, Membership

        thresholds = settings.REMINDER_TERM_DAYS
        in_window = Membership.objects.filter(end__range=self._window(thresholds), end=F("planned_end"),
                                              reappointed_as__isnull=True)
        secretariat: dict[int, list[tuple[int, str]]] = {}
        for council_id, user_id, email in (
            Council.secretariat.through.objects.filter(council_id__in=in_window.values("council_id"),
                                                       user__is_active=True)
            .order_by("user_id").values_list("council_id", "user_id", "user__email")
        ):
            secretariat.setdefault(council_id, []).append((user_id, email))
        planned = []
        ending: dict[tuple[int, dt.date], tuple[str, list[str]]] = {}
        for pk, end, council_id, council, person, email, organisation in in_window.order_by("pk").values_list(
            "pk", "end", "council_id", "council__name", "person__name", "person__email", "organisation__name",
        ):
            if email:
                planned.append(Planned(
                    email, None, Reason.TERM_EXPIRY, f"councils.membership:{pk}", self._step(thresholds, end),
                    f"【任期満了のお知らせ】{council}（{_w(end)}まで）",
                    f"{person}様\n{council}の構成員としての任期は{_w(end)}に満了します（{self._left(end)}）。"
                    "再任などの手続きについては事務局からご連絡します。",
                ))
            if council_id in secretariat:
                ending.setdefault((council_id, end), (council, []))[1].append(f"・{person}様（{organisation}選出）")
        for (council_id, end), (council, members) in ending.items():
            subject = f"【任期満了のお知らせ】{council}：構成員{len(members)}人（{_w(end)}まで）"
            body = (f"{council}の次の構成員の任期が{_w(end)}に満了します（{self._left(end)}）。"
                    "再任または後任の手続きをお願いします。\n" + "\n".join(members))
            for user_id, user_email in secretariat[council_id]:
                planned.append(Planned(user_email, user_id, Reason.TERM_EXPIRY, f"councils.council:{council_id}",
                                       self._step(thresholds, end), subject, body, url_for("councils:detail", council_id)))
        return planned

    def meetings(self) -> list[Planned]:
        """Meetings within 7 days and tomorrow: every invitee with an address who has not declined.
        An invitation mailed within a step's window counts as that step's reminder: whoever got
        the notice three days before the meeting is not reminded of it again the same week."""
        from django.utils import timezone

        from councils.models import Invitation, Response

        thresholds = settings.REMINDER_MEETING_DAYS
        invitations = (
            Invitation.objects.filter(meeting__date__range=self._window(thresholds))
            .exclude(response=Response.DECLINED).exclude(person__email="").order_by("pk")
            .values_list("token", "response", "mailed_at", "person__name", "person__email", "meeting_id",
                         "meeting__date", "meeting__start_time", "meeting__title", "meeting__place",
                         "meeting__council__name")
        )
        planned = []
        for token, response, mailed_at, person, email, meeting_id, date, start, title, place, council in invitations:
            days_left = self._days_left(date)
            threshold = window_step(days_left, thresholds)
            if mailed_at and timezone.localdate(mailed_at) >= date - dt.timedelta(days=threshold):
                continue
            when = f"{_w(date)} {start:%H:%M}"
            answer = ("ご出席のご回答をいただいています。" if response == Response.ATTENDING
                      else "出欠のご回答がまだの方は、下のリンクからお願いします。")
            planned.append(Planned(
                email, None, Reason.MEETING, f"councils.meeting:{meeting_id}", step_label(threshold, date),
                f"【開催日が近づいています】{title}（{when}）",
                f"{person}様\n{council}の会議「{title}」を{when}から{place}で開催します（{self._left(date)}）。{answer}",
                url_for("meetings:rsvp", token),
            ))
        return planned

    def monitoring(self) -> list[Planned]:
        """Active plans whose monitoring date has come: assigned staff and the CSW, only while the
        person's consent lasts (a withdrawn or expired consent stops them)."""
        from consultations.models import Consent, PlanStatus, SupportPlan, current_consent_q

        current = Consent.objects.filter(current_consent_q(self.today)).values("case_id")
        plans = (
            SupportPlan.objects.filter(status=PlanStatus.ACTIVE, monitoring_on__lte=self.today, case_id__in=current)
            .select_related("case__csw").prefetch_related("case__assigned_staff").order_by("pk")
        )
        planned = []
        for plan in plans:
            case = plan.case  # its number only: no personal data leaves the case pages
            users = {u.pk: u for u in plan.case.assigned_staff.all()}
            if case.csw is not None:
                users[case.csw.pk] = case.csw
            for user in users.values():
                if user.is_active:
                    planned.append(Planned(
                        user.email, user.pk, Reason.MONITORING, f"consultations.plan:{plan.pk}",
                        plan.monitoring_on.isoformat(), f"【モニタリングの時期】{case}",
                        f"{case}のプラン第{plan.version}版は、モニタリングの時期（{_w(plan.monitoring_on)}）を"
                        "迎えています。モニタリングを行い、必要なら重層的支援会議でプランの変更を決めてください。",
                        url_for("cases:detail", case.pk),
                    ))
        return planned

    def certificates(self) -> list[Planned]:
        """Valid certificates ending within 60 and 30 days: the organisation and the city."""
        from coordinators.models import Certificate, CertificateStatus

        thresholds = settings.REMINDER_EXPIRY_DAYS
        certificates = (
            Certificate.objects.filter(status=CertificateStatus.VALID, valid_until__range=self._window(thresholds))
            .select_related("coordinator").order_by("pk")
        )
        planned = []
        for c in certificates:
            step = self._step(thresholds, c.valid_until)
            subject = f"【証の有効期間】{c.coordinator.name}さんの証（{_w(c.valid_until)}まで）"
            body = (f"{c.coordinator.name}さんの{self.term}証（{c.number}）は{_w(c.valid_until)}で"
                    f"有効期間が終わります（{self._left(c.valid_until)}）。委託の更新とあわせて、証の交付の準備をお願いします。")
            for user, url in self._organisation_and_city(c.coordinator.employer_id,
                                                         url_for("admin:coordinators_certificate_change", c.pk),
                                                         url_for("coordinators:detail", c.coordinator_id)):
                planned.append(Planned(user.email, user.pk, Reason.CERTIFICATE_EXPIRY,
                                       f"coordinators.certificate:{c.pk}", step, subject, body, url))
        return planned

    def contracts(self) -> list[Planned]:
        """Active contracts ending within 60 and 30 days: the organisation and the city."""
        from coordinators.models import Contract, ContractStatus

        thresholds = settings.REMINDER_EXPIRY_DAYS
        contracts = (
            Contract.objects.filter(status=ContractStatus.ACTIVE, end__range=self._window(thresholds))
            .select_related("organisation").order_by("pk")
        )
        planned = []
        for c in contracts:
            step = self._step(thresholds, c.end)
            subject = f"【委託期間の終了】{c.title}（{_w(c.end)}まで）"
            body = f"{c.organisation.name}との{c.title}は{_w(c.end)}で委託期間が終わります（{self._left(c.end)}）。"
            for user, url in self._organisation_and_city(c.organisation_id,
                                                         url_for("admin:coordinators_contract_change", c.pk)):
                planned.append(Planned(user.email, user.pk, Reason.CONTRACT_EXPIRY,
                                       f"coordinators.contract:{c.pk}", step, subject, body, url))
        return planned

    def training(self) -> list[Planned]:
        """Coordinators past the set time without a required course: the coordinator and the
        organisation, once a month while it lasts."""
        from coordinators.selectors import coordinators_missing_required_training

        missing = coordinators_missing_required_training(day=self.today).select_related("user")
        planned = []
        for c in missing:
            key, step = f"coordinators.coordinator:{c.pk}", self.today.strftime("%Y-%m")
            url = url_for("coordinators:detail", c.pk)
            for user in self.contractors.get(c.employer_id, []):
                planned.append(Planned(
                    user.email, user.pk, Reason.TRAINING, key, step,
                    f"【研修の受講】{c.name}さん：必須研修の受講記録がありません",
                    f"{c.name}さんは、選任から定められた期間を過ぎても必須研修の受講記録がありません。"
                    "受講の予定を立て、受講後は記録を登録してください。", url))
            if c.user and c.user.is_active:  # the coordinator, addressed in person
                planned.append(Planned(
                    c.user.email, c.user.pk, Reason.TRAINING, key, step,
                    "【研修の受講】必須研修の受講記録がありません",
                    f"{c.name}様\n選任から定められた期間を過ぎても、必須研修の受講記録がありません。"
                    "所属団体と相談のうえ受講の予定を立ててください。", url))
        return planned

    def vacancies(self) -> list[Planned]:
        """Areas still waiting for a successor coordinator: the city, once a week while it lasts."""
        from coordinators.selectors import areas_awaiting_successor

        waiting = areas_awaiting_successor(day=self.today)
        week = iso_week(self.today)
        planned = []
        for coverage in waiting:
            area = coverage.area
            for user in self.city_staff:
                planned.append(Planned(
                    user.email, user.pk, Reason.VACANCY, f"municipality.area:{area.pk}", week,
                    f"【後任未選任】{area.name}",
                    f"{area.name}は{_w(coverage.vacant_since)}の解任以来、後任の{self.term}が選任されていません。"
                    "後任はすみやかに選任することとされています。",
                    url_for("admin:coordinators_waiting")))
        return planned

    def monthly_reports(self) -> list[Planned]:
        """Last month's report not in by the due day: the coordinator and the organisation."""
        from activities.models import month_label
        from activities.selectors import coordinators_without_report, previous_month, report_due

        due_on = report_due(self.today)
        if self.today <= due_on:  # the due day itself is still in time
            return []
        month = previous_month(self.today)
        planned = []
        for c in coordinators_without_report(month):
            key, step = f"coordinators.coordinator:{c.pk}", month.strftime("%Y-%m")
            url = url_for("activities:report", c.pk, month.year, month.month)
            for user in self.contractors.get(c.employer_id, []):
                planned.append(Planned(
                    user.email, user.pk, Reason.MONTHLY_REPORT, key, step,
                    f"【月次報告】{month_label(month)}の報告が未提出です（{c.name}さん）",
                    f"{c.name}さんの{month_label(month)}の活動報告が、提出期限（{_w(due_on)}）を過ぎても"
                    "提出されていません。提出をお願いします。", url))
            if c.user.is_active:  # the coordinator, addressed in person
                planned.append(Planned(
                    c.user.email, c.user.pk, Reason.MONTHLY_REPORT, key, step,
                    f"【月次報告】{month_label(month)}の報告が未提出です",
                    f"{c.name}様\n{month_label(month)}の活動報告が、提出期限（{_w(due_on)}）を過ぎても"
                    "提出されていません。活動記録を確認のうえ、提出をお願いします。", url))
        return planned

    def weekly_digest(self, overdue: list[Planned], upcoming: list[Planned]) -> list[Planned]:
        """Once a week (on the first scan of the ISO week), city staff get one mail: what waits for
        the city and what is overdue, then what ends soon. (The counts are read here rather than
        through coordinators.selectors.waiting_counts, which would work out the vacancies again.)"""
        from coordinators.selectors import waiting_for_city

        from .models import Delivery, DeliveryStatus

        waiting = waiting_for_city()
        counts = [("受理待ちの選任届", waiting["appointment_notices"].count()),
                  ("証の交付待ち", waiting["appointments_without_certificate"].count()),
                  ("受理待ちの解任届", waiting["dismissal_notices"].count()),
                  ("送信できなかったメール（管理サイトの「メール送信の記録」）",
                   # as the log shows them: case reminders are not for city staff
                   Delivery.objects.filter(status=DeliveryStatus.FAILED).exclude(reason=Reason.MONITORING).count())]
        late = [f"{label} {n}件" for label, n in counts if n] + sorted({p.subject for p in overdue})
        soon = sorted({p.subject for p in upcoming})
        if not late and not soon:
            return []
        sections = []
        if late:
            sections.append("■ 対応が必要なもの\n" + "\n".join(f"・{line}" for line in late))
        if soon:
            sections.append("■ 期限が近いもの\n" + "\n".join(f"・{line}" for line in soon))
        body = f"{_w(self.today)}現在の状況です。\n\n" + "\n\n".join(sections)
        week = iso_week(self.today)
        return [Planned(user.email, user.pk, Reason.WEEKLY_DIGEST, "municipality.digest", week,
                        f"【週のまとめ】対応が必要なもの {len(late)}項目・期限が近いもの {len(soon)}項目", body,
                        url_for("admin:coordinators_waiting"))
                for user in self.city_staff]

    def all(self) -> list[Planned]:
        overdue = [*self.training(), *self.vacancies(), *self.monthly_reports()]
        upcoming = [*self.certificates(), *self.contracts()]
        return [*self.council_terms(), *self.meetings(), *self.monitoring(), *overdue, *upcoming,
                *self.weekly_digest(overdue, upcoming)]


def due(today: dt.date) -> list[Planned]:
    """Every reminder due on ``today`` (already sent ones included: enqueue skips them)."""
    return Scan(today).all()


# --- At send time: is the reason still there? --------------------------------------------------
# A reminder waits in the outbox for minutes (or hours, while SMTP is down). If what it was about
# changed meanwhile (consent withdrawn, invitation declined, meeting moved, term renewed), it is
# cancelled instead of sent.

def _term_still_due(delivery, today: dt.date) -> bool:
    """The member's term (councils.membership:…), or for the secretariat any term of the council
    (councils.council:…) still ending that day, not left early, not renewed."""
    from councils.models import Membership

    which = ({"council_id": object_id(delivery.object_key)} if delivery.object_key.startswith("councils.council:")
             else {"pk": object_id(delivery.object_key)})
    return Membership.objects.filter(**which, end=step_day(delivery.step), end__gte=today, planned_end=F("end"),
                                     reappointed_as__isnull=True).exists()


def _meeting_still_due(delivery, today: dt.date) -> bool:
    from councils.models import Invitation, Response

    return (Invitation.objects.filter(meeting_id=object_id(delivery.object_key), meeting__date=step_day(delivery.step),
                                      meeting__date__gte=today, person__email=delivery.recipient)
            .exclude(response=Response.DECLINED).exists())


def _monitoring_still_due(delivery, today: dt.date) -> bool:
    from consultations.models import Consent, PlanStatus, SupportPlan, current_consent_q

    return SupportPlan.objects.filter(
        pk=object_id(delivery.object_key), status=PlanStatus.ACTIVE, monitoring_on=step_day(delivery.step),
        case_id__in=Consent.objects.filter(current_consent_q(today)).values("case_id"),
    ).exists()


def _certificate_still_due(delivery, today: dt.date) -> bool:
    from coordinators.models import Certificate, CertificateStatus

    return Certificate.objects.filter(pk=object_id(delivery.object_key), status=CertificateStatus.VALID,
                                      valid_until=step_day(delivery.step), valid_until__gte=today).exists()


def _contract_still_due(delivery, today: dt.date) -> bool:
    from coordinators.models import Contract, ContractStatus

    return Contract.objects.filter(pk=object_id(delivery.object_key), status=ContractStatus.ACTIVE,
                                   end=step_day(delivery.step), end__gte=today).exists()


STILL_DUE: dict[str, Callable] = {
    Reason.TERM_EXPIRY: _term_still_due,
    Reason.MEETING: _meeting_still_due,
    Reason.MONITORING: _monitoring_still_due,
    Reason.CERTIFICATE_EXPIRY: _certificate_still_due,
    Reason.CONTRACT_EXPIRY: _contract_still_due,
}


def still_due(delivery, today: dt.date) -> bool:
    check = STILL_DUE.get(delivery.reason)
    return check is None or check(delivery, today)


def not_yet_planned(planned: list[Planned]) -> list[Planned]:
    """The planned reminders that have neither their mail nor their notice yet (two queries)."""
    from .models import Delivery, Notice

    if not planned:
        return []
    keys = {p.object_key for p in planned}
    steps = {p.step for p in planned}
    deliveries = set(Delivery.objects.filter(object_key__in=keys, step__in=steps)
                     .values_list("recipient", "reason", "object_key", "step"))
    notices = set(Notice.objects.filter(object_key__in=keys, step__in=steps)
                  .values_list("user_id", "reason", "object_key", "step"))
    return [p for p in planned
            if (p.email and p.delivery_key not in deliveries) or (p.user_id and p.notice_key not in notices)]
