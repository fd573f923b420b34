import pytest
from django.urls import reverse

from activities.models import SocialResource
from municipality.models import Area, ImportRun, Organisation
from tests.imports.helpers import confirm, import_file, preview, xlsx

pytestmark = pytest.mark.django_db

AREA_HEADERS = ["区域コード", "区域名", "層", "上位の区域コード", "区域の単位", "担当の地域包括支援センター", "表示順"]


@pytest.fixture
def staff(client, city_staff):
    client.force_login(city_staff)
    return client


def test_areas_preview_saves_nothing_and_confirm_saves(staff):
    content = xlsx(AREA_HEADERS, [["L1", "汐見市全域", 1, "", "", "", 0],
                                  ["L2-01", "汐見中央地区", 2, "L1", "", "汐見中央地域包括支援センター", 1]])
    shown = preview(staff, "areas", content, "areas.xlsx")
    assert shown.status_code == 200
    assert [r.action for r in shown.context["outcome"].rows] == ["new", "new"]
    assert not Area.objects.exists()
    done = confirm(staff, "areas", shown)
    assert done.status_code == 302
    assert set(Area.objects.values_list("code", flat=True)) == {"L1", "L2-01"}
    assert ImportRun.objects.get().created_count == 2


def test_unknown_parent_refuses_the_whole_file(staff):
    content = xlsx(AREA_HEADERS, [["L1", "汐見市全域", 1, "", "", "", 0],
                                  ["L2-01", "汐見中央地区", 2, "LX", "", "", 1]])
    shown = preview(staff, "areas", content, "areas.xlsx")
    rows = shown.context["outcome"].refused_rows
    assert [(r.line, r.reasons) for r in rows] == [
        (3, ["区域コード「LX」の区域が登録されていません。先に区域を取り込んでください。"])]
    confirm(staff, "areas", shown, valid_rows_only=True)
    assert list(Area.objects.values_list("code", flat=True)) == ["L1"]


def test_resources_and_organisations(staff):
    import_file(staff, "areas", xlsx(AREA_HEADERS, [["L1", "汐見市全域", 1, "", "", "", 0],
                                                     ["L2-01", "汐見中央地区", 2, "L1", "", "", 1]]), "a.xlsx")
    import_file(staff, "organisations", xlsx(["名称", "法人格"], [["汐見市社会福祉協議会", "社会福祉法人"]]), "o.xlsx")
    assert Organisation.objects.get().legal_form == "社会福祉法人"
    import_file(staff, "resources", xlsx(["名称", "提供主体の種類", "区域", "提供している内容"],
                                         [["ふれあいサロン", "サロン", "汐見中央地区", "茶話会"]]), "r.xlsx")
    assert SocialResource.objects.get().area.code == "L2-01"


def test_pages_answer(staff):
    assert staff.get(reverse("admin:imports_index")).status_code == 200
    assert staff.get(reverse("admin:imports_upload", args=["areas"])).status_code == 200
    assert staff.get(reverse("admin:imports_template", args=["areas", "xlsx"])).status_code == 200
    assert staff.get(reverse("admin:imports_template", args=["areas", "csv"])).status_code == 200
    page = staff.get(reverse("admin:municipality_area_changelist")).content.decode()
    assert "区域の取り込み" in page


def test_resource_rows_cost_a_fixed_number_of_queries(city_staff):
    """Each row of a large resource file costs the same few statements (the area is looked up once)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from municipality import importing
    from tests.factories import AreaFactory

    AreaFactory(code="L2-01", name="汐見中央地区")
    ledger = importing.ledger_for("resources")
    headers = ["名称", "提供主体の種類", "区域", "提供している内容"]

    def queries(n: int) -> int:
        content = xlsx(headers, [[f"資源{n}-{i}", "サロン", "L2-01", "茶話会"] for i in range(n)])
        dataset = importing.read_dataset(ledger, filename="r.xlsx", content=content)
        with CaptureQueriesContext(connection) as captured:
            assert importing.run(ledger, dataset, by=city_staff, dry_run=False).created == n
        return len(captured.captured_queries)

    ten, twenty = queries(10), queries(20)
    # A savepoint per row (the library's), per row's save (ours: a refused row leaves nothing) and per
    # service; the area (once per run), the resource by name and area, the length check, the
    # insert and its audit-log entry.
    assert (twenty - ten) / 10 <= 12


def test_the_admin_index_leads_city_staff_to_the_import(staff, client, auditor):
    assert reverse("admin:imports_index") in staff.get(reverse("admin:index")).content.decode()
    client.force_login(auditor)
    assert reverse("admin:imports_index") not in client.get(reverse("admin:index")).content.decode()
