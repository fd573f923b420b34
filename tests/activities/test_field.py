"""現地での記録 (activities/field.py): the server side of recording without signal.

Each entry the phone sends carries a key made on the phone; the record stores it once (a unique
column), so a resend, two tabs at once or a resend after a crash never makes a second record; a refused
entry gets its reasons in Japanese and nothing is stored; the choice lists are the user's own and hold
no case data; the service worker keeps only the shell and static files; logging out clears the phone.
"""

import datetime as dt
import json
import threading
import uuid

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from activities import services
from activities.models import Activity, Function, Need, SocialResource
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
SEND = "/portal/activities/field/send/"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def activity_entry(categories, area, key=None, **extra):
    return {"kind": "activity", "key": str(key or uuid.uuid4()), "date": "2026-11-20", "minutes": "60",
            "area": str(area.pk), "category": str(categories[Function.B].pk), "narrative": "サロンで見守りの相談",
            "participants": "12", **extra}


class Phone(Client):
    """A signed-in browser sending entries as the page does: each carries the user it was saved by."""

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.force_login(user)

    def send(self, entry: dict):
        return self.post(SEND, {"owner": str(self.user.pk), **entry})


def signed_in(user) -> Phone:
    return Phone(user)


def test_an_entry_is_stored_once_under_its_key_however_often_it_is_sent(coord_a, categories, areas):
    client, entry = signed_in(coord_a.user), activity_entry(categories, areas[0])
    first = client.send(entry)
    assert first.status_code == 201 and first.json()["status"] == "saved"
    # The answer was lost on the way; the phone sends the same entry again, and again after a crash.
    for _ in range(2):
        again = client.send(entry)
        assert again.status_code == 200 and again.json()["status"] == "already"
    activity = Activity.objects.get()
    assert (activity.client_key, activity.date, activity.participants) == (uuid.UUID(entry["key"]), dt.date(2026, 11, 20), 12)
    assert first.json()["url"] == reverse("activities:edit", args=[activity.pk])


def test_the_date_is_the_day_recorded_on_the_phone_not_the_day_sent(coord_a, categories, areas):
    signed_in(coord_a.user).send(activity_entry(categories, areas[0], date="2026-11-02"))
    assert Activity.objects.get().date == dt.date(2026, 11, 2)


def test_the_database_refuses_a_second_row_with_the_same_key(coord_a, categories, areas):
    key = uuid.uuid4()
    values = dict(date=dt.date(2026, 11, 20), minutes=60, area=areas[0], category=categories[Function.B],
                  participants=0, narrative="記録", follow_up_on=None)
    services.activity_log(coordinator=coord_a, by=coord_a.user, client_key=key, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(coordinator=coord_a, function=Function.B, client_key=key, **values)


def test_an_entry_of_a_submitted_month_is_refused_with_the_reason_and_nothing_is_stored(coord_a, categories, areas):
    services.report_submit(coordinator=coord_a, month=dt.date(2026, 11, 1), by=coord_a.user)
    response = signed_in(coord_a.user).send(activity_entry(categories, areas[0]))
    assert response.status_code == 422
    assert response.json() == {"status": "refused",
                               "reasons": ["令和8年11月の月次報告は「提出済（団体の確認待ち）」のため、この月の活動は記録・変更できません。"]}
    assert not Activity.objects.exists()


def test_an_area_no_longer_the_coordinators_is_refused_with_the_field_named(coord_a, categories, areas):
    response = signed_in(coord_a.user).send(activity_entry(categories, areas[2]))
    assert response.status_code == 422
    assert response.json()["reasons"] == [
        "テスト3地区は、松本 さくらさんがその日に担当している区域ではありません。"
        "区域を越えて連携・協力した活動なら「区域を越えた連携」に印を付けてください。"]
    assert not Activity.objects.exists()


def test_a_refused_entry_corrected_and_sent_again_under_the_same_key_is_stored(coord_a, categories, areas):
    client, key = signed_in(coord_a.user), uuid.uuid4()
    assert client.send(activity_entry(categories, areas[0], key=key, narrative="")).status_code == 422
    assert client.send(activity_entry(categories, areas[0], key=key)).status_code == 201
    assert Activity.objects.get().client_key == key


def test_another_coordinators_key_is_refused_and_reveals_nothing(coord_a, coord_b, categories, areas):
    key = uuid.uuid4()
    assert signed_in(coord_a.user).send(activity_entry(categories, areas[0], key=key)).status_code == 201
    response = signed_in(coord_b.user).send(activity_entry(categories, areas[2], key=key))
    assert response.status_code == 422
    assert "サロン" not in response.content.decode()
    assert Activity.objects.count() == 1


@pytest.mark.parametrize("data", [{}, {"kind": "activity", "key": "not-a-key"}, {"kind": "case", "key": str(uuid.uuid4())}])
def test_a_malformed_entry_is_refused_in_japanese(coord_a, data):
    response = signed_in(coord_a.user).send(data)
    assert response.status_code == 422
    assert response.json()["reasons"] == ["記録の種類か識別子が正しくありません。この画面を読み込み直してください。"]


def test_a_need_and_a_resource_note_are_stored_once_each(coord_a, areas):
    client = signed_in(coord_a.user)
    need = {"kind": "need", "key": str(uuid.uuid4()), "title": "坂の上の買い物", "area": str(areas[0].pk),
            "raised_by": "民生委員", "raised_on": "2026-11-19", "description": "", "status": "open"}
    note = {"kind": "resource", "key": str(uuid.uuid4()), "name": "移動販売 みどり号", "provider_kind": "company",
            "area": str(areas[0].pk), "offers": "週2回の移動販売", "contact": "", "status": "active",
            "is_public": "on"}
    for entry in (need, note):
        assert client.send(entry).status_code == 201
        assert client.send(entry).status_code == 200
    assert Need.objects.get().recorded_by == coord_a
    resource = SocialResource.objects.get()
    # A note from the field is never public, whatever the phone sent: the full register is online.
    assert (resource.name, resource.is_public, resource.registered_by) == ("移動販売 みどり号", False, coord_a.employer)


def test_an_entry_saved_by_another_user_is_never_stored_as_this_users(coord_a, coord_b, categories, areas):
    entry = activity_entry(categories, areas[0])
    response = Phone(coord_a.user).post(SEND, {**entry, "owner": str(coord_b.user.pk)})
    assert response.status_code == 409 and response.json()["reasons"] == ["別の利用者がこの端末で保存した記録です。"]
    assert Phone(coord_a.user).post(SEND, entry).status_code == 409  # no owner at all: the same
    assert not Activity.objects.exists()


def test_a_resend_of_a_stored_entry_is_already_stored_whatever_changed_since(coord_a, categories, areas):
    client, entry = signed_in(coord_a.user), activity_entry(categories, areas[0])
    assert client.send(entry).status_code == 201
    # Since the first sending (whose answer was lost), the item went out of use and the month was submitted.
    categories[Function.B].is_active = False
    categories[Function.B].save()
    services.report_submit(coordinator=coord_a, month=dt.date(2026, 11, 1), by=coord_a.user)
    again = client.send(entry)
    assert again.status_code == 200 and again.json()["status"] == "already"
    assert Activity.objects.count() == 1


def test_a_need_in_an_area_not_the_coordinators_is_refused(coord_a, areas):
    response = signed_in(coord_a.user).send({
        "kind": "need", "key": str(uuid.uuid4()), "title": "買い物", "area": str(areas[2].pk),
        "raised_by": "民生委員", "raised_on": "2026-11-19", "status": "open"})
    assert response.status_code == 422 and response.json()["reasons"][0].startswith("区域：")
    assert not Need.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_sending_the_same_entry_at_the_same_moment_store_it_once(coord_a, categories, areas):
    entry = activity_entry(categories, areas[0])
    barrier, statuses, errors = threading.Barrier(4), [], []

    def send() -> None:
        try:
            client = Phone(coord_a.user, raise_request_exception=True)
            barrier.wait(timeout=10)
            statuses.append(client.send(entry).status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Activity.objects.filter(client_key=entry["key"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_resource_notes_with_one_key_at_the_same_moment_store_one(coord_a, areas):
    note = {"kind": "resource", "key": str(uuid.uuid4()), "name": "ふれあいサロン", "provider_kind": "salon",
            "area": str(areas[0].pk), "offers": "月2回", "status": "active"}
    barrier, statuses = threading.Barrier(3), []

    def send() -> None:
        try:
            client = Phone(coord_a.user)
            barrier.wait(timeout=10)
            statuses.append(client.send(note).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 200, 201]
    assert SocialResource.objects.count() == 1


def test_the_choice_lists_are_the_users_own_and_hold_no_case_data(coord_a, categories, areas):
    OrganisationFactory(name="汐見第一自治会")
    response = signed_in(coord_a.user).get("/portal/activities/field/choices/")
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["owner"] == coord_a.user.pk and data["csrf"]
    activity = data["fields"]["activity"]
    own = activity["area"][0]
    assert own["label"] == "担当区域" and [o["label"] for o in own["options"]] == [areas[0].name]
    assert areas[2].name not in [o["label"] for g in data["fields"]["need"]["area"] for o in g["options"]]
    assert "汐見第一自治会" in [o["label"] for g in activity["organisations"] for o in g["options"]]
    assert {g["label"] for g in activity["category"] if g["label"]} <= {f.label for f in Function}
    # Only these lists: nothing of a case, a person or another user.
    assert set(data) == {"owner", "csrf", "today", "received", "fields", "initial"}
    assert set(data["fields"]) == {"activity", "need", "resource"}
    text = json.dumps(data, ensure_ascii=False)
    assert coord_a.name not in text and "ケース" not in text


def test_the_field_pages_are_only_for_coordinators(client, city_user, contractor_a):
    for user in (city_user, contractor_a):
        client.force_login(user)
        for url in ("/portal/activities/field/", "/portal/activities/field/choices/",
                    "/portal/activities/field/sw.js", "/portal/activities/field/manifest.webmanifest"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(SEND, {}).status_code == 404
    client.logout()
    assert client.post(SEND, {}).status_code == 302  # to the login page; the phone keeps the entry


def test_the_shell_holds_nothing_of_its_user(coord_a):
    response = signed_in(coord_a.user).get("/portal/activities/field/")
    text = response.content.decode()
    assert response.status_code == 200
    for personal in (coord_a.name, coord_a.user.username, "csrfmiddlewaretoken", "ログアウト"):
        assert personal not in text
    assert 'rel="manifest"' in text and "<script>" not in text  # CSP: scripts are files only


def test_the_service_worker_keeps_only_the_shell_and_static_files(coord_a):
    response = signed_in(coord_a.user).get("/portal/activities/field/sw.js")
    assert response["Content-Type"].startswith("text/javascript") and response["Cache-Control"] == "no-cache"
    text = response.content.decode()
    files = json.loads(text.split("const FILES = ", 1)[1].split(";\n", 1)[0])
    assert files[0] == "/portal/activities/field/"
    assert all(f.startswith("/static/") for f in files[1:]), files
    assert not any("/cases/" in f or "choices" in f or "send" in f for f in files)
    assert 'if (request.method !== "GET") return;' in text


def test_the_manifest_names_the_municipality_and_its_icons_are_served_here(coord_a):
    from municipality.models import Municipality

    response = signed_in(coord_a.user).get("/portal/activities/field/manifest.webmanifest")
    manifest = response.json()
    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["name"].startswith(Municipality.objects.current().name)
    assert manifest["start_url"] == manifest["scope"] == "/portal/activities/field/"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert all(icon["src"].startswith("/static/img/") for icon in manifest["icons"])


def test_logging_out_tells_the_browser_to_clear_what_the_site_kept(coord_a):
    client = signed_in(coord_a.user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


@pytest.mark.parametrize("changes", [
    {"date": "0001-01-01"}, {"date": "9999-12-31"}, {"date": "2026-02-30"}, {"follow_up_on": "9999-12-31"},
    {"narrative": "あ" * 5000}, {"minutes": "99999"}, {"participants": "-1"}, {"area": "x"},
])
def test_bad_input_from_the_phone_is_refused_in_japanese_and_nothing_is_stored(coord_a, categories, areas, changes):
    response = signed_in(coord_a.user).send(activity_entry(categories, areas[0]) | changes)
    assert response.status_code == 422
    reasons = response.json()["reasons"]
    assert reasons and all(any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in r) for r in reasons)
    assert not Activity.objects.exists()


@pytest.mark.parametrize("entry", [
    {"kind": "need", "title": "買い物", "raised_by": "民生委員", "raised_on": "0001-01-01", "status": "open"},
    {"kind": "need", "title": "あ" * 300, "raised_by": "民生委員", "raised_on": "2026-11-19", "status": "open"},
    {"kind": "resource", "name": "サロン", "provider_kind": "salon", "offers": "あ" * 3000, "status": "active"},
])
def test_bad_needs_and_notes_are_refused_in_japanese(coord_a, areas, entry):
    response = signed_in(coord_a.user).send({"key": str(uuid.uuid4()), "area": str(areas[0].pk), **entry})
    assert response.status_code == 422 and response.json()["reasons"]
    assert not Need.objects.exists() and not SocialResource.objects.exists()


@pytest.mark.parametrize("field", ["narrative", "title", "offers"])
def test_a_megabyte_of_text_is_the_sites_japanese_400_page_and_nothing_is_stored(coord_a, categories, areas, field):
    """Over Django's limit on a request's size the body is never read: the portal's own 400 page (the
    phone marks the entry refused with a general reason, field.js) and no row."""
    entry = activity_entry(categories, areas[0]) | {field: "あ" * 1_000_000}
    response = signed_in(coord_a.user).send(entry)
    assert response.status_code == 400 and "<html lang=\"ja\"" in response.content.decode()
    assert not Activity.objects.exists() and not Need.objects.exists() and not SocialResource.objects.exists()
