"""The downloads of the coordinators' lists: the portal's people and contracts, the admin's
coordinators, contracts, certificates and training records."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from coordinators import services
from coordinators.models import CertificateStatus
from tests.factories import TrainingCourseFactory, TrainingRecordFactory
from tests.lifecycle import CONTRACT_START, file_notice

pytestmark = pytest.mark.django_db


def rows_of(response, encoding="utf-8-sig"):
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode(encoding))))


def appoint(contract, contractor, city_user, name, *, certificate=True):
    notice = file_notice(contract, contractor, name=name)
    appointment = services.appointment_notice_accept(notice=notice, accepted_by=city_user)
    if certificate:
        services.certificate_issue(appointment=appointment, issued_by=city_user, issued_on=CONTRACT_START)
    return appointment


def test_the_portal_exports_its_coordinators_and_contracts_of_the_organisation_only(
        client, contract_a, contract_b, contractor_a, contractor_b, city_user):
    appointment = appoint(contract_a, contractor_a, city_user, "山﨑 花子")
    appoint(contract_b, contractor_b, city_user, "他団体の人")
    certificate = appointment.certificates.get()
    client.force_login(contractor_a)
    page = client.get(reverse("coordinators:list")).content.decode()
    assert 'href="?export=csv_cp932" download>CSV（Excel用 Shift_JIS）' in page
    assert 'href="?list=contracts&amp;export=xlsx" download>Excel' in page

    rows = rows_of(client.get(reverse("coordinators:list"), {"export": "csv_cp932"}), "cp932")
    assert rows == [
        ["氏名", "ふりがな", "雇用する団体", "層", "職名", "担当区域", "有効な証", "証の有効期間（終了）"],
        ["山﨑 花子", "まつもと さくら", "社会福祉法人Ａ会", "第2層", "主任", "テスト1地区", certificate.number,
         "令和9年3月31日"],
    ]
    rows = rows_of(client.get(reverse("coordinators:list"), {"export": "csv", "list": "contracts"}))
    assert rows == [
        ["契約名", "受託団体", "層", "区域", "委託期間（開始）", "委託期間（終了）", "状態"],
        [contract_a.title, "社会福祉法人Ａ会", "第2層", "テスト1地区、テスト2地区", "令和8年4月1日", "令和9年3月31日",
         "締結済"],
    ]


def test_the_portal_export_costs_the_same_queries_for_one_person_and_for_six(
        client, contract_a, contractor_a, city_user, django_assert_num_queries):
    appoint(contract_a, contractor_a, city_user, "人0")
    client.force_login(contractor_a)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("coordinators:list"), {"export": "xlsx"})
    for i in range(1, 6):
        appoint(contract_a, contractor_a, city_user, f"人{i}")
    with django_assert_num_queries(len(queries)):
        response = client.get(reverse("coordinators:list"), {"export": "xlsx"})
    assert load_workbook(io.BytesIO(response.content))["名簿"].max_row == 7


def test_the_admin_exports_the_certificates_the_filter_shows_with_date_cells(
        client, contract_a, contractor_a, city_user):
    kept = appoint(contract_a, contractor_a, city_user, "髙橋 一郎").certificates.get()
    returned = appoint(contract_a, contractor_a, city_user, "返した人").certificates.get()
    type(returned).objects.filter(pk=returned.pk).update(status=CertificateStatus.RETURNED)  # as after a 解任届
    client.force_login(city_user)
    url = reverse("admin:coordinators_certificate_changelist")
    rows = rows_of(client.get(url, {"status__exact": "valid", "_export": "csv"}))
    assert rows[0][:5] == ["証番号", "氏名", "層", "交付年度", "交付日"]
    assert rows[1:] == [[kept.number, "髙橋 一郎", "第2層", "令和8年度", "令和8年4月1日", "令和8年4月1日",
                         "令和9年3月31日", "有効", "", "", ""]]
    sheet = load_workbook(io.BytesIO(client.get(url, {"status__exact": "valid", "_export": "xlsx"}).content))["証の交付"]
    assert sheet.max_row == 2 and sheet["E2"].is_date and sheet["E2"].number_format.startswith("[$-ja-JP-x-gannen]")


def test_the_admin_exports_contracts_coordinators_and_training(client, contract_a, contract_b, contractor_a,
                                                               city_user):
    appointment = appoint(contract_a, contractor_a, city_user, "研修を受けた人", certificate=False)
    course = TrainingCourseFactory(name="生活支援コーディネーター養成研修（基礎）")
    TrainingRecordFactory(coordinator=appointment.coordinator, course=course, completed_on=dt.date(2026, 5, 20),
                          note="=HYPERLINK(1)")
    client.force_login(city_user)
    rows = rows_of(client.get(reverse("admin:coordinators_trainingrecord_changelist"), {"_export": "csv"}))
    assert rows == [["氏名", "研修名", "実施主体", "修了日", "備考"],
                    ["研修を受けた人", "生活支援コーディネーター養成研修（基礎）", course.get_provider_display(),
                     "令和8年5月20日", "'=HYPERLINK(1)"]]
    rows = rows_of(client.get(reverse("admin:coordinators_contract_changelist"), {"q": "（Ｂ）", "_export": "csv"}))
    assert [row[:2] for row in rows[1:]] == [[contract_b.title, contract_b.organisation.name]]
    rows = rows_of(client.get(reverse("admin:coordinators_coordinator_changelist"), {"_export": "csv"}))
    assert rows[1][:5] == ["研修を受けた人", "まつもと さくら", "社会福祉法人Ａ会", "第2層", "主任"]


@pytest.mark.parametrize("changelist", ["admin:coordinators_contract_changelist",
                                        "admin:coordinators_coordinator_changelist",
                                        "admin:coordinators_certificate_changelist"])
def test_admin_exports_cost_the_same_queries_for_one_row_and_for_four(
        client, contract_a, contractor_a, city_user, areas, changelist, django_assert_num_queries):
    from tests.factories import ContractFactory

    appoint(contract_a, contractor_a, city_user, "人0")
    client.force_login(city_user)
    url = reverse(changelist)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"_export": "csv"})
    for i in range(1, 4):
        ContractFactory(organisation=contract_a.organisation, areas=areas[:2], title=f"契約{i}")
        appoint(contract_a, contractor_a, city_user, f"人{i}")
    with django_assert_num_queries(len(queries)):
        response = client.get(url, {"_export": "csv"})
    assert len(rows_of(response)) == 5
