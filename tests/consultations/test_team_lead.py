"""Issue 13 items 9, 6 and 8: the team lead (相談支援管理者), urgent cases, duplicates at intake."""

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import override_settings
from django.urls import reverse

from consultations import services
from consultations.access import cases_visible_to
from consultations.models import Case, CaseUrgency, DuplicateDecision, PossibleDuplicate
from municipality.errors import DomainError
from municipality.models import Organisation
from reminders import services as reminder_services
from reminders.models import Delivery, Notice, Reason
from reminders.registry import registry
from tests.factories import UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 6, 1, 1, tzinfo=dt.UTC)  # 10:00 in Tokyo


@pytest.fixture
def teams(db):
    home = Organisation.objects.create(name="汐見市生活支援相談センター")
    other = Organisation.objects.create(name="汐見南地域包括支援センター")
    worker = UserFactory(username="worker_home", name="本田 担当", roles=["相談支援員"], organisation=home)
    colleague = UserFactory(username="colleague", name="同僚 一郎", roles=["相談支援員"], organisation=home)
    lead = UserFactory(username="lead_home", name="管理 花子", roles=["相談支援員", "相談支援管理者"], organisation=home)
    other_worker = UserFactory(username="worker_other", name="既存 担当者", roles=["相談支援員"], organisation=other)
    other_lead = UserFactory(username="lead_other", name="南 管理者", roles=["相談支援員", "相談支援管理者"],
                             organisation=other)
    case = services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                              person_name="架空 一子", presenting_problems="介護の相談", by=worker)
    other_case = services.case_open(received_on=dt.date(2026, 4, 3), route="phone", domains=["poverty"],
                                    person_name="山田 花子", person_kana="やまだ はなこ",
                                    person_birth_date=dt.date(1950, 3, 3), presenting_problems="家計の相談",
                                    by=other_worker)
    return {"home": home, "other": other, "worker": worker, "colleague": colleague, "lead": lead,
            "other_worker": other_worker, "other_lead": other_lead, "case": case, "other_case": other_case}


def _visible(user, case) -> bool:
    return cases_visible_to(user, Case.objects.all()).filter(pk=case.pk).exists()


# --- The team lead -----------------------------------------------------------------------------

def test_lead_sees_the_teams_cases_and_not_another_organisations(teams):
    assert _visible(teams["lead"], teams["case"])
    assert not _visible(teams["lead"], teams["other_case"])
    assert _visible(teams["other_lead"], teams["other_case"])
    # A colleague without the lead role sees only what they are assigned to.
    assert not _visible(teams["colleague"], teams["case"])


def test_lead_role_without_the_case_worker_role_opens_nothing(teams):
    bare = UserFactory(username="bare_lead", roles=["相談支援管理者"], organisation=teams["home"])
    assert not _visible(bare, teams["case"])


def test_the_leads_view_of_a_case_is_logged(client, teams):
    client.force_login(teams["lead"])
    assert client.get(reverse("cases:detail", args=[teams["case"].pk])).status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=teams["lead"],
                                   object_pk=str(teams["case"].pk)).exists()
    assert client.get(reverse("cases:detail", args=[teams["other_case"].pk])).status_code == 404


def test_lead_assigns_a_worker_of_the_same_organisation(teams):
    services.staff_assign(case=teams["case"], worker=teams["colleague"], by=teams["lead"])
    assert teams["case"].assigned_staff.filter(pk=teams["colleague"].pk).exists()


def test_lead_assigning_a_worker_of_another_organisation_is_refused(teams):
    with pytest.raises(DomainError, match="同じ団体の相談支援員だけ"):
        services.staff_assign(case=teams["case"], worker=teams["other_worker"], by=teams["lead"])
    assert not teams["case"].assigned_staff.filter(pk=teams["other_worker"].pk).exists()


def test_another_teams_lead_cannot_assign(teams):
    with pytest.raises(DomainError):
        services.staff_assign(case=teams["case"], worker=teams["other_worker"], by=teams["other_lead"])


def test_lead_assigns_through_the_page(client, teams):
    client.force_login(teams["lead"])
    url = reverse("cases:staff", args=[teams["case"].pk])
    page = client.get(url).content.decode()
    assert "同僚 一郎" in page and "既存 担当者" not in page  # only the lead's organisation is offered
    client.post(url, {"worker": teams["other_worker"].pk, **once()})
    assert not teams["case"].assigned_staff.filter(pk=teams["other_worker"].pk).exists()
    response = client.post(url, {"worker": teams["colleague"].pk, **once()})
    assert response.status_code == 302
    assert teams["case"].assigned_staff.filter(pk=teams["colleague"].pk).exists()
    client.force_login(teams["colleague"])  # now assigned: the lead has the colleague on the case
    assert client.get(reverse("cases:detail", args=[teams["case"].pk])).status_code == 200


# --- Urgency -------------------------------------------------------------------------------------

@time_machine.travel(DAY, tick=False)
@override_settings(CASE_URGENT_MEETING_DAYS=5)
def test_urgent_case_tells_the_team_lead_at_once_with_the_meeting_date(teams):
    urgency = services.urgency_mark(case=teams["case"], reason="本人と連絡が取れない", by=teams["worker"])
    assert urgency.meeting_due_on == dt.date(2026, 6, 6)
    notice = Notice.objects.get(user=teams["lead"], reason=Reason.CASE_URGENT)
    assert teams["case"].number in notice.title
    assert "架空" not in notice.title + notice.body  # no personal data in notices
    assert "令和8年6月6日" in notice.body
    assert not Notice.objects.filter(user=teams["other_lead"], reason=Reason.CASE_URGENT).exists()


def test_only_assigned_staff_mark_urgent_once(teams):
    with pytest.raises(DomainError, match="担当者だけ"):
        services.urgency_mark(case=teams["case"], reason="理由", by=teams["lead"])
    services.urgency_mark(case=teams["case"], reason="理由", by=teams["worker"])
    with pytest.raises(DomainError, match="すでに緊急"):
        services.urgency_mark(case=teams["case"], reason="別の理由", by=teams["worker"])


def test_clearing_needs_a_note_and_keeps_the_history(client, teams):
    services.urgency_mark(case=teams["case"], reason="本人と連絡が取れない", by=teams["worker"])
    with pytest.raises(DomainError, match="解除の理由"):
        services.urgency_clear(case=teams["case"], note=" ", by=teams["worker"])
    services.urgency_clear(case=teams["case"], note="本人と会えた", by=teams["worker"])
    services.urgency_mark(case=teams["case"], reason="再び連絡が途絶えた", by=teams["worker"])
    assert CaseUrgency.objects.filter(case=teams["case"]).count() == 2
    client.force_login(teams["worker"])
    page = client.get(reverse("cases:detail", args=[teams["case"].pk])).content.decode()
    assert "本人と会えた" in page and "再び連絡が途絶えた" in page and "支援会議の開催期限" in page


def test_urgency_through_the_pages(client, teams):
    client.force_login(teams["worker"])
    response = client.post(reverse("cases:urgent", args=[teams["case"].pk]), {"reason": "", **once()})
    assert response.status_code == 200 and not CaseUrgency.objects.exists()
    client.post(reverse("cases:urgent", args=[teams["case"].pk]), {"reason": "ライフラインが止まった", **once()})
    assert CaseUrgency.objects.filter(case=teams["case"], cleared_at=None).exists()
    client.post(reverse("cases:urgent_clear", args=[teams["case"].pk]), {"note": "支援会議で対応を決めた", **once()})
    assert not CaseUrgency.objects.filter(case=teams["case"], cleared_at=None).exists()
    client.force_login(teams["lead"])  # the lead reads, but marking is for assigned staff
    assert client.get(reverse("cases:urgent", args=[teams["case"].pk])).status_code == 404


def test_urgent_cases_head_the_start_page_and_the_case_list(client, teams):
    services.urgency_mark(case=teams["case"], reason="本人と連絡が取れない", by=teams["worker"])
    calm = services.case_open(received_on=dt.date(2026, 5, 20), route="phone", domains=["elderly"],
                              person_name="架空 二子", presenting_problems="相談", by=teams["worker"])
    client.force_login(teams["worker"])
    home = client.get(reverse("portal:home")).content.decode()
    assert "緊急" in home and teams["case"].number in home
    assert home.index(teams["case"].number) < home.index("相談支援員のメニュー")
    listing = client.get(reverse("cases:list")).content.decode()
    assert listing.index(teams["case"].number) < listing.index(calm.number)
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=teams["worker"],
                                   object_pk=str(teams["case"].pk),
                                   additional_data__purpose="緊急ケースの一覧").exists()
    client.force_login(teams["lead"])  # the lead sees the team's urgent cases first too
    assert teams["case"].number in client.get(reverse("portal:home")).content.decode()
    client.force_login(teams["other_lead"])
    assert teams["case"].number not in client.get(reverse("portal:home")).content.decode()


def _urgent_meeting_notices(user):
    return Notice.objects.filter(user=user, reason=Reason.URGENT_MEETING)


def test_urgent_case_without_a_support_meeting_by_its_date_is_reminded(teams):
    with time_machine.travel(DAY, tick=False):
        urgency = services.urgency_mark(case=teams["case"], reason="連絡が取れない", by=teams["worker"])
    reminder_services.scan(urgency.meeting_due_on)
    assert not _urgent_meeting_notices(teams["worker"]).exists()  # not before the date has passed
    reminder_services.scan(urgency.meeting_due_on + dt.timedelta(days=1))
    for user in (teams["worker"], teams["lead"]):
        notice = _urgent_meeting_notices(user).get()
        assert teams["case"].number in notice.title and "架空" not in notice.body
    assert not _urgent_meeting_notices(teams["other_lead"]).exists()
    delivery = Delivery.objects.get(reason=Reason.URGENT_MEETING, user=teams["worker"])
    still_due = registry().still_due(Reason.URGENT_MEETING)
    assert still_due(delivery, urgency.meeting_due_on + dt.timedelta(days=1))
    services.urgency_clear(case=teams["case"], note="解決した", by=teams["worker"])
    assert not still_due(delivery, urgency.meeting_due_on + dt.timedelta(days=1))


def test_a_support_meeting_after_the_mark_stops_the_reminder(teams):
    with time_machine.travel(DAY, tick=False):
        urgency = services.urgency_mark(case=teams["case"], reason="連絡が取れない", by=teams["worker"])
    services.support_meeting_record(
        held_on=dt.date(2026, 6, 3), cases=[teams["case"]], shared="状況を共有", policy="訪問する", by=teams["worker"],
        attendees=[{"name": "民生委員 A", "organisation": "民児協", "confidentiality_acknowledged": True}])
    reminder_services.scan(urgency.meeting_due_on + dt.timedelta(days=2))
    assert not _urgent_meeting_notices(teams["worker"]).exists()


def test_a_support_meeting_before_the_mark_does_not_count(teams):
    services.support_meeting_record(
        held_on=dt.date(2026, 5, 10), cases=[teams["case"]], shared="状況を共有", policy="訪問する", by=teams["worker"],
        attendees=[{"name": "民生委員 A", "organisation": "民児協", "confidentiality_acknowledged": True}])
    with time_machine.travel(DAY, tick=False):
        urgency = services.urgency_mark(case=teams["case"], reason="連絡が取れない", by=teams["worker"])
    reminder_services.scan(urgency.meeting_due_on + dt.timedelta(days=1))
    assert _urgent_meeting_notices(teams["worker"]).exists()


# --- Duplicates at intake ------------------------------------------------------------------------

INTAKE = {"received_on": "2026-06-10", "route": "counter", "domains": ["poverty"], "presenting_problems": "生活の相談",
          "person_address": "", "person_phone": "", "household": ""}


def _intake(client, **person):
    return client.post(reverse("cases:intake"), {**INTAKE, **person, **once()}, follow=True)


@pytest.mark.parametrize("person", [
    {"person_name": "山田　花子", "person_birth_date": "1950-03-03"},  # a full-width space
    {"person_name": "ﾔﾏﾀﾞ ﾊﾅｺ", "person_birth_date": "1950-03-03"},  # no name match …
    {"person_name": "山田 華子", "person_kana": "ﾔﾏﾀﾞ ﾊﾅｺ", "person_birth_date": "1950-03-03"},  # half-width kana
    {"person_name": "山田 華子", "person_kana": "ヤマダ　ハナコ", "person_birth_date": "1950-03-03"},  # katakana
])
def test_duplicate_found_by_name_or_kana_plus_birth_date(teams, person):
    case = services.case_open(received_on=dt.date(2026, 6, 10), route="counter", domains=["poverty"],
                              presenting_problems="相談", by=teams["worker"], **{
                                  **person, "person_birth_date": dt.date(1950, 3, 3)})
    expected = "person_kana" in person or person["person_name"] == "山田　花子"
    assert PossibleDuplicate.objects.filter(new_case=case, existing_case=teams["other_case"]).exists() is expected


def test_no_duplicate_with_another_birth_date(teams):
    case = services.case_open(received_on=dt.date(2026, 6, 10), route="counter", domains=["poverty"],
                              person_name="山田 花子", person_birth_date=dt.date(1950, 3, 4), presenting_problems="相談",
                              by=teams["worker"])
    assert not PossibleDuplicate.objects.filter(new_case=case).exists()


def test_the_worker_is_told_whom_to_ask_and_nothing_of_the_other_record(client, teams):
    client.force_login(teams["worker"])
    page = _intake(client, person_name="山田　花子", person_kana="", person_birth_date="1950-03-03").content.decode()
    assert "同じ方の記録がすでにある可能性があります" in page
    assert "汐見南地域包括支援センター" in page and "南 管理者" in page
    other = teams["other_case"]
    for secret in (other.number, "家計の相談", "令和8年4月3日", "2026-04-03", "2026/4/3", "既存 担当者", "worker_other"):
        assert secret not in page, secret
    new_case = Case.objects.get(person_name="山田　花子")
    notice = Notice.objects.get(user=teams["lead"], reason=Reason.POSSIBLE_DUPLICATE)
    assert new_case.number in notice.title and "山田" not in notice.title + notice.body
    assert other.number not in notice.title + notice.body


def test_no_message_without_a_match(client, teams):
    client.force_login(teams["worker"])
    page = _intake(client, person_name="別人 太郎", person_kana="", person_birth_date="1950-03-03").content.decode()
    assert "同じ方の記録" not in page


def _pair(teams, existing=None):
    existing = existing or teams["other_case"]
    new = services.case_open(received_on=dt.date(2026, 6, 10), route="counter", domains=["poverty"],
                             person_name=existing.person_name, person_birth_date=existing.person_birth_date or
                             dt.date(1950, 3, 3), presenting_problems="相談", by=teams["worker"])
    return PossibleDuplicate.objects.get(new_case=new, existing_case=existing)


def test_lead_sees_the_pair_but_only_the_organisation_of_another_teams_case(client, teams):
    pair = _pair(teams)
    client.force_login(teams["lead"])
    page = client.get(reverse("cases:duplicates")).content.decode()
    assert pair.new_case.number in page
    assert "汐見南地域包括支援センター" in page
    assert teams["other_case"].number not in page and "家計の相談" not in page
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=teams["lead"],
                                   object_pk=str(pair.new_case.pk)).exists()
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=teams["lead"],
                                       object_pk=str(teams["other_case"].pk)).exists()


def test_lead_sees_both_identities_within_the_team(client, teams):
    services.case_open(received_on=dt.date(2026, 5, 2), route="phone", domains=["elderly"], person_name="架空 三子",
                       person_birth_date=dt.date(1940, 1, 1), presenting_problems="相談", by=teams["colleague"])
    existing = Case.objects.get(person_name="架空 三子")
    pair = _pair(teams, existing)
    client.force_login(teams["lead"])
    page = client.get(reverse("cases:duplicates")).content.decode()
    assert pair.new_case.number in page and existing.number in page


@pytest.mark.parametrize("decision", [DuplicateDecision.LINKED, DuplicateDecision.DIFFERENT])
def test_lead_decides_once_and_the_decision_is_recorded(client, teams, decision):
    pair = _pair(teams)
    client.force_login(teams["lead"])
    url = reverse("cases:duplicate_decide", args=[pair.pk])
    assert client.post(url, {"decision": decision, **once()}).status_code == 302
    pair.refresh_from_db()
    assert pair.decision == decision and pair.decided_by == teams["lead"] and pair.decided_at is not None
    with pytest.raises(DomainError, match="すでに"):
        services.duplicate_decide(duplicate=pair, decision=DuplicateDecision.DIFFERENT, by=teams["lead"])
    # Linking copies no consent and keeps both records.
    assert not pair.new_case.consents.exists() and Case.objects.filter(pk=pair.existing_case_id).exists()


def test_linked_case_page_names_the_existing_case_by_number(client, teams):
    pair = _pair(teams)
    services.duplicate_decide(duplicate=pair, decision=DuplicateDecision.LINKED, by=teams["lead"])
    client.force_login(teams["worker"])
    page = client.get(reverse("cases:detail", args=[pair.new_case.pk])).content.decode()
    assert "同一人物として紐付けたケース" in page


def test_only_the_intakes_team_lead_decides(client, teams):
    pair = _pair(teams)
    for user in (teams["other_lead"], teams["worker"]):
        with pytest.raises(DomainError):
            services.duplicate_decide(duplicate=pair, decision=DuplicateDecision.LINKED, by=user)
        client.force_login(user)
        assert client.get(reverse("cases:duplicate_decide", args=[pair.pk])).status_code == 404
    client.force_login(teams["worker"])
    assert client.get(reverse("cases:duplicates")).status_code == 404
    pair.refresh_from_db()
    assert pair.decision == DuplicateDecision.PENDING
