"""支援経過記録: written by the assigned staff, edited by its author on the day only, corrected by new
entries; the case page's one timeline, paged with a fixed number of queries; the PDF of a period."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import services
from consultations.models import ContactMethod, TimelineEntry
from consultations.timeline import PAGE_SIZE, timeline_page
from municipality.errors import DomainError
from tests.factories import AgencyFactory, CaseFactory, ConsentFactory, UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
MORNING = dt.datetime(2026, 6, 1, 9, 0, tzinfo=TOKYO)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, 0, tzinfo=TOKYO)


@pytest.fixture
def worker(db):
    return UserFactory(username="tl-worker", name="担当 一郎", roles=["相談支援員"])


@pytest.fixture
def case(worker):
    return CaseFactory(by=worker, received_on=dt.date(2026, 5, 1))


def write(case, by, when, content="自宅を訪問。本人と面談した。", **kwargs):
    return services.timeline_entry_add(case=case, contact_at=when, method=kwargs.pop("method", ContactMethod.VISIT),
                                       with_whom=kwargs.pop("with_whom", "本人"), content=content, by=by, **kwargs)


def edit(entry, by, content):
    return services.timeline_entry_edit(entry=entry, contact_at=entry.contact_at, method=entry.method,
                                        with_whom=entry.with_whom, content=content, by=by)


def test_author_may_edit_an_entry_on_the_day_it_was_written(case, worker):
    with time_machine.travel(MORNING, tick=False):
        entry = write(case, worker, at(1, 8))
    with time_machine.travel(at(1, 23), tick=False):
        edited = edit(entry, worker, "電話で安否を確認した。")
    assert edited.content == "電話で安否を確認した。" and edited.edited_at is not None


def test_edit_is_refused_the_next_day_and_a_correction_names_the_entry(case, worker):
    with time_machine.travel(at(1, 23), tick=False):  # 23:00 in Tokyo is still the day of writing
        entry = write(case, worker, at(1, 22), content="長女から電話。")
    with time_machine.travel(at(2, 0) + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(DomainError, match="変更できません"):
            edit(entry, worker, "書き直し")
        correction = services.timeline_entry_correct(
            entry=entry, contact_at=at(1, 22), method=ContactMethod.PHONE, with_whom="長女",
            content="長女から電話（訪問ではなく電話）。", by=worker)
    entry.refresh_from_db()
    assert entry.content == "長女から電話。" and entry.edited_at is None  # the original stays as written
    assert correction.corrects == entry and list(entry.corrections.all()) == [correction]


def test_another_assigned_worker_cannot_edit_the_authors_entry(case, worker):
    colleague = UserFactory(username="tl-colleague", roles=["相談支援員"])
    services.staff_assign(case=case, worker=colleague, by=worker)
    with time_machine.travel(MORNING, tick=False):
        entry = write(case, worker, at(1, 8))
        with pytest.raises(DomainError, match="記録した本人だけ"):
            edit(entry, colleague, "他人の書き換え")
        # ... but may correct it with an entry of their own.
        correction = services.timeline_entry_correct(entry=entry, contact_at=at(1, 8), method=ContactMethod.VISIT,
                                                     with_whom="本人", content="訂正", by=colleague)
    assert correction.recorded_by == colleague


def test_only_assigned_staff_write_entries(case):
    stranger = UserFactory(username="tl-stranger", roles=["相談支援員"])
    with time_machine.travel(MORNING, tick=False), pytest.raises(DomainError, match="担当者だけ"):
        write(case, stranger, at(1, 8))


def test_future_contact_and_out_of_range_dates_are_refused(case, worker):
    with time_machine.travel(MORNING, tick=False):
        with pytest.raises(DomainError, match="これからの予定"):
            write(case, worker, at(2))
        with pytest.raises(DomainError, match="2000年から2100年"):
            write(case, worker, at(1, 8), next_step_on=dt.date(1999, 12, 31))


@pytest.mark.postgres
def test_the_database_refuses_a_late_change_and_any_delete(case, worker):
    with time_machine.travel(MORNING, tick=False):
        entry = write(case, worker, at(1, 8))
    for statement in ("UPDATE consultations_timelineentry SET content = 'x' WHERE id = %s",  # no stamp
                      "UPDATE consultations_timelineentry SET content = 'x', edited_at = written_at + interval '1 day' "
                      "WHERE id = %s",  # stamped on another day
                      "DELETE FROM consultations_timelineentry WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.content == "自宅を訪問。本人と面談した。"


# --- Pages ---

@pytest.fixture
def agency_worker(case):
    center = AgencyFactory()
    ConsentFactory(case=case, agencies=[center], given_on=dt.date(2026, 5, 2))
    return UserFactory(username="tl-agency", roles=["相談支援員"], organisation=center.organisation)


def test_agency_worker_under_consent_sees_the_timeline_but_cannot_write(client, case, worker, agency_worker):
    with time_machine.travel(MORNING, tick=False):
        entry = write(case, worker, at(1, 8), content="包括と同行訪問。")
    client.force_login(agency_worker)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "包括と同行訪問。" in page and "支援経過を記録する" not in page
    assert client.get(reverse("cases:timeline_add", args=[case.pk])).status_code == 404
    response = client.post(reverse("cases:timeline_add", args=[case.pk]), {
        **once(), "contact_on": "2026-06-01", "contact_time": "08:00", "method": "phone", "with_whom": "本人",
        "content": "書けない"})
    assert response.status_code == 404
    assert client.get(reverse("cases:timeline_correct", args=[case.pk, entry.pk])).status_code == 404
    assert TimelineEntry.objects.count() == 1


def test_outsider_gets_404_everywhere(client, case, worker):
    with time_machine.travel(MORNING, tick=False):
        entry = write(case, worker, at(1, 8))
    client.force_login(UserFactory(username="tl-outsider", roles=["相談支援員"]))
    for url in (reverse("cases:detail", args=[case.pk]), reverse("cases:timeline_add", args=[case.pk]),
                reverse("cases:timeline_edit", args=[case.pk, entry.pk]),
                reverse("cases:timeline_correct", args=[case.pk, entry.pk]),
                reverse("cases:timeline_pdf", args=[case.pk]) + "?start=2026-06-01&end=2026-06-30"):
        assert client.get(url).status_code == 404, url


def test_worker_writes_an_entry_and_the_page_marks_the_corrected_one(client, case, worker):
    client.force_login(worker)
    with time_machine.travel(MORNING, tick=False):
        response = client.post(reverse("cases:timeline_add", args=[case.pk]), {
            **once(), "contact_on": "2026-06-01", "contact_time": "08:30", "method": "phone", "with_whom": "長女",
            "content": "長女から相談の電話。", "next_step": "来週訪問", "next_step_on": "2026-06-08"})
        assert response.status_code == 302
    entry = TimelineEntry.objects.get()
    assert (entry.recorded_by, entry.method, entry.next_step_on) == (worker, "phone", dt.date(2026, 6, 8))
    with time_machine.travel(at(3), tick=False):
        assert "変更できません" in client.get(reverse("cases:timeline_edit", args=[case.pk, entry.pk])).content.decode()
        client.post(reverse("cases:timeline_correct", args=[case.pk, entry.pk]), {
            **once(), "contact_on": "2026-06-01", "contact_time": "08:30", "method": "phone", "with_whom": "長男",
            "content": "長男から相談の電話（相手の訂正）。"})
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    correction = TimelineEntry.objects.get(corrects=entry)
    assert "訂正あり" in page and f'href="#tl-entry-{correction.pk}"' in page
    assert f'id="tl-entry-{correction.pk}"' in page


def test_bad_form_input_is_answered_in_japanese_and_nothing_is_saved(client, case, worker):
    client.force_login(worker)
    with time_machine.travel(MORNING, tick=False):
        response = client.post(reverse("cases:timeline_add", args=[case.pk]), {
            **once(), "contact_on": "0001-01-01", "contact_time": "25:00", "method": "nope", "content": ""})
    assert response.status_code == 200 and "2000年から2100年" in response.content.decode()
    assert not TimelineEntry.objects.exists()


def test_the_timeline_merges_every_source_newest_first(case, worker, agency_worker):
    with time_machine.travel(at(3), tick=False):
        services.assessment_add(case=case, situation="独居", issues="家計", by=worker)
        write(case, worker, at(2), content="二回目")
        write(case, worker, at(1), content="一回目")
    events = timeline_page(case).events
    kinds = [e.kind for e in events]
    assert kinds == ["assessment", "entry", "entry", "consent", "intake"]
    assert [e.obj.content for e in events if e.kind == "entry"] == ["二回目", "一回目"]


def test_the_timeline_shows_a_referral_sent_and_its_answer(client, case, worker, agency_worker):
    """A 連携シート is a source too: its sending and the agency's answer, each at its own time."""
    with time_machine.travel(at(4), tick=False):
        referral = services.referral_send(case=case, agency=agency_worker.organisation.agency, items=["problems"],
                                          purpose="就労の相談", basis="consent", by=worker)
    with time_machine.travel(at(5), tick=False):
        services.referral_accept(referral=referral, by=agency_worker)
    events = timeline_page(case).events
    assert [e.kind for e in events][:2] == ["referral_answer", "referral"]
    assert "受理" in events[0].title and "同意" in events[1].title
    client.force_login(worker)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:referral_detail", args=[referral.pk]) in page


def _entries(case, by, count):
    TimelineEntry.objects.bulk_create(
        TimelineEntry(case=case, recorded_by=by, contact_at=at(1) - dt.timedelta(hours=i), method="phone",
                      with_whom="本人", content=f"記録{i}") for i in range(count))


def test_case_page_costs_the_same_queries_for_10_and_100_entries(client, case, worker):
    client.force_login(worker)
    url = reverse("cases:detail", args=[case.pk])
    client.get(url)  # warm: session, content types
    counts = []
    for count in (10, 90):  # 10 entries, then 100
        _entries(case, worker, count)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url + "?tl_page=2").status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


def test_timeline_pages_are_windows_of_the_merge(case, worker):
    _entries(case, worker, 45)
    first, second, third = (timeline_page(case, n) for n in (1, 2, 3))
    assert len(first.events) == len(second.events) == PAGE_SIZE and first.has_next and second.has_next
    assert not third.has_next and len(third.events) == 45 + 1 - 2 * PAGE_SIZE  # the entries and the intake
    seen = [e.key for p in (first, second, third) for e in p.events if e.kind == "entry"]
    assert len(seen) == len(set(seen)) == 45


def test_timeline_page_query_count_does_not_depend_on_entries(case, worker):
    _entries(case, worker, 10)
    with CaptureQueriesContext(connection) as few:
        timeline_page(case, 1)
    _entries(case, worker, 90)
    with CaptureQueriesContext(connection) as many:
        timeline_page(case, 3)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_case_page_read_is_logged_with_the_timeline(client, case, worker):
    client.force_login(worker)
    client.get(reverse("cases:detail", args=[case.pk]) + "?tl_page=2")
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(case.pk)).latest("pk")
    assert "timeline" in entry.changes["read_fields"] and "2ページ目" in entry.additional_data["purpose"]


# --- PDF ---

def test_pdf_of_a_period_holds_its_entries_only(client, case, worker, tmp_path):
    with time_machine.travel(at(20), tick=False):
        write(case, worker, at(1), content="期間前の訪問記録")
        write(case, worker, at(10), content="期間内の電話記録", method=ContactMethod.PHONE, with_whom="長女",
              next_step="来週また連絡")
        write(case, worker, at(15, 9), content="期間内の同行記録", method=ContactMethod.ACCOMPANY)
        write(case, worker, at(16), content="期間後の面談記録")
    client.force_login(worker)
    response = client.get(reverse("cases:timeline_pdf", args=[case.pk]) + "?start=2026-06-05&end=2026-06-15")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "timeline.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          text=True).stdout.replace(" ", "")
    # The entries' contents are 要配慮: masked without an approval (unmasked: tests/consultations/test_masking.py).
    assert "期間内" not in text and "来週また連絡" not in text and "＊＊＊（要配慮）" in text
    assert re.search(r"令和8年6月10日(?!\d)", text) and re.search(r"令和8年6月15日(?!\d)", text)
    assert not re.search(r"令和8年6月1日(?!\d)", text) and "令和8年6月16日" not in text  # before, after
    assert text.index("長女") < text.index("同行")  # time order
    assert "担当一郎" in text and "同行" in text and "長女" in text
    log = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(case.pk)).latest("pk")
    assert "timeline" in log.changes["read_fields"] and "令和8年6月5日" in log.additional_data["purpose"]

    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(1 for p in image.tobytes() if p < 128)
    assert dark > image.width * image.height * 0.002  # a table with text, not a blank page


@pytest.mark.parametrize("query", ["", "start=2026-06-15&end=2026-06-05", "start=0001-01-01&end=2026-06-05",
                                   "start=x&end=y", "start=9999-12-31&end=9999-12-31"])
def test_bad_or_inverted_period_is_answered_in_japanese(client, case, worker, query):
    client.force_login(worker)
    response = client.get(reverse("cases:timeline_pdf", args=[case.pk]) + f"?{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "期間" in body
    if "2026-06-15" in query:
        assert "期間の初めが終わりより後" in body


def test_anonymising_a_closed_case_blanks_its_entries_and_keeps_them(case, worker):
    from consultations.models import Case, CaseStatus

    with time_machine.travel(MORNING, tick=False):
        entry = write(case, worker, at(1, 8), content="山田さん宅を訪問")
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_on=dt.date(2026, 7, 1))
    services.cases_anonymise(closed_before=dt.date(2027, 1, 1))
    entry.refresh_from_db()  # still there (the trigger lets the retention job blank an anonymised case's text)
    assert entry.content == services.ANONYMISED and entry.with_whom == services.ANONYMISED


def test_anonymising_a_closed_case_blanks_its_urgency_reasons(case, worker):
    """The reasons for urgency describe the person's situation: retention blanks them too."""
    from consultations.models import Case, CaseStatus

    services.urgency_mark(case=case, reason="長女から暴力の訴え", by=worker)
    services.urgency_clear(case=case, note="長女が転居した", by=worker)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_on=dt.date(2026, 7, 1))
    services.cases_anonymise(closed_before=dt.date(2027, 1, 1))
    urgency = case.urgencies.get()
    assert (urgency.reason, urgency.clear_note) == (services.ANONYMISED, services.ANONYMISED)
