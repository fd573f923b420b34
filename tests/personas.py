"""A small municipality with every kind of record and the people around it, for access tests.

Two organisations (A and B), each with an owner (受託団体), a member (a coordinator in office)
and, seen from the other side, an outsider; councils run by their secretariats; two case teams,
each case with an assigned worker, an agency worker under the person's consent and an outsider
(who receives a 連携シート of each case, accepting case 2's).
``build_world()`` creates it through the services and returns a ``World`` that knows, for every
object it made, who besides city-wide users may see it (``World.seen``). Tests compare the
application's answers with that record, which is written here by hand and so does not share the
application's scoping code.

Build it once per module (it renders a few PDFs): see ``tests/test_crawl.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

from activities import services as activity_services
from activities.models import Function, Match
from consultations import services as case_services
from consultations.models import ReferralBasis, Timing
from coordinators import services as lifecycle
from councils import services as council_services
from councils.demo import minutes_to_state
from councils.models import Body, BodyKind, OfficeRole, Person, PledgeContext
from municipality.models import Municipality, PlanPeriod, User
from municipality.roles import Role
from reminders.models import Notice, Reason
from tests.factories import (
    ActivityCategoryFactory,
    AgencyFactory,
    AgendaItemFactory,
    AreaFactory,
    ContractFactory,
    CouncilFactory,
    MeetingFactory,
    NeedFactory,
    OrganisationFactory,
    PersonFactory,
    PlanPeriodFactory,
    SocialResourceFactory,
    TrainingCourseFactory,
    TrainingRecordFactory,
    UserFactory,
    WorkingGroupFactory,
)
from tests.lifecycle import CONTRACT_END, CONTRACT_START, file_notice

# The day the world lives on (a Monday; JST). Tests pin the clock to it.
TODAY = dt.date(2026, 11, 16)
REPORT_MONTH = dt.date(2026, 10, 1)

CITY_WIDE = frozenset({"superuser", "city", "auditor"})


@dataclass(frozen=True)
class Persona:
    name: str
    user: User | None  # None: anonymous

    @cached_property
    def roles(self) -> frozenset[Role]:
        return frozenset() if self.user is None else self.user.roles

    @property
    def anonymous(self) -> bool:
        """Not signed in, or signed in as a deactivated user (who counts as anonymous)."""
        return self.user is None or not self.user.is_active

    @property
    def is_superuser(self) -> bool:
        return bool(self.user and self.user.is_superuser)

    @property
    def is_staff(self) -> bool:
        return bool(self.user and self.user.is_staff and self.user.is_active)

    @property
    def city_wide(self) -> bool:
        return self.is_superuser or bool(self.roles & {Role.CITY_STAFF, Role.AUDITOR})

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


def key(obj: models.Model) -> tuple[str, int]:
    return (obj._meta.label_lower, obj.pk)


@dataclass
class World:
    personas: dict[str, Persona] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    # (model label, pk) -> names of the personas who see the object besides city-wide users.
    seen: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)
    # Need-to-know rows: city-wide users get no blanket access.
    need_to_know: set[tuple[str, int]] = field(default_factory=set)
    # Texts found only in one object's data (a person's name, a narrative): a page that shows one
    # to a persona who may not see the object leaks it.
    markers: dict[str, models.Model] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.objects[name]

    def add(self, name: str, obj: Any, *seen_by: str, need_to_know: bool = False) -> Any:
        self.objects[name] = obj
        self.mark(obj, *seen_by, need_to_know=need_to_know)
        return obj

    def mark(self, obj: models.Model, *seen_by: str, need_to_know: bool = False) -> None:
        self.seen[key(obj)] = self.seen.get(key(obj), frozenset()) | frozenset(seen_by)
        if need_to_know:
            self.need_to_know.add(key(obj))

    def sees(self, persona: Persona, obj: models.Model) -> bool:
        """Whether the persona may see the object, by this world's record (not the application's)."""
        k = key(obj)
        if k not in self.seen:
            raise KeyError(f"{k} is not classified in the world: say who sees it")
        if persona.name in self.seen[k]:
            return True
        return persona.city_wide and k not in self.need_to_know

    def user(self, name: str) -> User:
        return self.personas[name].user


def _user(world: World, name: str, roles: list[str], *, organisation=None, staff=False, **extra) -> User:
    user = UserFactory(username=name, name=f"{name} 氏", organisation=organisation, is_staff=staff, **extra)
    if roles:
        user.groups.set(Group.objects.filter(name__in=roles))
    world.personas[name] = Persona(name, user)
    return user


def build_world() -> World:
    """Create the world (call inside a transaction that the caller rolls back)."""
    w = World()
    w.personas["anonymous"] = Persona("anonymous", None)
    municipality = Municipality.objects.current()
    municipality.name = "汐見市"
    municipality.save()
    for n in (9, 10):
        PlanPeriodFactory(number=n)

    # --- Areas and organisations
    city_area = AreaFactory(code="L1", name="市全域", layer=1, parent=None)
    area_a1 = AreaFactory(code="A1", name="Ａ第一地区", parent=city_area)
    area_a2 = AreaFactory(code="A2", name="Ａ第二地区", parent=city_area)
    area_b1 = AreaFactory(code="B1", name="Ｂ地区", parent=city_area)
    for area in (city_area, area_a1, area_a2, area_b1):
        w.objects[f"area_{area.code}"] = area
    city_dept = OrganisationFactory(name="汐見市福祉部高齢福祉介護課")
    org_a = OrganisationFactory(name="社会福祉法人Ａ会")
    org_b = OrganisationFactory(name="特定非営利活動法人Ｂ")

    # --- People
    _user(w, "superuser", [], staff=True, is_superuser=True)
    city = _user(w, "city", [Role.CITY_STAFF], organisation=city_dept, staff=True)
    _user(w, "auditor", [Role.AUDITOR], organisation=city_dept, staff=True)
    # A deactivated city employee whose session is still open: answered as an anonymous user.
    _user(w, "inactive_city", [Role.CITY_STAFF], organisation=city_dept, staff=True, is_active=False)
    _user(w, "sec_1", [Role.SECRETARIAT], organisation=city_dept, staff=True)
    _user(w, "sec_2", [Role.SECRETARIAT], organisation=city_dept, staff=True)
    contractor = {"a": _user(w, "contractor_a", [Role.CONTRACTOR], organisation=org_a),
                  "b": _user(w, "contractor_b", [Role.CONTRACTOR], organisation=org_b)}
    w.add("org_city", city_dept, "sec_1", "sec_2")
    w.add("org_a", org_a, "contractor_a", "coord_a")
    w.add("org_b", org_b, "contractor_b", "coord_b")

    # --- Coordinators: a contract, an appointment, a certificate, a training record, and in A a
    # dismissed colleague (a dismissal notice and a void certificate).
    course = TrainingCourseFactory(is_required=True)
    w.add("course", course)
    categories = [ActivityCategoryFactory(function=Function.A), ActivityCategoryFactory(function=Function.C)]
    w.add("category", categories[0])
    for side, org, areas in (("a", org_a, [area_a1, area_a2]), ("b", org_b, [area_b1])):
        owner, member = f"contractor_{side}", f"coord_{side}"
        contract = ContractFactory(organisation=org, areas=areas, start=CONTRACT_START, end=CONTRACT_END)
        w.add(f"contract_{side}", contract, owner, member)
        notice = file_notice(contract, contractor[side], name=f"推進員 {side.upper()}", areas=areas[:1])
        w.add(f"notice_{side}", notice, owner)
        w.add(f"notice_doc_{side}", notice.document, owner)
        appointment = lifecycle.appointment_notice_accept(notice=notice, accepted_by=city)
        w.add(f"appointment_{side}", appointment, owner, member)
        coordinator = appointment.coordinator
        user = _user(w, member, [Role.COORDINATOR], organisation=org)
        coordinator.user = user
        coordinator.save()
        w.add(f"coordinator_{side}", coordinator, owner, member)
        certificate = lifecycle.certificate_issue(appointment=appointment, issued_by=city,
                                                  issued_on=dt.date(2026, 4, 10))
        w.add(f"certificate_{side}", certificate, owner, member)
        w.add(f"certificate_doc_{side}", certificate.document, owner)
        w.add(f"training_{side}", TrainingRecordFactory(coordinator=coordinator, course=course), owner, member)
        if side == "a":  # B's pledges are missing (flagged on B's pages)
            w.add("pledge_contract_a", lifecycle.pledge_record(contract=contract, signed_on=CONTRACT_START,
                                                               signer="理事長 Ａ", by=city), owner)
            w.add("pledge_coordinator_a", lifecycle.pledge_record(coordinator=coordinator, signed_on=CONTRACT_START,
                                                                  signer="", by=city), owner, member)
        # The month's work: an activity, a need met by a resource, the report.
        # A's is listed in the public directory (issue 17): its public fields only, never the internal contact.
        listed = {"is_public": True, "public_description": "毎週水曜の茶話会と体操", "public_window": "汐見市社会福祉協議会",
                  "public_phone": "0467-00-1234", "contact": "担当 公開されない人"} if side == "a" else {}
        resource = SocialResourceFactory(name=f"サロン{side.upper()}", area=areas[0], registered_by=org, **listed)
        w.add(f"resource_{side}", resource, owner, member)
        if listed:
            w.markers[listed["contact"]] = resource  # the crawl fails if a public page shows the internal contact
        activity = activity_services.activity_log(
            coordinator=coordinator, by=user, date=dt.date(2026, 10, 5), minutes=90, area=areas[0],
            category=categories[0], participants=12, narrative=f"サロン{side.upper()}の運営について話し合った。",
            follow_up_on=None, organisations=[org], resources=[resource])
        w.add(f"activity_{side}", activity, owner, member)
        w.markers[activity.narrative] = activity
        w.markers[coordinator.name] = coordinator
        need = NeedFactory(area=areas[0], raised_on=dt.date(2026, 10, 6), recorded_by=coordinator)
        w.add(f"need_{side}", need, owner, member)
        match = Match.objects.create(need=need, resource=resource, coordinator=coordinator,
                                     matched_on=dt.date(2026, 10, 20))
        w.add(f"match_{side}", match, owner, member)
        report = activity_services.report_submit(coordinator=coordinator, month=REPORT_MONTH, by=user)
        w.add(f"report_{side}", report, owner, member)
    activity_services.report_confirm(report=w["report_a"], by=contractor["a"])
    # A colleague in A who was dismissed: dismissal notice (a PDF) and a void certificate.
    notice = file_notice(w["contract_a"], contractor["a"], name="元推進員 Ａ", areas=[area_a2])
    w.add("notice_a2", notice, "contractor_a")
    w.add("notice_doc_a2", notice.document, "contractor_a")
    appointment = lifecycle.appointment_notice_accept(notice=notice, accepted_by=city)
    w.add("appointment_a2", appointment, "contractor_a", "coord_a")  # in coord_a's contract areas
    w.add("coordinator_a2", appointment.coordinator, "contractor_a")
    w.markers[appointment.coordinator.name] = appointment.coordinator
    certificate = lifecycle.certificate_issue(appointment=appointment, issued_by=city, issued_on=dt.date(2026, 4, 10))
    w.add("certificate_a2", certificate, "contractor_a")
    w.add("certificate_doc_a2", certificate.document, "contractor_a")
    dismissal = lifecycle.dismissal_notice_file(
        organisation=org_a, coordinator=appointment.coordinator, dismissed_on=dt.date(2026, 9, 30),
        reason="一身上の都合により退職したため。", certificate_returned=False, filed_by=contractor["a"],
        filed_on=dt.date(2026, 10, 1))
    w.add("dismissal_a2", dismissal, "contractor_a")
    w.add("dismissal_doc_a2", dismissal.document, "contractor_a")
    # What the colleague recorded in A2: in coord_a's contract areas, so coord_a sees it, but not in
    # coord_a's own area, so coord_a may neither edit nor match it (no such links on the lists).
    w.add("resource_a2", SocialResourceFactory(name="サロンA2", area=area_a2, registered_by=org_a),
          "contractor_a", "coord_a")
    w.add("need_a2", NeedFactory(area=area_a2, raised_on=dt.date(2026, 9, 1), recorded_by=appointment.coordinator),
          "contractor_a", "coord_a")

    # --- Councils: 第1層 run by sec_1, 第2層 of A1 by coord_a, 第2層 of B1 by coord_b and sec_2.
    body = OrganisationFactory()
    w.add("org_body", body)  # seen by nobody outside the city (no user belongs to it)
    runs = {"c1": ("sec_1",), "c2a": ("coord_a",), "c2b": ("coord_b", "sec_2")}
    spec = {"c1": (1, city_area), "c2a": (2, area_a1), "c2b": (2, area_b1)}
    for name, (layer, area) in spec.items():
        council = CouncilFactory(layer=layer, area=area, secretariat=[w.user(u) for u in runs[name]])
        w.add(f"council_{name}", council, *runs[name])
        by = w.user(runs[name][0])
        people = []
        for i in range(2):
            person = PersonFactory(email=f"{name}-{i}@example.jp" if i == 0 else "")
            w.add(f"person_{name}_{i}", person, *runs[name])
            people.append(person)
            membership = council_services.membership_add(council=council, person=person, organisation=body,
                                                         start=dt.date(2024, 4, 1), by=by)
            w.add(f"membership_{name}_{i}", membership, *runs[name])
        w.add(f"office_{name}", council_services.office_assign(
            council=council, role=OfficeRole.CHAIR, holder=people[0], start=dt.date(2024, 4, 1), by=by), *runs[name])
        w.add(f"pledge_{name}", council_services.pledge_record(
            person=people[0], council=council, context=PledgeContext.MEMBER, signed_on=dt.date(2024, 4, 1), by=by),
            *runs[name])
        group = WorkingGroupFactory(council=council)
        w.add(f"group_{name}", group, *runs[name])
        # The past meeting of c2b was closed: the public learn its reason and outline, never its minutes.
        closed = name == "c2b"
        past = MeetingFactory(
            council=council, date=dt.date(2026, 10, 1), decisions="部会を設ける。", is_public=not closed,
            closed_reason="個人の情報を扱うため" if closed else "", outline="見守りの体制を協議した。" if closed else "",
            minutes=f"{'非公開の議事録：個別の世帯について協議した' if closed else '買い物支援について意見を交わした'}（{name}）。")
        AgendaItemFactory(meeting=past)
        council_services.meeting_invite_members(meeting=past, by=by)
        minutes_to_state(past, "published", by=by)
        w.add(f"meeting_{name}", past, *runs[name])
        w.objects[f"minutes_confirmation_{name}"] = past.invitations.first().minutes_confirmations.first()
        if closed:
            w.markers[past.minutes] = past
        w.markers[people[0].email] = people[0]  # addresses stay within the council
        upcoming = MeetingFactory(council=council, date=dt.date(2026, 11, 20), is_public=not closed,
                                  closed_reason="個人の情報を扱うため" if closed else "")
        AgendaItemFactory(meeting=upcoming)
        council_services.meeting_invite_members(meeting=upcoming, by=by)
        w.add(f"upcoming_{name}", upcoming, *runs[name])
        w.objects[f"invitation_{name}"] = upcoming.invitations.first()
        # Papers (資料) of the upcoming meeting: one for its invitees and secretariat, one public where the
        # meeting is public (served to everyone; the closed meeting has none).
        from django.core.files.uploadedfile import SimpleUploadedFile

        pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n")
        w.add(f"paper_{name}", council_services.paper_add(
            meeting=upcoming, upload=SimpleUploadedFile(f"内部資料{name}.pdf", pdf), title=f"内部資料（{name}）",
            by=by), *runs[name])
        if not closed:
            w.add(f"public_paper_{name}", council_services.paper_add(
                meeting=upcoming, upload=SimpleUploadedFile(f"公開資料{name}.pdf", pdf), title=f"公開資料（{name}）",
                is_public=True, by=by), *runs[name])
    w.add("person_unattached", PersonFactory(), *(n for n in w.personas if n != "anonymous"))

    # --- Other bodies (issue 17): the coordinators' 定例会 run by sec_1, a 地域ケア会議 run by sec_2. The
    # 地域課題 found at the care conference (area A1) went to the 第1層 council's agenda: seen by both
    # secretariats and by coord_a, whose area it is.
    regular = Body.objects.create(kind=BodyKind.COORDINATORS, name="推進員定例会", organiser=city_dept)
    regular.secretariat.add(w.user("sec_1"))
    w.add("body_regular", regular, "sec_1")
    care = Body.objects.create(kind=BodyKind.CARE_CONFERENCE, name="汐見中央 地域ケア会議", organiser=city_dept,
                               area=area_a1)
    care.secretariat.add(w.user("sec_2"))
    w.add("body_care", care, "sec_2")
    meeting_regular = MeetingFactory(council=None, body=regular, title="推進員定例会 11月", date=dt.date(2026, 11, 20))
    council_services.meeting_invite_users(meeting=meeting_regular, by=w.user("sec_1"), people=[{
        "user": city, "name": city.name, "name_kana": "", "email": city.email}])
    w.add("meeting_regular", meeting_regular, "sec_1")
    w.mark(Person.objects.get(user=city), "sec_1")
    meeting_care = MeetingFactory(council=None, body=care, title="地域ケア会議 10月", date=dt.date(2026, 10, 15),
                                  is_public=False, closed_reason="個別事例を扱うため")
    w.add("meeting_care", meeting_care, "sec_2")
    issue = council_services.community_issue_raise(
        meeting=meeting_care, title="坂の上で買い物に行けない", description="移動販売の空白地帯。", area_id=area_a1.pk,
        council=w["council_c1"], by=w.user("sec_2"))
    w.add("issue_1", issue, "sec_1", "sec_2", "coord_a")
    council_services.community_issue_to_agenda(issue=issue, meeting=w["upcoming_c1"], topic="2", by=w.user("sec_1"))

    # --- Cases: two teams; each case with an assigned worker, an agency worker under consent,
    # and an outsider (team 1: an agency involved in the case but not covered by consent).
    agencies = {}
    for name in ["汐見中央地域包括支援センター", "汐見市生活支援相談センター", "障害者相談支援事業所あおば", "汐見南地域包括支援センター",
                 "子ども家庭支援センターみなと"]:
        agencies[name] = AgencyFactory(organisation__name=name)
    team = {
        1: {"home": agencies["汐見市生活支援相談センター"], "agency": agencies["汐見中央地域包括支援センター"],
            "outsider": agencies["障害者相談支援事業所あおば"]},
        2: {"home": agencies["汐見南地域包括支援センター"], "agency": agencies["子ども家庭支援センターみなと"], "outsider": None},
    }
    for n, t in team.items():
        worker = _user(w, f"worker_{n}", [Role.CASE_WORKER], organisation=t["home"].organisation)
        _user(w, f"agency_{n}", [Role.CASE_WORKER], organisation=t["agency"].organisation)
        _user(w, f"outsider_{n}", [Role.CASE_WORKER],
              organisation=t["outsider"].organisation if t["outsider"] else None)
    # Team 1's lead (相談支援管理者, a 相談支援員 too): sees the team's cases (its workers' organisation).
    _user(w, "lead_1", [Role.CASE_WORKER, Role.CASE_LEAD], organisation=team[1]["home"].organisation)
    w.mark(team[1]["home"].organisation, "lead_1")
    # A coordinator who is also a 相談支援員, in an agency that case 1's consent covers: never sees cases.
    _user(w, "coord_caseworker", [Role.COORDINATOR, Role.CASE_WORKER], organisation=team[1]["agency"].organisation)
    w.mark(team[1]["agency"].organisation, "coord_caseworker")
    for n, t in team.items():
        w.mark(t["home"].organisation, f"worker_{n}")
        w.mark(t["agency"].organisation, f"agency_{n}")
        if t["outsider"]:
            w.mark(t["outsider"].organisation, f"outsider_{n}")
        for a in t.values():
            if a is not None:
                w.objects.setdefault(f"agency_row_{a.pk}", a)
                w.mark(a)
    for n, t in team.items():
        worker = w.user(f"worker_{n}")
        team_names = (f"worker_{n}", f"agency_{n}", *(["lead_1"] if n == 1 else []))
        case = case_services.case_open(
            received_on=dt.date(2026, 9, 1), route="phone", domains=["elderly", "poverty"],
            person_name=f"架空 {n}子", person_birth_date=dt.date(1950, 1, 1), presenting_problems="母の介護と家計の相談",
            household=[{"name": f"架空 {n}郎", "relation": "長男"}],
            agencies=[a for a in (t["agency"], t["outsider"]) if a], by=worker)
        w.add(f"case_{n}", case, *team_names, need_to_know=True)
        w.markers[case.person_name] = case
        w.markers[f"架空 {n}郎"] = case  # a household member
        consent = case_services.consent_record(case=case, agencies=[t["home"], t["agency"]],
                                               given_on=dt.date(2026, 9, 2), method="written", by=worker)
        w.add(f"consent_{n}", consent, *team_names, need_to_know=True)
        assessment = case_services.assessment_add(case=case, situation="母と長男の二人暮らし。", issues="介護サービス未利用",
                                                  by=worker)
        w.add(f"assessment_{n}", assessment, *team_names, need_to_know=True)
        plan = case_services.plan_draft(case=case, goals=f"介護サービスにつながる（{n}）", policy="包括と分担", contents="申請支援",
                                        monitoring_on=dt.date(2026, 11, 10), roles=[(t["agency"], "介護保険の申請")],
                                        based_on=assessment, by=worker)
        w.add(f"plan_{n}", plan, *team_names, need_to_know=True)
        w.markers[plan.goals] = plan
        conference = case_services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 9, 20),
                                                   plan=plan, attendees=[worker], agencies=[t["agency"]], by=worker)
        if n == 2:
            # Team 2's conference has the outsider among its attendees: they see that record only. The service
            # now refuses an attendee outside the consent (issue 14); records made before that rule keep such
            # attendees, and the access rule for them must still hold, so the world writes one directly.
            conference.attendees.add(w.user("outsider_2"))
        w.add(f"conference_{n}", conference, *team_names, *(["outsider_2"] if n == 2 else []), need_to_know=True)
        if n == 2:
            w.mark(plan, "outsider_2")  # the plan the meeting decided is part of its record
        # 評価シート of the active plan (a proposal for the next meeting: the plan's monitoring date stays).
        evaluation = case_services.evaluation_record(
            plan=plan, evaluated_on=dt.date(2026, 11, 12), overall=f"申請は済んだが利用は未定（{n}）", decision="change",
            goals={None: ("partly", "申請済み")}, by=worker)
        w.add(f"evaluation_{n}", evaluation, *team_names, need_to_know=True)
        w.markers[evaluation.overall] = evaluation
        meeting = case_services.support_meeting_record(
            held_on=dt.date(2026, 10, 2), cases=[case], shared=f"見守りの状況を共有（{n}）", policy="週1回訪問", by=worker,
            attendees=[{"name": "民生委員 A", "organisation": "民生委員児童委員協議会", "confidentiality_acknowledged": True},
                       # あおば attends (bound by 社会福祉法第106条の6第5項): the meeting decides its 連携シート below
                       {"name": "あおば 相談員", "organisation": "障害者相談支援事業所あおば", "confidentiality_acknowledged": True}])
        w.add(f"support_meeting_{n}", meeting, *team_names, need_to_know=True)
        w.markers[meeting.shared] = meeting
        issue = case_services.regional_issue_raise(title=f"移動手段の不足 {n}", description="バス路線の廃止で通院が難しい世帯がある。",
                                                   by=worker, case=case)
        w.add(f"regional_issue_{n}", issue)  # no personal data: for city staff and councils
        entry = case_services.timeline_entry_add(
            case=case, contact_at=timezone.now() - dt.timedelta(hours=1), method="phone", with_whom="長男",
            content=f"長男から電話で相談（{n}）", next_step="訪問の日程調整", by=worker)
        w.add(f"timeline_entry_{n}", entry, *team_names, need_to_know=True)
        w.markers[entry.content] = entry
        # The audit log's record of the intake (its values included): the 監査 role reads the log.
        from auditlog.models import LogEntry

        w.add(f"log_case_{n}", LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.CREATE).first())

    # --- 連携シート: each case to あおば (outside the consent) on its 支援会議's decision. Case 1's is
    # unanswered: outsider_1 sees that sheet, never case 1. Case 2's is accepted: outsider_1 sees
    # case 2 and its records, read only. Case 1's sheet shares no text the crawl marks as case 1's
    # (its name is a marker of the case, which outsider_1 does not see).
    aoba = agencies["障害者相談支援事業所あおば"]
    for n, items in ((1, ["problems", "assessment"]), (2, ["name_age", "problems"])):
        referral = case_services.referral_send(
            case=w[f"case_{n}"], agency=aoba, items=items, purpose="障がい福祉サービスの相談をお願いします。",
            basis=ReferralBasis.SUPPORT_MEETING, support_meeting=w[f"support_meeting_{n}"], by=w.user(f"worker_{n}"))
        w.add(f"referral_{n}", referral, f"worker_{n}", f"agency_{n}", "outsider_1", *(["lead_1"] if n == 1 else []),
              need_to_know=True)
    case_services.referral_accept(referral=w["referral_2"], by=w.user("outsider_1"))
    for name in ("case_2", "consent_2", "assessment_2", "plan_2", "conference_2", "support_meeting_2", "evaluation_2",
                 "timeline_entry_2"):
        w.mark(w[name], "outsider_1")
    # --- Team lead: case 1 is urgent; a second intake of case 1's person (a full-width space in the
    # name) is a possible duplicate that the lead decides.
    urgency = case_services.urgency_mark(case=w["case_1"], reason="本人と連絡が取れない", by=w.user("worker_1"))
    w.add("urgency_1", urgency, "worker_1", "agency_1", "lead_1", need_to_know=True)
    again = case_services.case_open(
        received_on=dt.date(2026, 11, 2), route="counter", domains=["elderly"], person_name="架空\u30001子",
        person_kana="カクウ イチコ", person_birth_date=dt.date(1950, 1, 1), presenting_problems="再度の相談",
        by=w.user("worker_1"))
    w.add("case_again", again, "worker_1", "lead_1", need_to_know=True)
    w.add("duplicate_1", again.duplicate_checks.get(), "lead_1", need_to_know=True)
    # --- 参加支援 (case 1 asks coordinator A for help in Ａ第一地区) and a 重層的支援会議 on a 地域生活課題
    # held by team 1 with outsider_2 attending. The need holds no personal data: the case team reads it on
    # the case page, the coordinator's side sees it as any need of the area and nothing of the case.
    support = case_services.participation_support_add(
        plan=w["plan_1"], note="参加支援メモ（1）：本人は日中の居場所を希望", resource=w["resource_a"], by=w.user("worker_1"),
        need_request={"area": area_a1, "title": "日中に通える居場所の紹介", "description": "60代の方が週1回通える場"})
    w.add("participation_1", support, "worker_1", "agency_1", "lead_1", need_to_know=True)
    w.markers[support.note] = support
    w.add("need_participation", support.need, "contractor_a", "coord_a", "worker_1", "agency_1")
    area_conference = case_services.area_conference_record(
        held_on=dt.date(2026, 10, 15), area=area_a1, issue="駅前地区で日中に集える場所が足りない（地域生活課題）",
        decisions="協議体に居場所づくりを提案する", attendees=[w.user("outsider_2")], agencies=[team[1]["agency"]],
        by=w.user("worker_1"))
    w.add("area_conference_1", area_conference, "worker_1", "lead_1", "outsider_2")  # the lead is of team 1
    w.markers[area_conference.issue] = area_conference
    issue = case_services.regional_issue_raise(title="日中の居場所の不足", description="駅前地区に集える場所がない。",
                                               by=w.user("worker_1"), area_conference=area_conference)
    w.add("regional_issue_ac", issue)

    # --- 避難行動要支援者: case 1's person agreed to the listing for 民生委員; team 1's lead exported it.
    listing = case_services.evacuation_listing_record(case=w["case_1"], agreed_on=dt.date(2026, 9, 2), method="written",
                                                      reason="要介護2で一人での避難が難しい", recipients=["commissioner"],
                                                      by=w.user("worker_1"))
    w.add("evacuation_listing_1", listing, "worker_1", "agency_1", "lead_1", need_to_know=True)
    export = case_services.evacuation_export(recipient="commissioner", by=w.user("lead_1"))
    w.add("evacuation_export_1", export, "lead_1", need_to_know=True)

    # --- User rows: seen by the user and by colleagues who act for the organisation (not coordinators).
    for name, persona in w.personas.items():
        if persona.user is None:
            continue
        colleagues = [other for other, p in w.personas.items() if p.user is not None and p.user.organisation_id
                      and p.user.organisation_id == persona.user.organisation_id and p.roles - {Role.COORDINATOR}]
        w.add(f"user_{name}", persona.user, name, *colleagues)

    # --- Notices (in-app), one per persona with a login, and the outbox as the scan fills it.
    for name, persona in w.personas.items():
        if persona.user is None:
            continue
        notice = Notice.objects.create(user=persona.user, reason=Reason.WEEKLY_DIGEST, object_key=f"crawl:{name}",
                                       step="1", title=f"{name} へのお知らせ", body="本文", url="/portal/")
        w.add(f"notice_{name}", notice, name, need_to_know=True)
        w.markers[notice.title] = notice
    from reminders import services as reminder_services

    reminder_services.scan(TODAY)
    from reminders.models import Delivery

    everyone = [n for n in w.personas if n != "anonymous"]
    for delivery in Delivery.objects.all():
        # The outbox is one list for whoever may read it (the city), except the monitoring
        # reminders of cases, which are need-to-know: 404 even to the city.
        if delivery.reason == Reason.MONITORING:
            w.mark(delivery, need_to_know=True)
            w.objects["delivery_monitoring"] = delivery
        else:
            w.mark(delivery, *everyone)
            w.objects.setdefault("delivery", delivery)
    for area in (city_area, area_a1, area_a2, area_b1):
        w.mark(area)
    for period in PlanPeriod.objects.all():
        w.mark(period)
    w.mark(municipality)
    return w
