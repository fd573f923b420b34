"""Demo data for the shared part: a fictional municipality, 汐見市.

汐見市 is invented; its rules follow 茅ヶ崎市's 要綱 (seed 000): 第1層 is the city,
第2層 the まちぢから協議会 areas, and the 協議体's member bodies are the 別表 with the
city's name put in. Every function is idempotent: a second run changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from . import wareki
from .models import Area, CoordinatorTerm, LegalForm, Municipality, Organisation, PlanPeriod, User
from .roles import ADMIN_ROLES, Role

CITY = "汐見市"

SECOND_LAYER_AREAS = [
    # (code, name, 地域包括支援センター)
    ("L2-01", "汐見中央地区", "汐見中央地域包括支援センター"),
    ("L2-02", "汐見南地区", "汐見中央地域包括支援センター"),
    ("L2-03", "海岸地区", "海岸地域包括支援センター"),
    ("L2-04", "松林地区", "松林地域包括支援センター"),
    ("L2-05", "浜見平地区", "海岸地域包括支援センター"),
    ("L2-06", "東浦地区", "東浦地域包括支援センター"),
    ("L2-07", "西浦地区", "東浦地域包括支援センター"),
    ("L2-08", "北ノ台地区", "北ノ台地域包括支援センター"),
    ("L2-09", "小川地区", "北ノ台地域包括支援センター"),
    ("L2-10", "梅が丘地区", "梅が丘地域包括支援センター"),
    ("L2-11", "鶴見台地区", "梅が丘地域包括支援センター"),
    ("L2-12", "香川原地区", "香川原地域包括支援センター"),
    ("L2-13", "南浜地区", "香川原地域包括支援センター"),
]

# 別表（第13条関係）of seed 000, with 汐見市 in place of 茅ヶ崎市.
MEMBER_BODIES = [
    ("汐見市福祉部福祉政策課", LegalForm.LOCAL_GOVERNMENT, True),
    ("汐見市福祉部高齢福祉介護課", LegalForm.LOCAL_GOVERNMENT, True),
    ("汐見市第１層地域支え合い推進員", LegalForm.LOCAL_GOVERNMENT, True),
    ("汐見市第２層地域支え合い推進員", LegalForm.OTHER, False),
    ("汐見介護サービス事業者連絡協議会", LegalForm.VOLUNTARY, False),
    (
        "汐見市介護予防ボランティア（高齢者支援リーダー、歌体操ボランティア、フレイルサポーター等）",
        LegalForm.VOLUNTARY,
        False,
    ),
    ("汐見市社会福祉協議会", LegalForm.SOCIAL_WELFARE_CORPORATION, False),
    ("汐見市シルバー人材センター", LegalForm.PUBLIC_INTEREST_INCORPORATED, False),
    ("汐見市地域包括支援センター管理責任者会", LegalForm.VOLUNTARY, False),
    ("汐見市地区社会福祉協議会連絡協議会", LegalForm.VOLUNTARY, False),
    ("汐見市地区ボランティアセンター連絡会", LegalForm.VOLUNTARY, False),
    ("汐見市福祉相談室連絡会議", LegalForm.VOLUNTARY, False),
    ("汐見ボランティア連絡会", LegalForm.VOLUNTARY, False),
    ("汐見市まちぢから協議会連絡会", LegalForm.VOLUNTARY, False),
    ("汐見市民生委員児童委員協議会", LegalForm.VOLUNTARY, False),
    ("汐見市老人クラブ連合会", LegalForm.VOLUNTARY, False),
    ("特定非営利活動法人ＮＰＯサポートしおみ", LegalForm.NPO, False),
]

ORGANISATION_DETAILS = {
    "汐見市社会福祉協議会": {
        "name_kana": "しおみししゃかいふくしきょうぎかい",
        "address": "汐見市汐見中央一丁目2番3号",
        "representative_title": "会長",
        "representative_name": "海野 和夫",
        "phone": "0467-00-1234",
    },
    "特定非営利活動法人ＮＰＯサポートしおみ": {
        "name_kana": "えぬぴーおーさぽーとしおみ",
        "address": "汐見市松林二丁目8番1号",
        "representative_title": "理事長",
        "representative_name": "浜田 千春",
        "phone": "0467-00-5678",
    },
    # Its phone and mail are what the notices of its councils and 定例会 print as the RSVP contact.
    "汐見市福祉部高齢福祉介護課": {"address": "汐見市汐見中央一丁目1番1号", "representative_title": "課長",
                                 "phone": "0467-00-0100", "email": "koureifukushi@example.jp"},
    "汐見市福祉部福祉政策課": {"address": "汐見市汐見中央一丁目1番1号", "representative_title": "課長"},
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: Role
    organisation: str
    areas: tuple[str, ...] = ()
    job_title: str = ""
    also: tuple[Role, ...] = ()  # further roles (the team lead is a 相談支援員 too)


DEMO_USERS = [
    DemoUser("city", "高橋 美和", Role.CITY_STAFF, "汐見市福祉部高齢福祉介護課", job_title="主査"),
    DemoUser("contractor", "海野 誠", Role.CONTRACTOR, "汐見市社会福祉協議会", job_title="事務局長"),
    DemoUser("coordinator", "松本 さくら", Role.COORDINATOR, "汐見市社会福祉協議会", ("L2-01", "L2-02"), "地域福祉係"),
    # A second coordinator, who has not sent last month's report (the report reminder shows).
    DemoUser("coordinator2", "井上 大輔", Role.COORDINATOR, "汐見市社会福祉協議会", ("L2-03", "L2-04"), "地域福祉係"),
    DemoUser("secretariat", "佐藤 健一", Role.SECRETARIAT, "汐見市福祉部高齢福祉介護課", ("L1",), "第１層推進員"),
    DemoUser("caseworker", "中村 由紀", Role.CASE_WORKER, "汐見市福祉部福祉政策課", job_title="福祉総合相談担当"),
    DemoUser("caselead", "山口 恵子", Role.CASE_LEAD, "汐見市福祉部福祉政策課", job_title="福祉総合相談 主任",
             also=(Role.CASE_WORKER,)),
    DemoUser("auditor", "小林 修", Role.AUDITOR, "汐見市福祉部福祉政策課", job_title="個人情報保護担当"),
    DemoUser("npo", "浜田 千春", Role.CONTRACTOR, "特定非営利活動法人ＮＰＯサポートしおみ", job_title="理事長"),
]


def demo_password(username: str) -> str:
    """A password that is stable for one installation (derived from its SECRET_KEY) but not guessable."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo:{username}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:12]


def _upsert(model, lookup: dict, values: dict):
    """get_or_create, then save only the fields that differ, so a second run writes nothing."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [field for field, value in values.items() if getattr(obj, field) != value]
        if changed:
            for field in changed:
                setattr(obj, field, values[field])
            obj.save(update_fields=changed)
    return obj


@transaction.atomic
def load(out) -> None:
    municipality = Municipality.objects.current()
    _upsert(
        Municipality,
        {"pk": municipality.pk},
        {
            "name": CITY,
            "mayor_title": f"{CITY}長",
            "certificate_department": f"{CITY}福祉部高齢福祉介護課",
            "coordinator_term": CoordinatorTerm.SASAEAI,
            "second_layer_basis": "まちぢから協議会区域",
            "plan_name": f"{CITY}高齢者福祉計画・介護保険事業計画",
        },
    )
    for number in (9, 10):
        term = wareki.plan_term(number)
        _upsert(PlanPeriod, {"number": number}, {"start": term.start, "end": term.end})

    city = _upsert(
        Area, {"code": "L1"}, {"name": f"{CITY}全域", "layer": 1, "parent": None, "boundary_basis": "市全域"}
    )
    for order, (code, name, center) in enumerate(SECOND_LAYER_AREAS, start=1):
        _upsert(
            Area,
            {"code": code},
            {"name": name, "layer": 2, "parent": city, "support_center": center, "sort_order": order,
             "boundary_basis": "まちぢから協議会区域"},
        )

    for name, legal_form, is_city in MEMBER_BODIES:
        _upsert(
            Organisation,
            {"name": name},
            {"legal_form": legal_form, "is_city_department": is_city, **ORGANISATION_DETAILS.get(name, {})},
        )

    out.write("デモ利用者（デモ専用のパスワードです。本番では使わないでください）")
    for demo in DEMO_USERS:
        user = _upsert(
            User,
            {"username": demo.username},
            {
                "name": demo.name,
                "email": f"{demo.username}@example.jp",
                "job_title": demo.job_title,
                "organisation": Organisation.objects.get(name=demo.organisation),
                "is_staff": demo.role in ADMIN_ROLES,
            },
        )
        password = demo_password(demo.username)
        if not user.password:  # just created
            user.set_password(password)
            user.save(update_fields=["password"])
        roles = (demo.role, *demo.also)
        if set(user.groups.values_list("name", flat=True)) != {role.value for role in roles}:
            user.groups.set([_group(role) for role in roles])
        wanted_areas = set(Area.objects.filter(code__in=demo.areas).values_list("pk", flat=True))
        if set(user.areas.values_list("pk", flat=True)) != wanted_areas:
            user.areas.set(wanted_areas)
        shown = password if user.check_password(password) else "（変更済みのため表示しません）"
        out.write(f"  {demo.role.label:<10} ログインID: {demo.username:<12} パスワード: {shown}")


def _group(role: Role):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=role.value)
