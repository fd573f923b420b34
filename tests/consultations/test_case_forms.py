"""The case forms as staff meet them (issue 16 item 9): the intake opens on today's date, the
重層的支援会議 is recorded in two steps (the timing, then that timing's fields only), and a meeting
without consent is refused for the consent before anything else."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from consultations import services
from consultations.forms import TIMING_FIELDS
from consultations.models import CaseConference, Decision, PlanStatus, Timing
from municipality.errors import DomainError
from tests.once import once

pytestmark = pytest.mark.django_db

CONSENT_MISSING = "本人の同意（有効なもの）がないため"
PLAN_MISSING = "この開催時期の会議にかけるプランがありません"
# Every timing's own field names, as the form posts them.
ALL_TIMING_FIELDS = {name for names in TIMING_FIELDS.values() for name in names}


def _field_names(page: str) -> set[str]:
    """The fields of the page's own form (not the menu's log-out form)."""
    form = re.search(r'<form method="(?:get|post)" class="form".*?</form>', page, re.S).group(0)
    return set(re.findall(r'<(?:input|select|textarea)[^>]*name="([a-z_]+)"', form)) - {"csrfmiddlewaretoken"}


def _url(case, timing: str | None = None) -> str:
    url = reverse("cases:conference", args=[case.pk])
    return f"{url}?timing={timing}" if timing else url


@pytest.fixture
def consented(case, case_agency, case_worker):
    services.consent_record(case=case, agencies=[case_agency], given_on=dt.date(2026, 5, 2), method="written",
                            by=case_worker)
    return case


@pytest.fixture
def draft(consented, case_worker):
    return services.plan_draft(case=consented, goals="一人で通院できる", policy="包括と分担",
                               monitoring_on=dt.date(2026, 9, 1), by=case_worker)


# --- 相談受付: 受付日 -------------------------------------------------------------------------

def test_the_intake_opens_with_todays_date_in_the_citys_time_zone(client, case_worker):
    client.force_login(case_worker)
    # 15:30 UTC on 1 June is already 2 June in 汐見市 (Asia/Tokyo).
    with time_machine.travel(dt.datetime(2026, 6, 1, 15, 30, tzinfo=dt.UTC), tick=False):
        page = client.get(reverse("cases:intake")).content.decode()
    field = re.search(r'<input[^>]*name="received_on"[^>]*>', page).group(0)
    assert 'value="2026-06-02"' in field


# --- 重層的支援会議: two steps ------------------------------------------------------------------

def test_the_first_step_asks_only_for_the_timing_with_the_models_four_choices(client, consented, case_worker):
    client.force_login(case_worker)
    response = client.get(_url(consented))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'method="get"' in page and "次へ" in page
    assert _field_names(page) == {"timing"}  # no date, no attendees, no timing's fields yet
    for value, label in Timing.choices:
        assert f'value="{value}"' in page and label in page


@pytest.mark.parametrize("timing", Timing.values)
def test_the_second_step_shows_only_the_fields_of_the_chosen_timing(client, consented, case_worker, timing):
    client.force_login(case_worker)
    page = client.get(_url(consented, timing)).content.decode()
    names = _field_names(page)
    own = set(TIMING_FIELDS[Timing(timing)])
    assert own <= names
    assert not (ALL_TIMING_FIELDS - own) & names, (ALL_TIMING_FIELDS - own) & names
    assert {"held_on", "attendees", "agencies", "consent"} <= names
    assert re.search(rf'<input type="hidden" name="timing" value="{timing}"', page)
    assert f"開催時期：<strong>{Timing(timing).label}</strong>" in page


def test_the_fields_of_the_timings_do_not_overlap_and_cover_the_form():
    from consultations.forms import ConferenceForm

    every = [name for names in TIMING_FIELDS.values() for name in names]
    assert len(every) == len(set(every))
    assert set(every) <= set(ConferenceForm().fields)


@pytest.mark.parametrize("bad", ["closing", "", "<script>"])
def test_an_unknown_timing_answers_the_first_step_with_a_japanese_message(client, consented, case_worker, bad):
    client.force_login(case_worker)
    response = client.get(f"{_url(consented)}?timing={bad}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "開催時期を" in page and 'method="get"' in page
    assert "held_on" not in _field_names(page)
    assert "<script>" not in page


@pytest.mark.parametrize(("sent", "message"), [({"timing": "closing"}, "開催時期を一覧から選んでください"),
                                             ({}, "開催時期を選んでください。")])
def test_a_post_with_an_unknown_timing_saves_nothing_and_asks_for_the_timing(client, draft, case_worker, sent, message):
    client.force_login(case_worker)
    response = client.post(_url(draft.case), {**sent, "held_on": "2026-06-01", **once()})
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert not CaseConference.objects.exists()


def test_the_post_keeps_the_timing_and_records_the_meeting_at_it(client, draft, case_worker):
    client.force_login(case_worker)
    with time_machine.travel(dt.datetime(2026, 6, 2, 3, tzinfo=dt.UTC), tick=False):
        # Refused for the date: the page shown again is still the second step of the same timing.
        again = client.post(_url(draft.case, "creation"), {"timing": "creation", "held_on": "2099-01-01", **once()})
        page = again.content.decode()
        assert again.status_code == 200 and "開催前の会議" in page
        assert re.search(r'<input type="hidden" name="timing" value="creation"', page)
        done = client.post(_url(draft.case, "creation"), {"timing": "creation", "held_on": "2026-06-01", **once()})
    assert done.status_code == 302
    conference = CaseConference.objects.get()
    assert conference.timing == Timing.CREATION and conference.plan == draft
    draft.refresh_from_db()
    assert draft.status == PlanStatus.ACTIVE


def test_an_evaluation_proposing_the_end_links_straight_to_the_termination_form(client, draft, case_worker):
    services.conference_hold(case=draft.case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1),
                             attendees=[case_worker], by=case_worker)
    draft.refresh_from_db()
    services.evaluation_record(plan=draft, evaluated_on=dt.date(2026, 9, 3), overall="目標を達成し自立した",
                               decision=Decision.END, goals={None: ("achieved", "")}, by=case_worker)
    client.force_login(case_worker)
    detail = client.get(reverse("cases:detail", args=[draft.case.pk])).content.decode()
    link = f'href="{_url(draft.case, "termination")}"'.replace("&", "&amp;")
    assert link in detail
    page = client.get(_url(draft.case, "termination")).content.decode()
    assert "目標を達成し自立した" in page and "achievement" in _field_names(page)
    # The first step, opened by hand, offers the proposed timing already chosen.
    first = client.get(_url(draft.case)).content.decode()
    assert re.search(r'value="termination"[^>]*checked', first)


# --- 重層的支援会議: the consent comes first ----------------------------------------------------

def test_a_meeting_without_consent_nor_plan_is_refused_for_the_consent(client, case, case_worker):
    with pytest.raises(DomainError, match=CONSENT_MISSING):
        services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1),
                                 attendees=[case_worker], by=case_worker)
    client.force_login(case_worker)
    with time_machine.travel(dt.datetime(2026, 6, 2, 3, tzinfo=dt.UTC), tick=False):
        response = client.post(_url(case, "creation"), {"timing": "creation", "held_on": "2026-06-01", **once()})
    page = response.content.decode()
    assert response.status_code == 200
    assert CONSENT_MISSING in page and PLAN_MISSING not in page
    assert not CaseConference.objects.exists()


def test_with_consent_a_meeting_without_its_plan_is_refused_for_the_plan(consented, case_worker):
    with pytest.raises(DomainError, match=PLAN_MISSING):
        services.conference_hold(case=consented, timing=Timing.TERMINATION, held_on=dt.date(2026, 6, 1),
                                 attendees=[case_worker], by=case_worker, achievement="x",
                                 termination_evaluation="y", follow_up_needed=False)


def test_an_unknown_timing_is_a_domain_error_of_the_service(draft, case_worker):
    with pytest.raises(DomainError, match="開催時期が正しくありません"):
        services.conference_hold(case=draft.case, timing="closing", held_on=dt.date(2026, 6, 1),
                                 attendees=[case_worker], by=case_worker)
