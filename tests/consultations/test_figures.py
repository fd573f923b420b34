"""Yearly figures (年度の集計) of 重層的支援体制整備事業: the counts of a built year, small counts
hidden (「5未満」, and 「x」 where a sum would give one away) on the page, in the xlsx and in the PDF,
who sees them (city staff: the figures, still no case), and a fixed number of queries."""

import datetime as dt
import io
import re
import subprocess

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import figures, services
from consultations.models import Case, CaseConference, CaseStatus, RegionalIssue, Timing
from tests.factories import AgencyFactory, CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 6, 1, 1, 0, tzinfo=dt.UTC)  # 令和9年度: the 令和8年度 (2026) is complete
YEAR = 2026


@pytest.fixture
def worker(db):
    return UserFactory(username="fig_worker", roles=["相談支援員"])


def _open(n, by, **fields):
    return [CaseFactory(by=by, **fields) for _ in range(n)]


def _close(cases, status, on):
    # Test data: the closing itself (a 重層的支援会議 at 終結/中断) is tested in test_cases.py.
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(status=status, closed_on=on)


@pytest.fixture
def built_year(worker):
    """A 年度 with known counts: its first and last day included, the days around it not."""
    with time_machine.travel(NOW):
        phone = _open(12, worker, received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly", "poverty"])
        counter = _open(6, worker, received_on=dt.date(2026, 4, 1), route="counter", domains=["children"],
                        programs=["comprehensive", "outreach"])
        _open(2, worker, received_on=dt.date(2027, 3, 31), route="agency", domains=["disability"],
              programs=["collaboration"])
        before = _open(1, worker, received_on=dt.date(2026, 3, 31), route="visit", domains=["other"])
        _open(1, worker, received_on=dt.date(2027, 4, 1), route="phone", domains=["elderly"])
        _close(phone[:6], CaseStatus.CLOSED, dt.date(2026, 10, 1))
        _close(counter[:2], CaseStatus.SUSPENDED, dt.date(2027, 3, 31))
        _close(before, CaseStatus.CLOSED, dt.date(2026, 4, 1))
        # Meetings: 6 at 策定, 2 at 変更 in the year, one 策定 the year before; 5 支援会議.
        case = phone[6]
        plan = services.plan_draft(case=case, goals="目標", policy="方針", contents="内容",
                                   monitoring_on=dt.date(2026, 9, 1), by=worker)
        for day, timing in [*[(dt.date(2026, 6, 1), Timing.CREATION)] * 6, *[(dt.date(2027, 3, 1), Timing.CHANGE)] * 2,
                            (dt.date(2026, 3, 1), Timing.CREATION)]:
            CaseConference.objects.create(case=case, timing=timing, held_on=day, plan=plan, recorded_by=worker)
        for _ in range(5):
            services.support_meeting_record(
                held_on=dt.date(2026, 7, 1), cases=[case], shared="共有", policy="方針", by=worker,
                attendees=[{"name": "民生委員", "organisation": "民児協", "confidentiality_acknowledged": True}])
    with time_machine.travel(dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)):  # raised today: in the 年度
        for n in range(6):
            services.regional_issue_raise(title=f"移動手段の不足 {n}", description="バス路線の廃止", by=worker)
        RegionalIssue.objects.filter(pk__in=RegionalIssue.objects.values("pk")[:2]).update(agenda_item=_agenda_item())
    return {"phone": phone, "counter": counter}


def _agenda_item():
    from councils.models import AgendaItem, Council, Meeting
    from municipality.models import Area

    area = Area.objects.create(code="L1", name="市全域", layer=1)
    council = Council.objects.create(name="第1層協議体", layer=1, area=area, setup_type="npo")
    meeting = Meeting.objects.create(council=council, title="定例会", date=dt.date(2026, 8, 1), start_time=dt.time(10),
                                     end_time=dt.time(11), place="市役所")
    return AgendaItem.objects.create(meeting=meeting, title="移動手段", topic="2")


def _raw(year):
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    values = {}
    for section in figures.FIGURE_SECTIONS:
        values.update(section(start, end).values)
    return values


def _table(result, title):
    return {label: cells for label, cells in next(t for t in result.tables if t.title == title).rows}


# --- The counts --------------------------------------------------------------------------------


def test_the_counts_of_a_built_year_by_domain_route_program_reason_and_meeting(built_year):
    raw = _raw(YEAR)
    assert (raw["cases.opened"], raw["cases.closed"]) == (20, 9)
    assert {r: raw[f"route.{r}.opened"] for r in ("phone", "counter", "agency", "visit")} == {
        "phone": 12, "counter": 6, "agency": 2, "visit": 0}
    assert {r: raw[f"route.{r}.closed"] for r in ("phone", "counter", "visit")} == {"phone": 6, "counter": 2, "visit": 1}
    assert {d: raw[f"domain.{d}.opened"] for d in ("elderly", "poverty", "children", "disability", "other")} == {
        "elderly": 12, "poverty": 12, "children": 6, "disability": 2, "other": 0}
    assert (raw["domain.other.closed"], raw["domain.elderly.closed"]) == (1, 6)
    assert {p: raw[f"program.{p}.opened"] for p in ("comprehensive", "outreach", "collaboration", "participation")} == {
        "comprehensive": 18, "outreach": 6, "collaboration": 2, "participation": 0}
    assert raw["program.comprehensive.closed"] == 9
    assert (raw["closure.closed"], raw["closure.suspended"]) == (7, 2)
    assert (raw["conference.creation"], raw["conference.change"], raw["conference.total"]) == (6, 2, 8)
    assert raw["support_meeting.total"] == 5
    assert (raw["issue.raised"], raw["issue.taken"]) == (6, 2)
    assert _raw(YEAR - 1)["cases.opened"] == 1 and _raw(YEAR + 1)["cases.opened"] == 1


def test_small_counts_are_hidden_and_no_sum_gives_one_away(built_year):
    result = figures.yearly_figures(YEAR)
    assert result.label == "令和8年度"
    routes = _table(result, "相談経路別のケース数")
    # 20 = 12 + 6 + 2: with 6 shown the 2 would follow, so the 6 is hidden too (x, 5 or more).
    assert routes["電話"] == [12, 6] and routes["関係機関から"] == ["5未満", 0]
    assert routes["窓口"] == ["x", "5未満"] and routes["合計"] == [20, 9]
    assert routes["訪問"] == [0, "5未満"]
    reasons = _table(result, "終結・中断の理由別のケース数")
    assert reasons == {"終結（支援終結の判断）": ["x"], "中断（支援中断の決定）": ["5未満"], "合計": [9]}
    assert _table(result, "分野別のケース数")["障がい"] == ["5未満", 0]
    assert _table(result, "事業別のケース数")["多機関協働事業"] == ["5未満", 0]
    assert _table(result, "地域の課題") == {"提起した件数": [6], "うち協議体の議題になったもの": ["5未満"]}
    every_cell = [c for t in result.tables for _, cells in t.rows for c in cells]
    assert not [c for c in every_cell if isinstance(c, int) and 0 < c < 5]


@pytest.mark.parametrize(("values", "shown"), [
    ({"t": 20, "a": 10, "b": 10}, {"t": 20, "a": 10, "b": 10}),
    ({"t": 3, "a": 3, "b": 0}, {"t": "5未満", "a": "5未満", "b": 0}),  # 0 is shown as 0
    ({"t": 10, "a": 3, "b": 7}, {"t": 10, "a": "5未満", "b": "x"}),  # else a = 10 - 7
    ({"t": 12, "a": 1, "b": 1, "c": 10}, {"t": 12, "a": "5未満", "b": "5未満", "c": "x"}),  # else a + b = 2: both 1
    ({"t": 6, "a": 1, "b": 5}, {"t": "x", "a": "5未満", "b": "x"}),  # a + b = 6 with b >= 5: a = 1, so the total too
])
def test_suppression_of_one_sum(values, shown):
    assert figures.suppress(values, [("t", [k for k in values if k != "t"])]) == shown


def test_a_total_hidden_in_one_table_is_hidden_in_every_table_and_its_parts_checked_again():
    values = {"t": 6, "a": 1, "b": 5, "r1": 6, "r2": 0}
    shown = figures.suppress(values, [("t", ["a", "b"]), ("t", ["r1", "r2"])])
    assert shown == {"t": "x", "a": "5未満", "b": "x", "r1": "x", "r2": 0}  # else t = r1 + r2


# --- Who sees them -----------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return out.stdout.decode()


def test_city_staff_see_the_figures_with_small_counts_hidden_but_still_no_case(client, city_staff, built_year):
    with time_machine.travel(NOW):
        client.force_login(city_staff)
        page = client.get(reverse("cases:figures"), {"year": YEAR})
        assert page.status_code == 200
        text = page.content.decode()
        assert "令和8年度" in text and "5未満" in text and "年度の集計" in text
        cells = re.findall(r"<td>([^<]*)</td>", text)
        assert cells and not [c for c in cells if c in {"1", "2", "3", "4"}]
        assert "山田" not in text  # no person: the factory's name never appears
        case = built_year["phone"][0]
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
        assert client.get(reverse("cases:list")).status_code == 404
        home = client.get(reverse("portal:home")).content.decode()
        assert reverse("cases:figures") in home


def test_the_xlsx_hides_small_counts(client, city_staff, built_year):
    with time_machine.travel(NOW):
        client.force_login(city_staff)
        response = client.get(reverse("cases:figures_xlsx"), {"year": YEAR})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    routes = {row[0]: list(row[1:]) for row in book["相談経路別のケース数"].iter_rows(min_row=2, values_only=True)}
    assert routes["窓口"] == ["x", "5未満"] and routes["電話"] == [12, 6] and routes["合計"] == [20, 9]
    numbers = [v for sheet in book.worksheets[1:] for row in sheet.iter_rows(min_row=2, min_col=2, values_only=True)
               for v in row]
    assert "5未満" in numbers and not [v for v in numbers if isinstance(v, int) and 0 < v < 5]
    assert book["概要"]["B2"].value == "令和8年度"


def test_the_pdf_hides_small_counts(client, auditor, built_year):
    with time_machine.travel(NOW):
        client.force_login(auditor)
        response = client.get(reverse("cases:figures_pdf"), {"year": YEAR})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "令和8年度" in text and "5未満" in text and "相談経路別のケース数" in text
    route_line = next(line for line in text.splitlines() if line.strip().startswith("窓口"))
    assert route_line.split()[1:] == ["x", "5未満"]
    labels = {label for t in figures.yearly_figures(YEAR).tables for label, _ in t.rows}
    rows = [line.split() for line in text.splitlines() if line.split() and line.split()[0] in labels]
    assert len(rows) > 20
    assert not [row for row in rows if set(row[1:]) & {"1", "2", "3", "4"}]


def test_a_case_worker_sees_the_figures(client, worker):
    client.force_login(worker)
    assert client.get(reverse("cases:figures")).status_code == 200


@pytest.mark.parametrize("roles", [["コーディネーター"], ["協議体事務局"], ["受託団体"], ["コーディネーター", "相談支援員"]])
def test_coordinators_and_the_secretariat_get_404_on_the_figures(client, roles):
    client.force_login(UserFactory(username="nope", roles=roles))
    for name in ("cases:figures", "cases:figures_xlsx", "cases:figures_pdf"):
        assert client.get(reverse(name)).status_code == 404, name
    assert reverse("cases:figures") not in client.get(reverse("portal:home")).content.decode()


def test_a_bad_year_is_a_message_on_the_page_and_404_for_a_download(client, city_staff):
    with time_machine.travel(NOW):
        client.force_login(city_staff)
        for bad in ("0", "1999", "2101", "abcd", "２０２６", "99999", "2026.5"):
            page = client.get(reverse("cases:figures"), {"year": bad})
            assert page.status_code == 200
            text = page.content.decode()
            assert "西暦4桁で指定してください" in text and "令和9年度" in text  # the current 年度 instead
            assert client.get(reverse("cases:figures_xlsx"), {"year": bad}).status_code == 404
            assert client.get(reverse("cases:figures_pdf"), {"year": bad}).status_code == 404


def _queries_for_figures(n_cases, worker):
    with time_machine.travel(NOW):
        _open(n_cases, worker, received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
              programs=["comprehensive", "participation"])
    with CaptureQueriesContext(connection) as queries:
        figures.yearly_figures(YEAR)
    return len(queries)


def test_the_figures_take_a_fixed_number_of_queries(worker):
    few = _queries_for_figures(10, worker)
    many = _queries_for_figures(90, worker)  # 100 cases in all
    assert few == many == 6


def test_referrals_are_counted_by_basis_and_answer_with_small_counts_hidden(worker):
    """連携シート sent in the 年度: six under consent, five accepted and one returned; the one
    returned is hidden, and so is enough of the rest that 6 - 5 - 0 does not give it away."""
    from tests.factories import ConsentFactory

    agency = AgencyFactory()
    colleague = UserFactory(username="fig-agency", roles=["相談支援員"], organisation=agency.organisation)
    with time_machine.travel(dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)):
        for n in range(6):
            case = CaseFactory(by=worker)
            ConsentFactory(case=case, agencies=[agency], given_on=dt.date(2026, 5, 1))
            referral = services.referral_send(case=case, agency=agency, items=["problems"], purpose="就労の相談",
                                              basis="consent", by=worker)
            if n < 5:
                services.referral_accept(referral=referral, by=colleague)
            else:
                services.referral_return(referral=referral, reason="担当外のため", by=colleague)
    raw = _raw(2026)
    assert (raw["referral.consent.total"], raw["referral.consent.sent"], raw["referral.consent.accepted"],
            raw["referral.consent.returned"]) == (6, 0, 5, 1)
    assert raw["referral.swl_106_6.total"] == raw["referral.child_25_2.total"] == 0  # every basis of the registry
    shown = _table(figures.yearly_figures(2026), "連携シート（その年度に送付したもの、共有の根拠別）")["本人の同意"]
    assert shown[3] == figures.UNDER_FIVE
    numbers = [cell for cell in shown if isinstance(cell, int)]
    assert not (6 in numbers and 5 in numbers), shown  # 6 - 5 - 0 would give the hidden 1 away


# --- 事業 of cases and plans ------------------------------------------------------------------


def test_a_case_is_comprehensive_unless_the_worker_chooses(worker):
    case = CaseFactory(by=worker)
    assert list(case.program_rows.values_list("program", flat=True)) == ["comprehensive"]
    other = CaseFactory(by=worker, programs=["outreach", "participation", "outreach"])
    assert sorted(other.program_rows.values_list("program", flat=True)) == ["outreach", "participation"]


@pytest.mark.parametrize("programs", [[], ["nope"]])
def test_no_or_an_unknown_program_is_refused_in_japanese(worker, programs):
    from municipality.errors import DomainError

    with pytest.raises(DomainError, match="事業を1つ以上選んでください"):
        CaseFactory(by=worker, programs=programs)
    assert not Case.objects.exists()


def test_the_database_refuses_an_unknown_or_repeated_program(worker):
    from django.db import IntegrityError, transaction

    from consultations.models import CaseProgram

    case = CaseFactory(by=worker)
    for program in ("nope", "comprehensive"):
        with pytest.raises(IntegrityError), transaction.atomic():
            CaseProgram.objects.create(case=case, program=program)


def test_a_plan_takes_the_case_programs_or_its_own_which_the_case_then_carries(worker):
    case = CaseFactory(by=worker, programs=["comprehensive", "outreach"])
    plan = services.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1),
                               by=worker)
    assert sorted(plan.program_rows.values_list("program", flat=True)) == ["comprehensive", "outreach"]
    plan.status = "superseded"
    plan.save()
    second = services.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1),
                                 by=worker, programs=["participation"])
    assert list(second.program_rows.values_list("program", flat=True)) == ["participation"]
    assert sorted(case.program_rows.values_list("program", flat=True)) == ["comprehensive", "outreach", "participation"]


def test_the_intake_and_plan_forms_record_the_programs_and_the_case_page_shows_them(client, worker):
    from tests.once import once

    AgencyFactory()
    client.force_login(worker)
    response = client.post(reverse("cases:intake"), {
        "received_on": "2026-06-01", "route": "phone", "domains": ["elderly"], "programs": ["comprehensive", "outreach"],
        "person_name": "架空 花子", "presenting_problems": "相談", **once()})
    assert response.status_code == 302
    case = Case.objects.get()
    response = client.post(reverse("cases:plan", args=[case.pk]), {
        "goals": "g", "policy": "p", "contents": "c", "monitoring_on": "2026-09-01", "programs": ["participation"],
        **once()})
    assert response.status_code == 302, response.content.decode()
    assert list(case.plans.get().program_rows.values_list("program", flat=True)) == ["participation"]
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "包括的相談支援事業、アウトリーチ等を通じた継続的支援事業、参加支援事業" in page


def test_an_intake_posted_without_a_program_is_comprehensive(client, worker):
    from tests.once import once

    client.force_login(worker)
    response = client.post(reverse("cases:intake"), {
        "received_on": "2026-06-01", "route": "phone", "domains": ["elderly"], "person_name": "架空 花子",
        "presenting_problems": "相談", **once()})
    assert response.status_code == 302
    assert list(Case.objects.get().program_rows.values_list("program", flat=True)) == ["comprehensive"]


def test_an_unknown_program_on_the_intake_form_is_refused_in_japanese(client, worker):
    from tests.once import once

    client.force_login(worker)
    response = client.post(reverse("cases:intake"), {
        "received_on": "2026-06-01", "route": "phone", "domains": ["elderly"], "programs": ["nope"],
        "person_name": "架空 花子", "presenting_problems": "相談", **once()})
    assert response.status_code == 200 and not Case.objects.exists()
    assert "nope" in response.content.decode() and "選択してください" in response.content.decode()
