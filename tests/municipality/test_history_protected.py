"""History is not deleted: what a recorded consent, meeting, notice, certificate or document points
to cannot be deleted, neither in the admin (even by a superuser) nor on the model level."""

import datetime as dt

import pytest
import time_machine
from django.db.models import ProtectedError
from django.urls import reverse

from activities.models import Match
from consultations import services as cases
from consultations.models import Agency, RegionalIssue, SupportPlan
from coordinators import services as coordinators
from councils import services as councils
from councils.models import Invitation, Pledge, PledgeContext
from tests.council_fixtures import people
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    MeetingFactory,
    NeedFactory,
    OrganisationFactory,
    SocialResourceFactory,
    TrainingRecordFactory,
    UserFactory,
    WorkingGroupFactory,
)
from tests.lifecycle import CONTRACT_START

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def history(accepted, city_user, council, body, secretary):
    """One of each kind of record that history points to."""
    certificate = coordinators.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    member = people(1)[0]
    membership = councils.membership_add(council=council, person=member, organisation=body,
                                         start=dt.date(2025, 4, 1), by=secretary)
    meeting = MeetingFactory(council=council, title="第2回", date=dt.date(2026, 12, 1), start_time=dt.time(10),
                             end_time=dt.time(12), place="市役所")
    with time_machine.travel(dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC), tick=False):
        councils.meeting_invite_members(meeting=meeting, by=secretary)
    group = WorkingGroupFactory(council=council, members=[membership])
    pledge = Pledge.objects.create(person=member, council=council, context=PledgeContext.MEMBER,
                                   signed_on=dt.date(2025, 4, 1))
    worker = UserFactory(username="worker", roles=["相談支援員"])
    agency = AgencyFactory(organisation=OrganisationFactory(name="地域包括支援センター"))
    case = cases.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"], person_name="x",
                           presenting_problems="x", by=worker, household=[{"name": "y", "relation": "妻"}])
    cases.consent_record(case=case, agencies=[agency], given_on=dt.date(2026, 5, 2), method="written", by=worker)
    plan = cases.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1),
                            by=worker, roles=[(agency, "役割")])
    support_meeting = cases.support_meeting_record(
        held_on=dt.date(2026, 5, 20), cases=[case], shared="s", policy="p", by=worker,
        attendees=[{"name": "民生委員", "organisation": "民児協", "confidentiality_acknowledged": True}])
    issue = cases.regional_issue_raise(title="坂の上で買い物に行けない", description="d", by=worker)
    coordinator = accepted.coordinator
    training = TrainingRecordFactory(coordinator=coordinator)
    area = accepted.areas.first()
    resource = SocialResourceFactory(name="サロン", area=area, offers="x")
    need = NeedFactory(title="買い物", area=area, raised_by="民生委員", raised_on=dt.date(2026, 5, 1),
                       recorded_by=coordinator)
    match = Match.objects.create(need=need, resource=resource, coordinator=coordinator, matched_on=dt.date(2026, 5, 2))
    return {
        "certificate": certificate, "document": certificate.document, "notice": accepted.notice,
        "appointment": accepted, "coordinator": coordinator, "contract": accepted.contract,
        "organisation": accepted.contract.organisation, "user": city_user, "council": council, "meeting": meeting,
        "invitation": meeting.invitations.first(), "membership": membership, "person": member, "pledge": pledge,
        "working_group": group, "agency": agency, "regional_issue": issue, "area": area,
        "course": training.course, "training": training, "resource": resource, "need": need, "match": match,
        "case": case, "plan": plan, "support_meeting": support_meeting,
    }


ADMIN_PAGES = ["certificate", "document", "notice", "appointment", "coordinator", "contract", "organisation", "user",
               "council", "meeting", "membership", "person", "pledge", "working_group", "agency", "regional_issue",
               "area", "course", "training", "resource", "need", "match"]


@pytest.mark.parametrize("key", ADMIN_PAGES)
def test_a_superuser_cannot_delete_history_in_the_admin(client, superuser, history, key):
    obj = history[key]
    opts = obj._meta
    client.force_login(superuser)
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert client.get(delete_url).status_code in (403, 404)
    assert client.post(delete_url, {"post": "yes"}).status_code in (403, 404)
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert 'value="delete_selected"' not in page.content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_the_meeting_page_cannot_delete_invitations(client, superuser, history):
    client.force_login(superuser)
    meeting = history["meeting"]
    page = client.get(reverse("admin:councils_meeting_change", args=[meeting.pk])).content.decode()
    assert "invitations-0-DELETE" not in page
    assert Invitation.objects.filter(meeting=meeting).count() == 1


@pytest.mark.parametrize(("key", "why"), [
    ("agency", "named by a recorded consent (many-to-many through a PROTECT row)"),
    ("meeting", "its invitations"),
    ("case", "its household, consents and plans"),
    ("plan", "the agencies' roles"),
    ("support_meeting", "its attendees"),
    ("document", "the certificate issued with it"),
    ("user", "what they accepted or issued"),
    ("organisation", "its contract and agency"),
    ("coordinator", "their appointment and certificate"),
    ("council", "its meetings and members"),
    ("agenda_item", "the regional issue taken to it"),
])
def test_a_referenced_record_cannot_be_deleted_on_the_model_level(history, key, why):
    if key == "agenda_item":
        obj = AgendaItemFactory(meeting=history["meeting"])
        history["regional_issue"].agenda_item = obj
        history["regional_issue"].save()
    else:
        obj = history[key]
    with pytest.raises(ProtectedError):
        obj.delete()
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_an_agency_stays_in_the_consent_it_was_named_in(history):
    agency, case = history["agency"], history["case"]
    with pytest.raises(ProtectedError):
        Agency.objects.filter(pk=agency.pk).delete()
    assert list(case.consents.get().agencies.all()) == [agency]
    # The plan's roles are its 支援内容 (SupportItem) since the sheets.
    assert SupportPlan.objects.get(pk=history["plan"].pk).items.get().agency == agency


def test_a_coordinators_user_cannot_be_deleted(history):
    coordinator = history["coordinator"]
    coordinator.user = UserFactory(username="coord_login", roles=["コーディネーター"])
    coordinator.save()
    with pytest.raises(ProtectedError):
        coordinator.user.delete()


def test_the_regional_issue_keeps_its_title_on_the_agenda_form(client, superuser, history):
    item = AgendaItemFactory(meeting=history["meeting"], title="買い物の足")
    issue = history["regional_issue"]
    client.force_login(superuser)
    page = client.get(reverse("admin:consultations_regionalissue_change", args=[issue.pk])).content.decode()
    assert f"{history['meeting']}：買い物の足" in page  # the agenda item is chosen by its meeting and title
    issue.agenda_item = item
    issue.save()
    page = client.get(reverse("admin:councils_meeting_change", args=[history["meeting"].pk])).content.decode()
    assert "坂の上で買い物に行けない" in page
    assert RegionalIssue.objects.count() == 1
