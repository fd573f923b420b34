"""Demo data for 重層的支援: the register of agencies and two fictional cases for the demo
相談支援員 — one with consent and an active plan, one without consent (支援会議 only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from municipality.models import LegalForm, Organisation, User

from . import services
from .models import Agency, AgencyKind, AssessmentItem, Case, Timing

AGENCIES = [
    ("汐見中央地域包括支援センター", AgencyKind.SUPPORT_CENTER),
    ("汐見市社会福祉協議会", AgencyKind.SOCIAL_WELFARE_COUNCIL),
    ("汐見市生活支援相談センター", AgencyKind.POVERTY),
    ("障害者相談支援事業所あおば", AgencyKind.DISABILITY),
]


def load(out) -> None:
    for name, kind in AGENCIES:
        organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"legal_form": LegalForm.OTHER})
        Agency.objects.get_or_create(organisation=organisation, defaults={"kind": kind})
    if Case.objects.exists():
        out.write("重層的支援のデモデータは登録済みです。")
        return
    worker = User.objects.get(username="caseworker")
    today = timezone.localdate()
    center, shakyo, poverty = (Agency.objects.get(organisation__name=n) for n, _ in AGENCIES[:3])
    case = services.case_open(
        received_on=today - dt.timedelta(days=60), route="agency", domains=["elderly", "poverty"],
        person_name="架空 ハナ", person_kana="かくう はな", person_birth_date=dt.date(1948, 3, 3),
        presenting_problems="認知症の母の介護と、無職の長男の家計について地域包括支援センターから相談。",
        household=[{"name": "架空 一郎", "relation": "長男", "note": "無職"}], agencies=[center, poverty], by=worker,
    )
    services.consent_record(case=case, agencies=[center, shakyo, poverty], given_on=today - dt.timedelta(days=55),
                            method="written", by=worker)
    items = {item.label: item for item in AssessmentItem.objects.all()}
    answers = {items[label]: text for label, text in [
        ("健康", "物忘れが進み、通院が途切れがち。"), ("収入・負債", "母の年金のみ。家賃の滞納が2か月。"),
        ("就労・日中活動", "長男は3年前に離職し、求職していない。")] if label in items}
    assessment = services.assessment_add(case=case, situation="母と長男の二人暮らし。母は要介護認定の申請前。",
                                         strengths="長男は母の世話に協力的", issues="介護サービス未利用、家計の困窮",
                                         answers=answers, background="長男の離職後、相談できる相手がいなかった。",
                                         wishes="本人：自宅で暮らしたい。長男：母の世話と両立できる仕事を探したい。",
                                         by=worker)
    plan = services.plan_draft(
        case=case, goals="母が介護サービスを使い、長男が仕事を探せる", policy="包括・生活支援相談センター・社協で分担",
        contents="要介護認定の申請支援、長男の就労相談、家計改善支援",
        # Monitoring nine days ago and no evaluation yet: the demo shows both case reminders.
        monitoring_on=today - dt.timedelta(days=9),
        short_goals=["母の要介護認定を申請する", "長男が週1回、就労相談に通う"], wishes="自宅で母と暮らし続けたい",
        agreed_on=today - dt.timedelta(days=40), agreement_method="signature",
        items=[{"agency": center, "content": "要介護認定の申請と介護サービスの調整", "frequency": "月1回"},
               {"agency": poverty, "content": "長男の就労と家計の相談", "frequency": "週1回"},
               {"bearer": "長男", "content": "母の通院の付き添い", "frequency": "月2回"}],
        based_on=assessment, by=worker,
    )
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=today - dt.timedelta(days=40), plan=plan,
                             attendees=[worker], agencies=[center, poverty], by=worker)
    # 支援経過: the last contact 35 days ago, so the demo shows the "silent" notice too.
    for days_ago, method, whom, content, next_step in [
        (60, "phone", "地域包括支援センター", "包括から相談の連絡。母の物忘れと長男の失職について。", "同行訪問の日程を調整"),
        (50, "accompany", "本人・長男・地域包括支援センター", "包括と同行訪問。母は要介護認定の申請に同意。", "申請書類の準備"),
        (35, "visit", "長男", "自宅を訪問。長男と家計の状況を確認した。", "生活支援相談センターへつなぐ"),
    ]:
        services.timeline_entry_add(
            case=case, contact_at=timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
            - dt.timedelta(days=days_ago), method=method, with_whom=whom, content=content, next_step=next_step,
            by=worker)
    quiet = services.case_open(
        received_on=today - dt.timedelta(days=10), route="outreach", domains=["other"], person_name="架空 次郎",
        presenting_problems="民生委員から：ごみがたまり近所との関係が悪化している。本人は支援を拒否。", by=worker,
    )
    services.support_meeting_record(
        held_on=today - dt.timedelta(days=5), cases=[quiet], shared="近隣からの情報と訪問時の様子を共有した。",
        policy="民生委員と社協が月2回見守る。本人が拒否しても訪問を続ける。", by=worker,
        attendees=[{"name": "民生委員 A", "organisation": "汐見市民生委員児童委員協議会", "confidentiality_acknowledged": True},
                   {"name": "社協職員 B", "organisation": "汐見市社会福祉協議会", "confidentiality_acknowledged": True}],
    )
    out.write("重層的支援：関係機関 4、ケース 2（同意ありで実施中のプラン、同意なしで支援会議のみ）を登録しました。")
