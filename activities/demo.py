"""Demo data for activities: 茅ヶ崎 第9条's sub-items, a few resources and needs, and a month of
activities for the demo coordinator, dated relative to the day it is loaded."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coordinators.models import Coordinator
from municipality.models import Area, Organisation, User

from . import services
from .models import ActivityCategory, Function, Need, SocialResource, month_start

# 茅ヶ崎市生活支援体制整備事業実施要綱 第9条 (seed 000).
CATEGORIES = [
    (Function.A, "(1)ア", "地域の特性及び支援ニーズを把握すること"),
    (Function.A, "(1)イ", "地域における社会資源の掘り起し（実態把握）を行うこと"),
    (Function.A, "(1)ウ", "社会資源の見える化を推進するとともに情報発信を行うこと"),
    (Function.A, "(1)エ", "地域に不足するサービスの創出のための多様な活動主体への働きかけと活動支援を実施すること"),
    (Function.A, "(1)オ", "サービスの担い手となる新たなボランティア等の養成を行うとともに、ボランティア等の組織化を支援すること"),
    (Function.A, "(1)カ", "養成したボランティア等へ、フォロー研修・希望する活動へのマッチング等のアフターフォローを実施すること"),
    (Function.A, "(1)キ", "既存団体の担い手の充実に向けた支援を実施すること"),
    (Function.A, "(1)ク", "元気な高齢者等が担い手として活動する場を確保すること"),
    (Function.A, "(1)ケ", "地域住民等への意識啓発及び事業に係る情報提供を実施すること"),
    (Function.B, "(2)ア", "関係機関等並びにサービス提供主体間のネットワークを構築すること"),
    (Function.B, "(2)イ", "関係機関等及びサービス提供主体間の情報共有、連携、協働を推進する協議体を運営すること"),
    (Function.C, "(3)ア", "地域の支援ニーズ等の把握に努めること"),
    (Function.C, "(3)イ", "地域の支援ニーズ等とサービス提供主体の活動のマッチングを行うこと"),
    (Function.OTHER, "(4)ア", "協議体に必要な報告を行うとともに、連携・協働して事業を推進すること"),
    (Function.OTHER, "(4)イ", "市への報告及び市民への説明を行うこと"),
]


def load(out) -> None:
    for order, (function, code, label) in enumerate(CATEGORIES, start=1):
        ActivityCategory.objects.get_or_create(code=code, defaults={"function": function, "label": label,
                                                                    "sort_order": order})
    coordinator = Coordinator.objects.filter(user__username="coordinator").first()
    if coordinator is None or coordinator.activities.exists():
        out.write("活動記録のデモデータは登録済みです。")
        _load_public_directory(out)
        return
    user = User.objects.get(username="coordinator")
    shakyo = Organisation.objects.get(name="汐見市社会福祉協議会")
    chuo, minami = Area.objects.get(code="L2-01"), Area.objects.get(code="L2-02")
    salon = SocialResource.objects.create(name="ひだまりサロン", provider_kind="salon", area=chuo,
                                          offers="毎週水曜の茶話会と体操（10時〜12時、公民館）",
                                          contact="公民館 0467-00-1111", registered_by=shakyo)
    SocialResource.objects.create(name="おたすけ隊しおみ", provider_kind="volunteer", area=minami,
                                  offers="ごみ出し・電球交換など30分程度の困りごとの手伝い", contact="社協 0467-00-1234",
                                  registered_by=shakyo)
    SocialResource.objects.create(name="汐見生協 移動販売", provider_kind="coop", area=minami,
                                  offers="火曜・金曜の移動販売車（南地区の3か所）", registered_by=shakyo)
    Need.objects.create(title="坂の上の地区で買い物に行けない高齢者がいる", area=minami,
                               raised_by="民生委員", raised_on=timezone.localdate() - dt.timedelta(days=20),
                               recorded_by=coordinator)
    Need.objects.create(title="男性が参加しやすい集いの場がほしい", area=chuo, raised_by="サロン参加者",
                        raised_on=timezone.localdate() - dt.timedelta(days=10), recorded_by=coordinator)

    categories = {c.code: c for c in ActivityCategory.objects.all()}
    today = timezone.localdate()
    start = month_start(month_start(today) - dt.timedelta(days=1))  # last month, then this month
    plan = [
        (2, chuo, "(1)イ", 90, 0, "公民館の利用団体を訪ね、活動内容と担い手の状況を聞き取った。"),
        (5, minami, "(3)ア", 60, 3, "民生委員3人と坂の上の地区の買い物の困りごとを共有した。"),
        (9, chuo, "(2)イ", 120, 14, "第2層協議体（汐見中央地区）を開催。見守りの情報共有ルールを協議。"),
        (14, minami, "(3)イ", 45, 0, "移動販売の停車場所の追加について生協と相談した。"),
        (20, chuo, "(1)ケ", 60, 25, "ひだまりサロンで地域の支え合い活動を紹介した。"),
    ]
    logged = 0
    for month in (start, month_start(today)):
        for offset, area, code, minutes, participants, narrative in plan:
            day = month + dt.timedelta(days=offset - 1)
            if day > today:
                continue
            services.activity_log(
                coordinator=coordinator, by=user, date=day, minutes=minutes, area=area, category=categories[code],
                participants=participants, narrative=narrative, follow_up_on=None,
                resources=[salon] if code == "(1)ケ" else [],
            )
            logged += 1
    # Cooperation across areas (茅ヶ崎 第8条2項): with the colleague of the neighbouring area, marked,
    # counted under 南地区 (her own) and shown under the other area too.
    neighbour = Area.objects.filter(code="L2-03").first()
    if neighbour is not None:
        services.activity_log(
            coordinator=coordinator, by=user, date=start + dt.timedelta(days=21), minutes=90, area=neighbour,
            cross_area=True, home_area=minami, category=categories["(2)ア"], participants=8, follow_up_on=None,
            narrative="隣の地区の担当者と合同で、両地区の見守り団体の連絡会を開いた。",
        )
        logged += 1
    services.report_submit(coordinator=coordinator, month=start, by=user)
    out.write(f"活動記録 {logged}件（うち区域を越えた連携 1件）、社会資源 3件、地域ニーズ 2件を登録し、先月の報告を提出済みにしました。")
    _load_public_directory(out)


# The public 社会資源 directory (issue 17): resources in three areas, each with the fields written for
# residents. The internal 連絡先 names a person, as real ones do; the public page never shows it.
PUBLIC_RESOURCES = [
    ("L2-01", "ひだまりサロン", "salon", "毎週水曜 10時〜12時、汐見中央公民館で茶話会と体操。どなたでも参加できます（参加費100円）。",
     "汐見市社会福祉協議会 地域福祉係", "0467-00-1111", "担当 佐藤 和子 090-0000-1111"),
    ("L2-01", "中央地区 見守りネットワーク", "neighbourhood", "自治会と民生委員による声かけ・見守り。気になる方がいればご連絡ください。",
     "汐見中央地域包括支援センター", "0467-00-2222", "会長 鈴木 一郎"),
    ("L2-02", "おたすけ隊しおみ", "volunteer", "ごみ出し・電球交換など30分程度の困りごとのお手伝い（1回300円）。",
     "汐見市社会福祉協議会 ボランティアセンター", "0467-00-1234", "代表 高橋 ゆき 080-0000-2222"),
    ("L2-02", "汐見生協 移動販売", "coop", "火曜・金曜に移動販売車が南地区の3か所をまわります（食料品・日用品）。",
     "汐見生活協同組合 移動販売係", "0467-00-3333", ""),
    ("L2-03", "海岸ふれあい食堂", "npo", "第2・第4土曜の昼、海岸集会所で食事会（会食・お弁当の持ち帰り可、300円）。",
     "NPO法人 海岸ふれあいの会 事務局", "0467-00-4444", "事務局 田中 健 090-0000-3333"),
    ("L2-03", "浜の体操クラブ", "salon", "毎週月曜 9時半から、海岸公園でラジオ体操と軽い運動。雨の日は集会所で。",
     "海岸地域包括支援センター", "0467-00-5555", ""),
]


def _load_public_directory(out) -> None:
    """Mark the demo's public resources (idempotent: found by name in their area)."""
    shakyo = Organisation.objects.filter(name="汐見市社会福祉協議会").first()
    by = User.objects.filter(username="coordinator").first()
    if by is None:
        return
    listed = 0
    for code, name, kind, description, window, phone, contact in PUBLIC_RESOURCES:
        area = Area.objects.filter(code=code).first()
        if area is None:
            continue
        resource = SocialResource.objects.filter(area=area, name=name).first() or SocialResource(
            area=area, name=name, provider_kind=kind, offers=description, contact=contact, registered_by=shakyo)
        if resource.is_public:
            continue
        resource.is_public, resource.public_description = True, description
        resource.public_window, resource.public_phone = window, phone
        if contact and not resource.contact:
            resource.contact = contact
        services.resource_save(resource=resource, by=by)
        listed += 1
    if listed:
        out.write(f"社会資源一覧（公開）に3つの区域の社会資源 {listed}件を載せました。")
