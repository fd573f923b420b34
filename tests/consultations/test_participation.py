"""参加支援 (issue 13, item 5): a plan names a 社会資源 and may ask the area's coordinator for help.

The request becomes a 地域ニーズ that holds only what the worker wrote, refused when it names the
person (name, kana, address) or a household member; the link lives on the case side only, and the
coordinator sees the need like any other and nothing of the case."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from activities.models import MatchOutcome, Need, NeedStatus
from activities.services import match_save
from consultations import services
from consultations.models import Case, ParticipationSupport
from municipality.errors import DomainError
from tests.once import once
from tests.personas import build_world

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        w = build_world()
        # Give case 1 a kana and an address, so that every kind of name can be tried.
        Case.objects.filter(pk=w["case_1"].pk).update(person_kana="かくう いちこ", person_address="汐見市本町1-2-3")
        yield w


def client_of(w, name):
    client = Client()
    client.force_login(w.user(name))
    return client


@pytest.mark.parametrize("text", [
    "架空 1子さんが通える場所",          # the person's full name
    "架空さんの日中の居場所",            # the surname
    "かくういちこ さんの居場所",         # the kana, spaces left out
    "本町1-2-3の近くで通える場",        # the address by its house number
    "架空 1郎さんと一緒に通える場",      # a household member
])
def test_a_request_that_names_the_person_is_refused_and_nothing_is_saved(world, text):
    needs, supports = Need.objects.count(), ParticipationSupport.objects.count()
    with pytest.raises(DomainError, match="個人が特定できる情報") as refused:
        services.participation_support_add(
            plan=world["plan_1"], note="本人の希望", by=world.user("worker_1"),
            need_request={"area": world["area_A1"], "title": "居場所の紹介", "description": text})
    assert "書き直してください" in refused.value.message
    assert (Need.objects.count(), ParticipationSupport.objects.count()) == (needs, supports)


def test_the_page_refuses_a_request_naming_the_person_with_a_japanese_message(world):
    w = world
    needs, supports = Need.objects.count(), ParticipationSupport.objects.count()
    response = client_of(w, "worker_1").post(reverse("cases:participation", args=[w["case_1"].pk]), {
        **once(), "note": "本人の希望", "ask": "on", "area": w["area_A1"].pk,
        "need_title": "架空 1子さんの居場所", "need_description": ""})
    assert response.status_code == 200
    assert "個人が特定できる情報" in response.content.decode()
    assert (Need.objects.count(), ParticipationSupport.objects.count()) == (needs, supports)


def test_a_request_becomes_a_need_of_the_area_recorded_for_its_coordinator(world):
    w = world
    response = client_of(w, "worker_1").post(reverse("cases:participation", args=[w["case_1"].pk]), {
        **once(), "note": "本人は料理が得意", "resource": w["resource_a"].pk, "ask": "on", "area": w["area_A1"].pk,
        "need_title": "料理を活かせるボランティア先", "need_description": "60代、平日の午前"})
    assert response.status_code == 302
    support = ParticipationSupport.objects.latest("pk")
    need = support.need
    assert (need.area, need.recorded_by, need.status) == (w["area_A1"], w["coordinator_a"], NeedStatus.OPEN)
    assert (need.title, need.description) == ("料理を活かせるボランティア先", "60代、平日の午前")
    assert support.resource == w["resource_a"] and support.plan == w["plan_1"]
    # The need knows nothing of the case: no relation from the activities side leads back.
    assert not [f for f in Need._meta.get_fields() if f.related_model is not None
                and f.related_model._meta.app_label == "consultations"]


def test_the_coordinator_sees_the_need_and_nothing_of_the_case(world):
    w = world
    need = w["need_participation"]
    coordinator = client_of(w, "coord_a")
    pages = [coordinator.get(reverse("activities:needs")), coordinator.get(reverse("activities:need_edit", args=[need.pk])),
             coordinator.get(reverse("activities:match_create", args=[need.pk]))]
    case = w["case_1"]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert need.title in text
        for secret in ("架空", "かくう", "本町", case.number, "参加支援メモ", w["plan_1"].goals):
            assert secret not in text
    # And the case itself stays out of reach.
    assert coordinator.get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_a_worker_outside_the_case_cannot_add_participation(world):
    w = world
    for name in ("outsider_1", "agency_1", "coord_a", "city"):
        response = client_of(w, name).get(reverse("cases:participation", args=[w["case_1"].pk]))
        assert response.status_code == 404, name


def test_the_case_page_shows_the_request_and_its_state_read_from_the_need(world):
    w = world
    need = w["need_participation"]
    worker = client_of(w, "worker_1")
    url = reverse("cases:detail", args=[w["case_1"].pk])
    text = worker.get(url).content.decode()
    assert "日中に通える居場所の紹介" in text and "未対応" in text and "サロンA" in text
    # The coordinator matches it on the activities side: the case page reads the new state.
    match = match_save(match=need.matches.model(resource=w["resource_a"], matched_on=dt.date(2026, 11, 16),
                                                outcome=MatchOutcome.MATCHED),
                       need=need, coordinator=w["coordinator_a"], by=w.user("coord_a"))
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MET
    text = worker.get(url).content.decode()
    assert "対応済み" in text and f"つないだ社会資源：{match.resource.name}（成立）" in text


def test_an_area_without_a_coordinator_cannot_be_asked(world):
    w = world
    with pytest.raises(DomainError, match="コーディネーターがいない"):
        services.participation_support_add(
            plan=w["plan_1"], note="x", by=w.user("worker_1"),
            need_request={"area": w["area_A2"], "title": "居場所の紹介", "description": ""})


def test_a_request_is_made_once_per_item(world):
    w = world
    support = w["participation_1"]
    with pytest.raises(DomainError, match="すでに"):
        services.participation_need_request(support=support, area=w["area_A1"], title="もう一度", description="",
                                            by=w.user("worker_1"))


def test_anonymising_a_closed_case_clears_the_note_and_keeps_the_need(world):
    w = world
    Case.objects.filter(pk=w["case_1"].pk).update(status="closed", closed_on=dt.date(2020, 1, 1))
    services.cases_anonymise(closed_before=dt.date(2021, 1, 1))
    support = ParticipationSupport.objects.get(pk=w["participation_1"].pk)
    assert support.note == services.ANONYMISED
    assert support.need.title == "日中に通える居場所の紹介"


def test_a_closed_resource_cannot_be_named(world):
    w = world
    resource = w["resource_a"]
    resource.status = "closed"
    resource.save()
    with pytest.raises(DomainError, match="終了のため"):
        services.participation_support_add(plan=w["plan_1"], note="x", resource=resource, by=w.user("worker_1"))
