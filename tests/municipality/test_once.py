"""Each sending of a create form counts once: a double click, a form sent again, or two identical
requests at the same moment create one row (municipality/once.py)."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from activities.models import Activity, ActivityCategory, Function, Match, Need, SocialResource
from consultations import services as cases
from consultations.models import (
    Assessment,
    Case,
    CaseConference,
    CaseUrgency,
    Consent,
    EvacuationExport,
    EvacuationListing,
    Evaluation,
    OutputApproval,
    Referral,
    RegionalIssue,
    SupportMeeting,
    SupportPlan,
    TimelineEntry,
)
from coordinators.models import AppointmentNotice, DismissalNotice
from councils.models import Body, BodyKind, CommunityIssue, Invitation, Meeting, Membership, Paper
from municipality.models import Area, FormSubmission, Organisation, User
from municipality.once import ALREADY_DONE, RELOAD, TOKEN_FIELD, parse_token
from municipality.services import form_submissions_prune
from tests.activities.conftest import appoint
from tests.factories import (
    ActivityCategoryFactory,
    AgencyFactory,
    AreaFactory,
    CouncilFactory,
    MeetingFactory,
    NeedFactory,
    OrganisationFactory,
    SocialResourceFactory,
    UserFactory,
)
from tests.lifecycle import photo_upload

# --- The world every create form needs -----------------------------------------------------


def build_world(*, contract_a, contractor_a, city_user, areas, periods) -> dict[str, Any]:
    for function in (Function.A, Function.C):
        ActivityCategoryFactory(function=function)
    coordinator = appoint(contract_a, contractor_a, city_user, username="coord_a", name="松本 さくら", areas=[areas[0]])
    agency = AgencyFactory()
    worker = UserFactory(username="worker", roles=["相談支援員"])
    colleague = UserFactory(username="colleague", roles=["相談支援員"])
    case = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                           person_name="山田 花子", presenting_problems="介護の相談", by=worker, agencies=[agency])
    planned = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                              person_name="佐藤 一郎", presenting_problems="家計の相談", by=worker)
    cases.consent_record(case=planned, agencies=[agency], given_on=dt.date(2026, 5, 2), method="written", by=worker)
    cases.plan_draft(case=planned, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 8, 1), roles=[],
                     by=worker)
    evaluated = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                                person_name="高橋 二郎", presenting_problems="就労の相談", by=worker)
    cases.consent_record(case=evaluated, agencies=[agency], given_on=dt.date(2026, 5, 2), method="written", by=worker)
    active = cases.plan_draft(case=evaluated, goals="g", policy="p", monitoring_on=dt.date(2026, 8, 1), by=worker)
    cases.conference_hold(case=evaluated, timing="creation", held_on=dt.date(2026, 5, 3), plan=active,
                          attendees=[worker], by=worker)
    # The team lead of the worker's team, and case's person agreed to the 避難行動要支援者 listing for
    # 民生委員 (the export form needs someone to list).
    team = OrganisationFactory(name="汐見市生活支援相談センター")
    User.objects.filter(pk=worker.pk).update(organisation=team)
    worker.refresh_from_db()
    lead = UserFactory(username="lead", roles=["相談支援員", "相談支援管理者"], organisation=team)
    listed = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                             person_name="避難 花子", presenting_problems="独居", by=worker)
    cases.evacuation_listing_record(case=listed, agreed_on=dt.date(2026, 5, 2), method="written", reason="要介護3",
                                    recipients=["commissioner"], by=worker)
    secretary = UserFactory(username="secretary", roles=["協議体事務局"], is_staff=True)
    council = CouncilFactory(layer=1, area=AreaFactory(code="C1", layer=1, parent=None), secretariat=[secretary])
    meeting = MeetingFactory(council=council, date=dt.date(2099, 1, 1))
    need = NeedFactory(area=areas[0], recorded_by=coordinator)
    resource = SocialResourceFactory(area=areas[0])
    # Bodies other than councils (issue 17): a 定例会 and a 地域ケア会議 with a 地域課題 of the coordinator's area.
    regular_secretary = UserFactory(username="teireikai", roles=["協議体事務局"], is_staff=True)
    regular_body = Body.objects.create(kind=BodyKind.COORDINATORS, name="推進員定例会", organiser=OrganisationFactory())
    regular_body.secretariat.add(regular_secretary)
    care_secretary = UserFactory(username="houkatsu", roles=["協議体事務局"], is_staff=True)
    care_body = Body.objects.create(kind=BodyKind.CARE_CONFERENCE, name="地域ケア会議", organiser=OrganisationFactory())
    care_body.secretariat.add(care_secretary)
    care_meeting = MeetingFactory(council=None, body=care_body, date=dt.date(2099, 1, 1))
    issue = CommunityIssue.objects.create(meeting=care_meeting, title="買い物の足がない", description="坂の上の地区",
                                          area=areas[0])
    return {"regular_secretary": regular_secretary, "regular_body": regular_body, "care_secretary": care_secretary,
            "care_meeting": care_meeting, "issue": issue,
            "coordinator": coordinator, "agency": agency, "worker": worker, "lead": lead, "colleague": colleague, "case": case,
            "planned": planned, "evaluated": evaluated, "secretary": secretary, "council": council, "meeting": meeting, "need": need,
            "resource": resource, "contractor": contractor_a, "city_user": city_user, "areas": areas,
            "body": OrganisationFactory()}


@pytest.fixture
def world(contract_a, contractor_a, city_user, areas, periods):
    return build_world(contract_a=contract_a, contractor_a=contractor_a, city_user=city_user, areas=areas,
                       periods=periods)


def _today() -> str:
    return timezone.localdate().isoformat()


@dataclass(frozen=True)
class CreateForm:
    url_name: str
    user: Callable[[dict], Any]
    args: Callable[[dict], list]
    data: Callable[[dict], dict]
    created: Callable[[], int]  # rows of what the form creates
    query: str = ""  # a form reached through a first step (the meeting's timing) opens with its choice


# Every create form of the portal. A new create view belongs here (see the test of the URLconf below).
CREATE_FORMS = [
    CreateForm("cases:intake", lambda w: w["worker"], lambda w: [], lambda w: {
        "received_on": _today(), "route": "phone", "domains": ["elderly"], "person_name": "鈴木 一郎",
        "presenting_problems": "生活の相談"}, lambda: Case.objects.count()),
    CreateForm("cases:consent", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "agencies": [w["agency"].pk], "given_on": _today(), "method": "written"}, lambda: Consent.objects.count()),
    CreateForm("cases:plan", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "goals": "自立した生活", "policy": "見守り", "contents": "週1回の訪問", "monitoring_on": "2027-01-31"},
        lambda: SupportPlan.objects.count()),
    CreateForm("cases:conference", lambda w: w["worker"], lambda w: [w["planned"].pk], lambda w: {
        "timing": "creation", "held_on": _today()}, lambda: CaseConference.objects.count(), query="?timing=creation"),
    CreateForm("cases:evaluation", lambda w: w["worker"], lambda w: [w["evaluated"].pk], lambda w: {
        "degree_long": "partly", "evaluated_on": _today(), "overall": "申請は済んだ", "decision": "change"},
        lambda: Evaluation.objects.count()),
    CreateForm("cases:assessment", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "situation": "独居", "issues": "介護と家計"}, lambda: Assessment.objects.count()),
    CreateForm("cases:staff", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "worker": w["colleague"].pk}, lambda: Case.assigned_staff.through.objects.count()),
    CreateForm("cases:support_meeting", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "held_on": _today(), "attendees": "民生委員 A／民児協", "confidentiality": "on", "shared": "見守りの状況",
        "policy": "週1回訪問"}, lambda: SupportMeeting.objects.count()),
    CreateForm("cases:regional_issue", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "title": "坂の上の地区で買い物に行けない", "description": "複数の事例で見られた"},
        lambda: RegionalIssue.objects.count()),
    CreateForm("cases:timeline_add", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "contact_on": _today(), "contact_time": "00:00", "method": "phone", "with_whom": "本人",
        "content": "電話で近況を聞いた"}, lambda: TimelineEntry.objects.count()),
    CreateForm("cases:urgent", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "reason": "長男から暴力の訴え"}, lambda: CaseUrgency.objects.count()),
    CreateForm("cases:referral", lambda w: w["worker"], lambda w: [w["planned"].pk], lambda w: {
        "agency": w["agency"].pk, "purpose": "家計相談をお願いします", "items": ["name_age", "problems"],
        "basis": "consent"}, lambda: Referral.objects.count()),
    CreateForm("cases:approval_request", lambda w: w["worker"], lambda w: [w["planned"].pk, "intake"], lambda w: {
        "items": ["Case.presenting_problems"], "recipient": "引継ぎ先の相談員", "purpose": "支援の引継ぎ",
        "basis": "consent", "consent": w["planned"].consents.get().pk, "agency": w["agency"].pk},
        lambda: OutputApproval.objects.count()),
    CreateForm("activities:create", lambda w: w["coordinator"].user, lambda w: [], lambda w: {
        "date": _today(), "minutes": 60, "area": w["areas"][0].pk,
        "category": ActivityCategory.objects.get(function=Function.C).pk, "narrative": "サロンの立上げ相談"},
        lambda: Activity.objects.count()),
    CreateForm("activities:resource_create", lambda w: w["coordinator"].user, lambda w: [], lambda w: {
        "name": "ひだまりサロン", "provider_kind": "npo", "area": w["areas"][0].pk, "offers": "居場所",
        "contact": "", "status": "active"}, lambda: SocialResource.objects.count()),
    CreateForm("activities:need_create", lambda w: w["coordinator"].user, lambda w: [], lambda w: {
        "title": "ごみ出しが難しい", "area": w["areas"][0].pk, "raised_by": "自治会", "raised_on": _today(),
        "status": "open"}, lambda: Need.objects.count()),
    CreateForm("activities:match_create", lambda w: w["coordinator"].user, lambda w: [w["need"].pk], lambda w: {
        "resource": w["resource"].pk, "matched_on": _today(), "outcome": "arranging"},
        lambda: Match.objects.count()),
    CreateForm("coordinators:appoint", lambda w: w["contractor"], lambda w: [], lambda w: {
        "contract": w["coordinator"].appointments.get().contract_id, "areas": [w["areas"][1].pk],
        "name": "新井 花子", "name_kana": "あらい はなこ", "birth_date": "1985-05-05", "job_title": "主任",
        "appointed_on": "2026-04-01", "reason": "前任者の退職に伴い選任したため。", "photo": photo_upload()},
        lambda: AppointmentNotice.objects.count()),
    CreateForm("cases:evacuation", lambda w: w["worker"], lambda w: [w["case"].pk], lambda w: {
        "agreed_on": _today(), "method": "written", "reason": "要介護3で一人での避難が難しい",
        "recipients": ["commissioner"]}, lambda: EvacuationListing.objects.count()),
    CreateForm("cases:evacuation_exports", lambda w: w["lead"], lambda w: [], lambda w: {"recipient": "commissioner"},
               lambda: EvacuationExport.objects.count()),
    CreateForm("coordinators:dismiss", lambda w: w["contractor"], lambda w: [w["coordinator"].pk], lambda w: {
        "dismissed_on": _today(), "reason": "退職のため", "certificate_returned": "on"},
        lambda: DismissalNotice.objects.count()),
    CreateForm("councils:member_add", lambda w: w["secretary"], lambda w: [w["council"].pk], lambda w: {
        "name": "山本 清", "organisation": w["body"].pk, "start": "2025-04-01"}, lambda: Membership.objects.count()),
    CreateForm("councils:guest_invite", lambda w: w["secretary"], lambda w: [w["meeting"].pk], lambda w: {
        "name": "地域包括支援センター 職員"}, lambda: Invitation.objects.count()),
    CreateForm("councils:meeting_create", lambda w: w["secretary"], lambda w: [w["council"].pk], lambda w: {
        "title": "第2回 協議体", "date": "2099-02-10", "start_time": "10:00", "end_time": "11:30", "place": "公民館",
        "is_public": "on", "public_seats": 3, "agenda_1": "見守り活動の情報共有", "topic_1": "5"},
        lambda: Meeting.objects.count()),
    CreateForm("councils:paper_add", lambda w: w["secretary"], lambda w: [w["meeting"].pk], lambda w: {
        "title": "資料1 活動報告", "file": SimpleUploadedFile("活動報告.pdf", b"%PDF-1.4\nstartxref\n0\n%%EOF\n")},
        lambda: Paper.objects.count()),
    CreateForm("councils:body_meeting_create", lambda w: w["regular_secretary"], lambda w: [w["regular_body"].pk],
               lambda w: {"title": "第9回 推進員定例会", "date": "2099-02-10", "start_time": "10:00", "end_time": "11:30",
                          "place": "市役所", "is_public": "on", "agenda_1": "各地区の活動報告", "topic_1": "1"},
               lambda: Meeting.objects.count()),
    CreateForm("councils:issue_raise", lambda w: w["care_secretary"], lambda w: [w["care_meeting"].pk], lambda w: {
        "title": "通いの場が足りない", "description": "坂の多い地区で集まる場所がない", "area": w["areas"][0].pk,
        "council": w["council"].pk}, lambda: CommunityIssue.objects.count()),
    CreateForm("portal:issue", lambda w: w["coordinator"].user, lambda w: [w["issue"].pk], lambda w: {
        "need": "1", "area": w["areas"][0].pk}, lambda: Need.objects.count()),
]
IDS = [form.url_name for form in CREATE_FORMS]


def _rendered_token(client: Client, url: str) -> str:
    """The token of the form as the browser gets it."""
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["form"]
    token = form[TOKEN_FIELD].value()
    assert f'name="{TOKEN_FIELD}"' in response.content.decode(), f"{url}: the page does not render the token"
    return str(token)


@pytest.mark.django_db
@pytest.mark.parametrize("form", CREATE_FORMS, ids=IDS)
def test_a_form_sent_twice_creates_one_row(client, world, form):
    client.force_login(form.user(world))
    url = reverse(form.url_name, args=form.args(world)) + form.query
    token = _rendered_token(client, url)
    before = form.created()
    first = client.post(url, {**form.data(world), TOKEN_FIELD: token})
    assert first.status_code == 302, first.content.decode()[:3000]
    assert form.created() == before + 1
    second = client.post(url, {**form.data(world), TOKEN_FIELD: token}, follow=True)
    assert second.status_code == 200
    assert second.redirect_chain[0][0] == first["Location"]  # answered like the first
    assert ALREADY_DONE in second.content.decode()
    assert form.created() == before + 1
    # A form rendered anew is a new sending.
    assert _rendered_token(client, url) != token


@pytest.mark.django_db
@pytest.mark.parametrize("form", CREATE_FORMS, ids=IDS)
def test_a_form_without_its_token_is_refused_and_keeps_what_was_typed(client, world, form):
    client.force_login(form.user(world))
    url = reverse(form.url_name, args=form.args(world)) + form.query
    before = form.created()
    for token in (None, "forged"):
        data = form.data(world)
        if token:
            data[TOKEN_FIELD] = token
        response = client.post(url, data)
        assert response.status_code == 200
        assert RELOAD in response.content.decode()
        assert f'name="{TOKEN_FIELD}"' in response.content.decode()
    assert form.created() == before


@pytest.mark.django_db
def test_a_form_refused_for_its_token_comes_back_with_a_fresh_one_that_goes_through(client, world):
    client.force_login(world["worker"])
    url = reverse("cases:regional_issue", args=[world["case"].pk])
    data = {"title": "坂の上の買い物", "description": "x"}
    for sent in ("", "forged"):
        page = client.post(url, {**data, TOKEN_FIELD: sent}).content.decode()
        assert RELOAD in page
        fresh = re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', page)
        assert fresh and parse_token(fresh.group(1)) is not None
    assert client.post(url, {**data, TOKEN_FIELD: fresh.group(1)}).status_code == 302
    assert RegionalIssue.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_form_keeps_its_token_for_the_corrected_sending(client, world):
    client.force_login(world["worker"])
    url = reverse("cases:regional_issue", args=[world["case"].pk])
    token = _rendered_token(client, url)
    response = client.post(url, {"title": "山田 花子さんの買い物", "description": "x", TOKEN_FIELD: token})
    assert "個人が特定できる情報" in response.content.decode()
    assert f'value="{token}"' in response.content.decode()
    assert not FormSubmission.objects.exists()
    assert client.post(url, {"title": "坂の上の買い物", "description": "x", TOKEN_FIELD: token}).status_code == 302
    assert RegionalIssue.objects.count() == 1


@pytest.mark.django_db
def test_a_token_of_someone_else_creates_nothing(client, world):
    url = reverse("cases:intake")
    data = CREATE_FORMS[0].data(world)
    client.force_login(world["worker"])
    token = _rendered_token(client, url)
    client.post(url, {**data, TOKEN_FIELD: token})
    client.force_login(world["colleague"])
    response = client.post(url, {**data, TOKEN_FIELD: token}, follow=True)
    assert RELOAD in response.content.decode()
    assert Case.objects.filter(person_name=data["person_name"]).count() == 1


# --- Admin add forms -------------------------------------------------------------------------

def area_data() -> dict:
    return {"code": "X9", "name": "新しい地区", "layer": 1, "boundary_basis": "", "support_center": "",
            "sort_order": 0, "is_active": "on"}


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "data", "count"), [
    ("admin:municipality_area_add", area_data, lambda: Area.objects.filter(code="X9").count()),
    ("admin:municipality_organisation_add", lambda: {"name": "新しい団体", "legal_form": "特定非営利活動法人"},
     lambda: Organisation.objects.filter(name="新しい団体").count()),
    # Django's user add form has a template of its own (auth/user/add_form.html).
    ("admin:municipality_user_add", lambda: {
        "username": "new_staff", "name": "新任 職員", "email": "new@example.jp", "usable_password": "true",
        "password1": "aoi-umi-shiroi-nami-7", "password2": "aoi-umi-shiroi-nami-7"},
     lambda: User.objects.filter(username="new_staff").count()),
])
def test_an_admin_add_form_sent_twice_creates_one_row(client, city_staff, url_name, data, count):
    client.force_login(city_staff)
    url = reverse(url_name)
    response = client.get(url)
    token = str(response.context["adminform"].form[TOKEN_FIELD].value())
    assert f'name="{TOKEN_FIELD}"' in response.content.decode()
    first = client.post(url, {**data(), TOKEN_FIELD: token})
    assert first.status_code == 302, first.content.decode()[:3000]
    second = client.post(url, {**data(), TOKEN_FIELD: token}, follow=True)
    assert ALREADY_DONE in second.content.decode()
    assert count() == 1
    without = client.post(url, data())
    assert without.status_code == 200
    assert RELOAD in without.content.decode()
    assert count() == 1


@pytest.mark.django_db
def test_an_admin_add_form_in_a_popup_keeps_its_claim(client, city_staff):
    """The "+" beside a select opens the add form as a pop-up, whose success is a page, not a redirect."""
    client.force_login(city_staff)
    url = reverse("admin:municipality_area_add") + "?_popup=1&_to_field=id"
    token = str(client.get(url).context["adminform"].form[TOKEN_FIELD].value())
    first = client.post(url, {**area_data(), "_popup": "1", "_to_field": "id", TOKEN_FIELD: token})
    assert first.status_code == 200 and "popup_response" in str(first.template_name)
    assert FormSubmission.objects.filter(token=token).exclude(result_url="").exists()
    second = client.post(url, {**area_data(), "_popup": "1", "_to_field": "id", TOKEN_FIELD: token}, follow=True)
    assert ALREADY_DONE in second.content.decode()
    assert Area.objects.filter(code="X9").count() == 1


def test_every_registered_admin_saves_its_add_form_once():
    from municipality.once import OnceAdminMixin

    missing = [str(model) for model, model_admin in admin.site._registry.items()
               if not isinstance(model_admin, OnceAdminMixin)]
    assert not missing


# --- No create view without the mixin ------------------------------------------------------

# Views that take a POST but create nothing a second sending could duplicate: each says why.
POST_WITHOUT_CREATE = {
    "portal:invite_coordinators": "invites only those not yet invited: a second sending adds no one (test_bodies)",
    "activities:edit": "changes or deletes one activity; a second sending changes nothing more",
    "activities:resource_edit": "same view as resource_create (protected); editing is idempotent",
    "activities:need_edit": "same view as need_create (protected); editing is idempotent",
    "activities:field_send": "the phone's key per entry, unique in the database, is its one-time token "
                             "(tests/activities/test_field.py: resends and four requests at once)",
    "activities:report": "submit/confirm/accept/return: the service refuses a step from the wrong state",
    "cases:consent_withdraw": "the service refuses a consent already withdrawn",
    "cases:evacuation_withdraw": "the service refuses an agreement already withdrawn",
    "cases:referral_accept": "the service refuses a sheet already accepted or returned (one answer only)",
    "cases:approval_decide": "the service refuses a request already granted or refused (one decision only)",
    "cases:approval_use": "a conditional UPDATE spends the approval once; a second sending is refused "
                          "(tests/consultations/test_masking.py)",
    "councils:meeting": "mail goes through the outbox keyed by invitation; attendance and minutes are set, not added",
    "meetings:rsvp": "an answer is set on the invitation, not added",
    "councils:paper_remove": "the service refuses a paper already removed, withdrawn or replaced (one removal only)",
    "meetings:minutes_confirm": "an answer is set on the attendee's confirmation of the round, not added",
    "reminders:read": "marks read", "reminders:read_all": "marks read",
    "login": "Django's", "logout": "Django's", "password_change": "Django's", "password_reset": "Django's (outbox)",
    "password_reset_confirm": "Django's",
}


# Protected by @submit_once, but the double sending of these is not yet tried here (each needs more
# of a world: a sheet received, a duplicate for a lead, an entry of today, a team): issue 13's note.
PROTECTED_NOT_YET_TESTED = {
    "cases:participation", "cases:referral_return", "cases:duplicate_decide", "cases:area_conference_create",
    "cases:area_conference_regional_issue", "cases:timeline_correct", "cases:timeline_edit", "cases:urgent_clear",
    # Tried in tests/councils/test_minutes.py (test_a_double_click_sends_for_confirmation_once), which
    # needs a held meeting with attendance.
    "councils:minutes_step",
}


def _patterns(resolvers, namespace=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or entry.pattern}", entry.callback


def _takes_post(view) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        from django.views.generic import RedirectView

        return hasattr(view_class, "post") and not issubclass(view_class, RedirectView)
    try:
        return "POST" in inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return False


def test_every_view_that_takes_a_post_is_protected_or_says_why_not():
    protected = {name for name, view in _patterns(get_resolver().url_patterns) if getattr(view, "submits_once", False)}
    assert set(IDS) <= protected, set(IDS) - protected
    unexplained = [name for name, view in _patterns(get_resolver().url_patterns)
                   if _takes_post(view) and name not in protected and name not in POST_WITHOUT_CREATE]
    assert not unexplained, f"a view takes a POST without @submit_once: {unexplained}"
    assert protected <= set(IDS) | {"activities:resource_edit", "activities:need_edit"} | set(PROTECTED_NOT_YET_TESTED), \
        "add it to CREATE_FORMS"


# --- Old tokens ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_old_tokens_are_forgotten(world):
    FormSubmission.objects.create(token=uuid.uuid4(), form="x", user=world["worker"])
    old = FormSubmission.objects.create(token=uuid.uuid4(), form="x", user=world["worker"])
    FormSubmission.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert form_submissions_prune() == 1
    assert FormSubmission.objects.count() == 1


@pytest.mark.django_db
def test_the_heartbeat_job_forgets_old_tokens(world):
    from municipality.tasks import record_worker_heartbeat

    old = FormSubmission.objects.create(token=uuid.uuid4(), form="x", user=world["worker"])
    FormSubmission.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    record_worker_heartbeat.apply()
    assert not FormSubmission.objects.exists()


@pytest.mark.django_db
def test_tokens_are_not_in_the_audit_log(client, world):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    client.force_login(world["worker"])
    url = reverse("cases:assessment", args=[world["case"].pk])
    client.post(url, {"situation": "独居", "issues": "家計", TOKEN_FIELD: _rendered_token(client, url)})
    assert FormSubmission.objects.count() == 1
    assert not LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(FormSubmission)).exists()


# --- Two identical requests at the same moment (PostgreSQL) ------------------------------------

def _send_together(user, url: str, data: Callable[[], dict], n: int = 2) -> list[int]:
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            client = Client(raise_request_exception=True)
            client.force_login(user)
            payload = data()
            barrier.wait(timeout=10)
            statuses.append(client.post(url, payload).status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("form", CREATE_FORMS, ids=IDS)
def test_two_identical_requests_at_the_same_moment_create_one_row(world, form):
    url = reverse(form.url_name, args=form.args(world)) + form.query
    before = form.created()
    token = str(uuid.uuid4())
    statuses = _send_together(form.user(world), url, lambda: {**form.data(world), TOKEN_FIELD: token})
    assert statuses == [302, 302]
    assert form.created() == before + 1
    assert FormSubmission.objects.filter(token=token).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_admin_add_form_sent_twice_at_the_same_moment_creates_one_row(city_staff):
    token = str(uuid.uuid4())
    statuses = _send_together(city_staff, reverse("admin:municipality_area_add"),
                              lambda: {**area_data(), TOKEN_FIELD: token})
    assert statuses == [302, 302]
    assert Area.objects.filter(code="X9").count() == 1
