"""A city moves in: its ledgers, written here as xlsx files from data held in this test (not read
from any database), imported into an empty database through the admin's pages; then the same files
with ten deliberate errors, one per kind of rule, which import nothing and list exactly those rows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from activities.models import SocialResource
from coordinators.models import Appointment, Certificate, Coordinator, TrainingRecord
from councils.models import Membership
from municipality.importing import ledger_for
from municipality.models import Area, ImportRun, Organisation
from tests.factories import PlanPeriodFactory
from tests.imports.helpers import confirm, import_file, preview, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TODAY = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)

KOUREI = "汐見市福祉部高齢福祉介護課"
SHAKYO = "社会福祉法人汐見市社会福祉協議会"
NPO = "特定非営利活動法人ＮＰＯサポートしおみ"
ROUJIN = "汐見市老人クラブ連合会"
CONTRACT_S = "汐見市地域支え合い推進員配置業務委託（中央・南）"
CONTRACT_N = "汐見市地域支え合い推進員配置業務委託（海岸・松林）"
COUNCIL = "汐見市第1層協議体"

# The ledgers of 汐見市 (the demo city), as its staff keep them in Excel: each a header row and rows.
LEDGERS: dict[str, tuple[list[str], list[list[object]]]] = {
    "areas": (["区域コード", "区域名", "層", "上位の区域コード", "区域の単位", "担当の地域包括支援センター", "表示順"], [
        ["L1", "汐見市全域", 1, "", "", "", 0],
        ["L2-01", "汐見中央地区", 2, "L1", "まちぢから協議会区域", "汐見中央地域包括支援センター", 1],
        ["L2-02", "汐見南地区", 2, "L1", "まちぢから協議会区域", "汐見中央地域包括支援センター", 2],
        ["L2-03", "海岸地区", 2, "L1", "まちぢから協議会区域", "海岸地域包括支援センター", 3],
        ["L2-04", "松林地区", 2, "L1", "まちぢから協議会区域", "松林地域包括支援センター", 4],
    ]),
    "organisations": (["名称", "名称（ふりがな）", "法人格", "市の部署", "所在地", "代表者の職名", "代表者の氏名", "電話番号"], [
        [KOUREI, "しおみしふくしぶこうれいふくしかいごか", "地方公共団体", "はい", "", "", "", ""],
        [SHAKYO, "しおみししゃかいふくしきょうぎかい", "社会福祉法人", "いいえ", "汐見市汐見中央一丁目2番3号", "会長",
         "海野 和夫", "0467-00-1234"],
        [NPO, "えぬぴーおーさぽーとしおみ", "特定非営利活動法人", "", "汐見市松林二丁目8番1号", "理事長", "浜田 千春",
         "0467-00-5678"],
        [ROUJIN, "しおみしろうじんくらぶれんごうかい", "任意団体", "いいえ", "", "", "", ""],
    ]),
    "contracts": (["受託団体", "契約名", "層", "区域コード", "委託期間（開始）", "委託期間（終了）", "状態"], [
        [SHAKYO, CONTRACT_S, "第2層", "L2-01、L2-02", dt.datetime(2024, 4, 1), "令和9年3月31日", "締結済"],
        [NPO, CONTRACT_N, "第2層", "L2-03,L2-04", "2024-04-01", "2027/3/31", ""],
    ]),
    "coordinators": ([
        "氏名", "ふりがな", "生年月日", "職名", "層", "所属団体", "委託契約名", "担当区域コード", "選任年月日", "解任年月日",
        "証番号", "証の交付日", "証の有効期間（開始）", "証の有効期間（終了）"], [
        ["髙橋 美咲", "たかはし みさき", "昭和55年2月3日", "主査", "第1層", KOUREI, "", "L1", "令和6年4月1日", "",
         "令和8-001", "令和8年4月1日", "", "令和9年3月31日"],
        ["山﨑 健", "やまさき けん", dt.datetime(1979, 7, 21), "主任", "第2層", SHAKYO, CONTRACT_S, "L2-01、L2-02",
         "2024-04-01", "", "令和6-001", "2024-04-01", "", "2027-03-31"],
        ["松本 さくら", "まつもと さくら", "1984-06-12", "", "第2層", NPO, CONTRACT_N, "L2-03", "令和6年4月1日",
         "令和7年9月30日", "令和6-002", "令和6年4月1日", "", "令和9年3月31日"],
        ["浜田 千春", "はまだ ちはる", "1970-11-30", "", "第2層", NPO, CONTRACT_N, "L2-03、L2-04", "令和7年10月1日", "",
         "令和7-001", "令和7年10月1日", "", "令和9年3月31日"],
    ]),
    "training": (["氏名", "生年月日", "研修名", "実施主体", "受講必須", "修了日", "備考"], [
        ["山﨑 健", "1979-07-21", "生活支援コーディネーター養成研修", "都道府県", "はい", "令和6年10月15日", ""],
        ["浜田 千春", "1970-11-30", "生活支援コーディネーター養成研修", "", "", "令和7年11月20日", "フォローアップ含む"],
    ]),
    "resources": (["名称", "提供主体の種類", "区域", "提供している内容", "連絡先", "状態"], [
        ["ふれあいサロン汐見", "サロン", "L2-01", "毎週火曜の茶話会と体操", "0467-00-1111", "活動中"],
        ["汐見南見守り隊", "自治会・町内会", "汐見南地区", "一人暮らし高齢者の見守り", "", ""],
        ["海岸買い物支援", "NPO", "L2-03", "週2回の買い物代行", "0467-00-2222", "活動中"],
        ["松林こども食堂", "ボランティア", "L2-04", "月2回の食堂（高齢者も参加可）", "", "立上げ準備中"],
        ["汐見シルバー家事援助", "その他", "L2-02", "庭木の手入れ・家事援助", "0467-00-3333", "休止中"],
    ]),
    "councils": (["名称", "層", "区域コード", "設置の類型", "既存の会議体を活用", "活用する会議体の名称", "構成員の定数"], [
        [COUNCIL, "第1層", "L1", "住民・行政等協働型", "いいえ", "", 3],
        ["汐見中央地区協議体", "第2層", "L2-01", "社会福祉協議会型", "はい", "汐見中央まちぢから協議会", ""],
    ]),
    "members": (["協議体", "氏名", "ふりがな", "所属団体", "任期の始まり", "任期の終わり", "メールアドレス"], [
        [COUNCIL, "海野 和夫", "うみの かずお", SHAKYO, "令和6年4月1日", "", "umino@example.jp"],
        [COUNCIL, "浜田 千春", "はまだ ちはる", NPO, "令和6年4月1日", "令和9年3月31日", ""],
        [COUNCIL, "老松 一郎", "おいまつ いちろう", ROUJIN, "令和7年4月1日", "", ""],
    ]),
}
ORDER = ["areas", "organisations", "contracts", "coordinators", "training", "resources", "councils", "members"]


def with_row(key: str, row: list[object], *, at: int | None = None, replace: int | None = None) -> list[list[object]]:
    rows = [list(r) for r in LEDGERS[key][1]]
    if replace is not None:
        rows[replace] = row
    else:
        rows.insert(len(rows) if at is None else at, row)
    return rows


# Ten errors, one per kind of rule: (ledger, rows of the bad file, {line: reason}).
ERRORS: list[tuple[str, list[list[object]], dict[int, str]]] = [
    ("areas", with_row("areas", ["L3-01", "汐見中央一丁目", 3, "L2-99", "", "", 9]),
     {7: "区域コード「L2-99」の区域が登録されていません。先に区域を取り込んでください。"}),
    ("areas", with_row("areas", ["L2-02", "汐見南地区", 2, "L1", "", "", 2]),
     {7: "4行目と同じものです（重複）。"}),
    ("organisations", with_row("organisations", ["汐見市シルバー人材センター", "", "有限会社", "", "", "", "", ""]),
     {6: "「法人格」は次のいずれかにしてください：地方公共団体、社会福祉法人、特定非営利活動法人、一般社団法人、"
         "公益社団法人、株式会社、協同組合、任意団体、その他（「有限会社」）。"}),
    ("contracts", with_row("contracts", [ROUJIN, "老人クラブ見守り委託", "第2層", "L2-04", "2024-04-01", "2027-03-31", ""]),
     {4: "汐見市老人クラブ連合会は任意団体のため、委託契約を結べません（法人格が必要です）。"}),
    ("contracts", with_row("contracts", [SHAKYO, "追加の委託", "第2層", "L2-01", "令和6年2月30日", "2027-03-31", ""]),
     {4: "「令和6年2月30日」は日付として読めません。2026-04-01 または 令和8年4月1日 の形で入力してください。"}),
    ("coordinators", with_row("coordinators", [
        "中島 悠", "なかじま ゆう", "1990-01-01", "", "第2層", SHAKYO, CONTRACT_S, "L2-01", "2024-05-01", "2024-06-30",
        "令和7-005", "2024-05-01", "", "2024-06-30"]),
     {6: "証番号「令和7-005」の年度が交付日（令和6年5月1日）の年度と合いません。"}),
    ("coordinators", with_row("coordinators", [
        "中島 悠", "なかじま ゆう", "1990-01-01", "", "第2層", SHAKYO, CONTRACT_S, "L2-01", "2023-04-01", "2023-09-30",
        "", "", "", ""], at=0),
     {2: "在任期間が委託期間（令和6年4月1日〜令和9年3月31日）の外です。"}),
    ("training", with_row("training", ["佐藤 花子", "1985-05-05", "生活支援コーディネーター養成研修", "", "", "2025-01-10", ""]),
     {4: "佐藤 花子さん（生年月日が同じ方）が登録されていません。先にコーディネーターを取り込んでください。"}),
    ("resources", with_row("resources", ["北ノ台いきいき体操", "サロン", "L9-99", "体操", "", ""]),
     {7: "区域「L9-99」が登録されていません。区域コードか区域名で書いてください。"}),
    ("members", with_row("members", [COUNCIL, "潮田 真一", "うしおだ しんいち", KOUREI, "令和7年4月1日", "", ""]),
     {5: "構成員の定数（3人）を超えるため追加できません。令和7年4月1日には すでに3人が在任しています。"}),
]


@pytest.fixture
def staff(client, city_staff):
    client.force_login(city_staff)
    return client


@pytest.fixture
def settings_of_the_city(db):
    """What is not a ledger: the plan periods (the municipality's settings)."""
    PlanPeriodFactory(number=9)
    PlanPeriodFactory(number=10)


def import_ledger(staff, key: str, rows=None) -> None:
    headers, good = LEDGERS[key]
    _, done = import_file(staff, key, xlsx(headers, rows if rows is not None else good), f"{key}.xlsx")
    assert done.status_code == 302, done.content[:300]


@time_machine.travel(TODAY, tick=False)
def test_the_demo_citys_ledgers_are_recreated(staff, settings_of_the_city):
    for key in ORDER:
        import_ledger(staff, key)

    assert sorted(Area.objects.values_list("code", "name", "layer", "parent__code", "support_center", "sort_order")) == [
        ("L1", "汐見市全域", 1, None, "", 0),
        ("L2-01", "汐見中央地区", 2, "L1", "汐見中央地域包括支援センター", 1),
        ("L2-02", "汐見南地区", 2, "L1", "汐見中央地域包括支援センター", 2),
        ("L2-03", "海岸地区", 2, "L1", "海岸地域包括支援センター", 3),
        ("L2-04", "松林地区", 2, "L1", "松林地域包括支援センター", 4),
    ]
    assert sorted(Organisation.objects.values_list("name", "legal_form", "is_city_department")) == sorted([
        (KOUREI, "地方公共団体", True), (SHAKYO, "社会福祉法人", False), (NPO, "特定非営利活動法人", False),
        (ROUJIN, "任意団体", False),
    ])
    assert Organisation.objects.get(name=SHAKYO).representative_name == "海野 和夫"
    assert sorted(Coordinator.objects.values_list("name", "birth_date", "employer__name", "layer")) == sorted([
        ("髙橋 美咲", dt.date(1980, 2, 3), KOUREI, 1), ("山﨑 健", dt.date(1979, 7, 21), SHAKYO, 2),
        ("松本 さくら", dt.date(1984, 6, 12), NPO, 2), ("浜田 千春", dt.date(1970, 11, 30), NPO, 2),
    ])
    assert sorted((a.coordinator.name, a.start, a.end, a.contract.title if a.contract else "",
                   sorted(x.code for x in a.areas.all())) for a in Appointment.objects.all()) == sorted([
        ("髙橋 美咲", dt.date(2024, 4, 1), None, "", ["L1"]),
        ("山﨑 健", dt.date(2024, 4, 1), None, CONTRACT_S, ["L2-01", "L2-02"]),
        ("松本 さくら", dt.date(2024, 4, 1), dt.date(2025, 9, 30), CONTRACT_N, ["L2-03"]),
        ("浜田 千春", dt.date(2025, 10, 1), None, CONTRACT_N, ["L2-03", "L2-04"]),
    ])
    assert sorted(Certificate.objects.values_list("number", "coordinator__name", "issued_on", "valid_from",
                                                  "valid_until", "status")) == [
        ("令和6-001", "山﨑 健", dt.date(2024, 4, 1), dt.date(2024, 4, 1), dt.date(2027, 3, 31), "valid"),
        ("令和6-002", "松本 さくら", dt.date(2024, 4, 1), dt.date(2024, 4, 1), dt.date(2027, 3, 31), "returned"),
        ("令和7-001", "浜田 千春", dt.date(2025, 10, 1), dt.date(2025, 10, 1), dt.date(2027, 3, 31), "valid"),
        ("令和8-001", "髙橋 美咲", dt.date(2026, 4, 1), dt.date(2026, 4, 1), dt.date(2027, 3, 31), "valid"),
    ]
    # The next certificate of 令和8年度 continues the imported numbers.
    from coordinators.models import CertificateSequence
    assert CertificateSequence.objects.get(fiscal_year=2026).last_serial == 1
    assert TrainingRecord.objects.count() == 2
    assert sorted(SocialResource.objects.values_list("name", "area__code", "provider_kind", "status")) == sorted([
        ("ふれあいサロン汐見", "L2-01", "salon", "active"), ("汐見南見守り隊", "L2-02", "neighbourhood", "active"),
        ("海岸買い物支援", "L2-03", "npo", "active"), ("松林こども食堂", "L2-04", "volunteer", "planned"),
        ("汐見シルバー家事援助", "L2-02", "other", "paused"),
    ])
    assert sorted(Membership.objects.values_list("person__name", "organisation__name", "start", "end")) == sorted([
        ("海野 和夫", SHAKYO, dt.date(2024, 4, 1), dt.date(2027, 3, 31)),
        ("浜田 千春", NPO, dt.date(2024, 4, 1), dt.date(2027, 3, 31)),
        ("老松 一郎", ROUJIN, dt.date(2025, 4, 1), dt.date(2027, 3, 31)),
    ])
    from councils.models import Council
    assert sorted(Council.objects.values_list("name", "layer", "area__code", "setup_type", "existing_body_name",
                                              "cap")) == sorted([
        (COUNCIL, 1, "L1", "residents_government", "", 3),
        ("汐見中央地区協議体", 2, "L2-01", "social_welfare_council", "汐見中央まちぢから協議会", 20),
    ])
    runs = list(ImportRun.objects.order_by("imported_at", "pk").values_list("ledger", "created_count", "saved"))
    assert runs == [(k, len(LEDGERS[k][1]), True) for k in ORDER]


@time_machine.travel(TODAY, tick=False)
def test_ten_deliberate_errors_import_nothing_and_are_listed(staff, settings_of_the_city):
    listed: list[tuple[str, int, list[str]]] = []
    expected: list[tuple[str, int, list[str]]] = []
    for key in ORDER:
        for _, rows, reasons in [e for e in ERRORS if e[0] == key]:
            headers = LEDGERS[key][0]
            before = ImportRun.objects.count()
            shown = preview(staff, key, xlsx(headers, rows), f"{key}-with-errors.xlsx")
            outcome = shown.context["outcome"]
            listed += [(key, row.line, row.reasons) for row in outcome.refused_rows]
            expected += [(key, line, [reason]) for line, reason in reasons.items()]
            # Asked to import everything, the file is refused as a whole: nothing is kept.
            model = ledger_for(key).model
            count = _count(model)
            answer = confirm(staff, key, shown)
            assert answer.status_code == 200
            assert _count(model) == count
            assert ImportRun.objects.count() == before + 1
            assert not ImportRun.objects.latest("pk").saved
        import_ledger(staff, key)  # the good file, so that the next ledger finds what it names
    assert listed == expected, "\n".join(map(str, listed))
    assert len(listed) == 10


def _count(model_label: str) -> int:
    from django.apps import apps

    return apps.get_model(model_label).objects.count()
