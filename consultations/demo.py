"""Demo data for 重層的支援: the register of agencies and three fictional cases of the demo
相談支援員, each at another stage, written through the services as a 福祉総合相談 team would:

1. 架空 トメ — a new intake by outreach from a 民生委員: no consent yet, visits that found nobody
   or were refused, a 支援会議 (no consent needed) that decided to keep visiting and to send the
   包括 a 連携シート on its decision, and today an urgent mark (the team lead gets the notice).
2. 架空 一郎 — an active plan: consent, assessment, plan, the creation meeting, one 継続
   evaluation, a 連携シート to the 生活支援相談センター (left unanswered: the demo has no worker
   there) and a 参加支援 with a request to the area's coordinator. Its next monitoring was nine
   days ago and its 支援経過 has been quiet for a month, so the demo shows those case reminders.
   At the visit with the 民生委員 she agreed to the 避難行動要支援者 listing, which the team lead
   exported for the 民生委員 (it shows in her disclosure register).
3. 架空 ミドリ — closed: the whole course up to the evaluation proposing 終結 and the
   支援終結の判断時 meeting that closed it; a meeting of the demo 要保護児童対策地域協議会 about
   her daughter, recorded as a 支援会議 of that body.

Dates are relative to today; where a service stamps "now" (a 連携シート sent, an urgency) it is today.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from activities.models import SocialResource
from municipality.models import Area, LegalForm, Organisation, User

from . import legal_bases, services
from .models import (
    Agency,
    AgencyKind,
    AssessmentItem,
    Case,
    Decision,
    Degree,
    Program,
    ReferralBasis,
    ReferralItem,
    SharingBody,
    Timing,
)

AGENCIES = [
    ("汐見中央地域包括支援センター", AgencyKind.SUPPORT_CENTER),
    ("汐見市社会福祉協議会", AgencyKind.SOCIAL_WELFARE_COUNCIL),
    ("汐見市生活支援相談センター", AgencyKind.POVERTY),
    ("障害者相談支援事業所あおば", AgencyKind.DISABILITY),
]

# Whoever sits in a 支援会議 from outside the city hall: named by role only in the demo.
MINSEI = {"name": "民生委員 A", "organisation": "汐見市民生委員児童委員協議会", "confidentiality_acknowledged": True}
SHAKYO_STAFF = {"name": "社協職員 B", "organisation": "汐見市社会福祉協議会", "confidentiality_acknowledged": True}
CENTER_STAFF = {"name": "包括職員 C", "organisation": "汐見中央地域包括支援センター",
                "confidentiality_acknowledged": True}


def _ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _timeline(case: Case, worker: User, entries: list[tuple[int, str, str, str, str, str]]) -> None:
    """(days ago, hh:mm, method, with whom, content, next step): each contact on its own day and time."""
    for days_ago, at, method, whom, content, next_step in entries:
        hour, minute = (int(part) for part in at.split(":"))
        contact_at = timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0) \
            - dt.timedelta(days=days_ago)
        services.timeline_entry_add(case=case, contact_at=contact_at, method=method, with_whom=whom, content=content,
                                    next_step=next_step, by=worker)


def _answers(pairs: list[tuple[str, str]]) -> dict[AssessmentItem, str]:
    # The items are the city's (changed in the admin): answer those that still exist.
    items = {item.label: item for item in AssessmentItem.objects.all()}
    return {items[label]: text for label, text in pairs if label in items}


# A 法定の会議体 of the demo city (seed 003 表 6.その他): its meetings are recorded as 支援会議 of it.
CHILD_COUNCIL = "汐見市要保護児童対策地域協議会"
CHILD_COUNCIL_AGENCIES = [
    ("汐見市子ども家庭課", AgencyKind.CHILDREN),  # 調整機関: runs the council
    ("汐見市立汐見小学校", AgencyKind.OTHER),
]
CHILD_COUNCIL_MEMBERS = ["汐見市子ども家庭課", "汐見市立汐見小学校", "汐見市社会福祉協議会", "汐見市生活支援相談センター"]


def _agency(name: str, kind: str) -> Agency:
    organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"legal_form": LegalForm.OTHER})
    agency, _ = Agency.objects.get_or_create(organisation=organisation, defaults={"kind": kind})
    return agency


def _bodies() -> None:
    """The demo 要対協 and its member agencies (the register, like the agencies: created once)."""
    for name, kind in CHILD_COUNCIL_AGENCIES:
        _agency(name, kind)
    body, created = SharingBody.objects.get_or_create(
        name=CHILD_COUNCIL, defaults={"basis": legal_bases.CHILD_COUNCIL,
                                      "organisation": Organisation.objects.get(name="汐見市子ども家庭課")})
    if created:
        body.members.set(Agency.objects.filter(organisation__name__in=CHILD_COUNCIL_MEMBERS))


def load(out) -> None:
    for name, kind in AGENCIES:
        _agency(name, kind)
    _bodies()
    if Case.objects.exists():
        out.write("重層的支援のデモデータは登録済みです。")
        return
    worker = User.objects.get(username="caseworker")
    agencies = {kind: Agency.objects.get(organisation__name=name) for name, kind in AGENCIES}
    intake = _new_intake(worker, agencies)
    active = _active_plan(worker, agencies)
    _closed(worker, agencies)
    _evacuation_listing(worker, intake)
    _unmasked_outputs(active, worker, User.objects.filter(username="caselead").first())
    out.write("重層的支援：関係機関 4、ケース 3（アウトリーチ中の緊急の相談受付、参加支援と連携シートのある実施中のプラン、"
              "評価のうえ終結したケース）を登録しました。")


def _new_intake(worker: User, agencies: dict[str, Agency]) -> Case:
    """Outreach from a 民生委員; the person does not want help yet, so no consent and no plan."""
    case = services.case_open(
        received_on=_ago(14), route="outreach", domains=["elderly"], programs=[Program.OUTREACH],
        person_name="架空 トメ", person_kana="かくう とめ", person_birth_date=dt.date(1943, 5, 20),
        presenting_problems="民生委員から：一人暮らしの高齢女性。郵便受けに新聞がたまり、庭にごみ袋が積まれている。"
                            "近所との行き来がなくなり、本人は「困っていない」と話す。",
        by=worker,
    )
    _timeline(case, worker, [
        (14, "10:30", "phone", "民生委員", "民生委員から電話。半年ほど前から本人を見かけることが減り、ごみ出しの日を"
         "守れず近隣から苦情が出ている。親族の連絡先は不明。", "地域包括支援センターに把握状況を照会"),
        (14, "15:00", "liaison", "汐見中央地域包括支援センター", "包括に照会。介護保険の申請歴なし、包括でも把握して"
         "いなかった。", "来週はじめに自宅を訪問"),
        (13, "10:00", "outreach_absent", "本人", "自宅を訪問。呼び鈴に応答なし。福祉総合相談の案内と連絡先を書いた"
         "手紙を郵便受けに入れた。", "民生委員に在宅しやすい時間を聞く"),
        (12, "16:20", "phone", "民生委員", "民生委員と電話。夕方は室内に明かりがつき、在宅していることが多いとのこと。",
         "夕方に再訪問"),
        (11, "17:00", "outreach_unmet", "本人", "夕方に訪問。室内に明かりとテレビの音があったが、応答はなかった。"
         "手紙は郵便受けから取り出されていた。", "時間を変えて再訪問"),
        (10, "17:30", "outreach_refused", "本人", "インターホン越しに応答あり。「困っていない、帰ってほしい」と拒否。"
         "体調を尋ねると「大丈夫」とのこと。声ははっきりしていた。", "民生委員と同行での訪問を相談"),
        (8, "11:00", "liaison", "汐見市社会福祉協議会（地区担当）", "社協の地区担当と情報共有。地区のサロンに以前"
         "参加していたが、2年前から来ていないとのこと。", "支援会議で見守りの分担を検討"),
        (7, "14:00", "outreach_refused", "本人・民生委員", "民生委員と同行訪問。玄関先で5分ほど話せた。食事は近所の"
         "コンビニで買っているとのこと。支援の話には「そのうちに」と応じなかった。", "支援会議で方針を決める"),
        (5, "16:00", "liaison", "支援会議（民生委員・社協・包括）", "支援会議（民生委員・社協・包括）で情報を共有。本人が拒否しても"
         "週1回の訪問と民生委員の見守りを続けることにした。", "週1回の訪問を続ける"),
        (3, "10:30", "outreach_absent", "本人", "訪問したが不在。近所の方によると、朝に買い物に出る姿を見たとのこと。",
         "民生委員と様子を共有"),
        (1, "18:10", "phone", "民生委員", "民生委員から電話。2日前から雨戸が閉まったままで、新聞が再びたまり始めた。"
         "近所の方も姿を見ていない。", "緊急として相談支援管理者に報告し、支援会議を開く"),
    ])
    meeting = services.support_meeting_record(
        held_on=_ago(5), cases=[case], by=worker,
        shared="民生委員・社協・包括からの情報と、これまでの訪問の様子を共有した。本人は支援を拒否しているが、"
               "受け答えはできている。",
        policy="本人が拒否しても訪問を続ける。相談支援員が週1回訪問し、民生委員が週2回見守る。"
               "異変があれば民生委員から相談支援員へすぐに連絡する。",
        attendees=[MINSEI, SHAKYO_STAFF, CENTER_STAFF],
    )
    # The meeting decided to hand the 包括 (which attended, bound by 社会福祉法第106条の6第5項) what it
    # needs for its part of the watch: a 連携シート on the meeting's decision, without consent.
    services.referral_send(
        case=case, agency=agencies[AgencyKind.SUPPORT_CENTER], basis=ReferralBasis.SUPPORT_MEETING,
        support_meeting=meeting, by=worker, items=[ReferralItem.NAME_AGE, ReferralItem.PROBLEMS],
        purpose="支援会議の決定により、見守りの分担（介護保険の利用の可能性の確認）をお願いします。")
    # Today: the person has not been seen for two days; the team lead is told at once.
    services.urgency_mark(case=case, by=worker,
                          reason="2日前から雨戸が閉まったままで新聞がたまり、近所の方も姿を見ていない。"
                                 "一人暮らしの高齢者で、安否の確認が必要。")
    return case


def _evacuation_listing(worker: User, case: Case) -> None:
    """架空 トメ agreed to be listed as a 避難行動要支援者; the team lead exported the listing for 民生委員."""
    services.evacuation_listing_record(
        case=case, agreed_on=_ago(7), method="oral", by=worker,
        reason="一人暮らしの80代。近くに親族がおらず、災害時には避難の呼びかけと手助けが必要。",
        recipients=["commissioner", "swc", "voluntary", "fire"])
    lead = User.objects.filter(username="caselead", organisation_id=worker.organisation_id).first()
    if lead is not None:
        services.evacuation_export(recipient="commissioner", by=lead)


def _active_plan(worker: User, agencies: dict[str, Agency]) -> Case:
    """An 8050 household: the plan is in force, a 連携シート went out and a 参加支援 is sought."""
    center, shakyo, poverty = (agencies[k] for k in (AgencyKind.SUPPORT_CENTER,
                                                     AgencyKind.SOCIAL_WELFARE_COUNCIL, AgencyKind.POVERTY))
    case = services.case_open(
        received_on=_ago(110), route="agency", domains=["elderly", "poverty"],
        programs=[Program.COMPREHENSIVE, Program.COLLABORATION],
        person_name="架空 一郎", person_kana="かくう いちろう", person_birth_date=dt.date(1974, 8, 12),
        presenting_problems="地域包括支援センターから：要介護1の母と二人暮らしの長男。10年前に離職してから"
                            "就労しておらず、外出はほとんどない。母の年金で暮らし、家賃の滞納がある。",
        household=[{"name": "架空 ハナ", "relation": "母", "birth_date": dt.date(1946, 3, 3), "note": "要介護1"}],
        agencies=[center, poverty], by=worker,
    )
    services.consent_record(case=case, agencies=[center, shakyo, poverty], given_on=_ago(104), method="written",
                            by=worker)
    assessment = services.assessment_add(
        case=case, by=worker,
        situation="本人は母の通院の付き添いと買い物を担っている。日中は自室で過ごすことが多い。",
        strengths="母の世話を欠かさない。パソコンが得意。",
        issues="家計の困窮（家賃滞納3か月）、本人の社会参加の場がない、母の介護と本人の生活の両立。",
        answers=_answers([
            ("健康", "本人：持病なし。睡眠が不規則。母：要介護1、軽い物忘れ。"),
            ("住まい", "民間の賃貸アパート。家賃の滞納が3か月分。"),
            ("収入・負債", "母の年金（月約11万円）のみ。カードローンの残債あり。"),
            ("就労・日中活動", "10年前に離職。就労の意欲はあるが、人と話すことに不安がある。"),
            ("社会関係・つながり", "親族との行き来なし。相談できる相手がいない。"),
        ]),
        background="父の死後、母の介護のために離職し、そのまま社会とのつながりが途切れた。",
        wishes="本人：母と今の家で暮らしたい。少しずつでも働きたい。母：息子に外に出てほしい。",
    )
    plan = services.plan_draft(
        case=case, based_on=assessment, by=worker,
        goals="母の介護を続けながら、本人が地域とのつながりを持ち、収入を得られる",
        policy="生活支援相談センターが家計と就労を、包括が母の介護を、市が全体の調整と参加支援を担う。",
        short_goals=["家賃の滞納を解消する家計の計画を立てる", "週1回、家の外での活動に参加する",
                     "母の介護サービスを見直し、本人の負担を減らす"],
        items=[{"agency": poverty, "content": "家計改善支援と就労準備支援", "frequency": "週1回"},
               {"agency": center, "content": "母のケアプランの見直しと通所サービスの調整", "frequency": "月1回"},
               {"agency": shakyo, "content": "地域の活動への参加の橋渡し", "frequency": "随時"},
               {"bearer": "本人", "content": "家計簿をつける", "frequency": "毎日"}],
        wishes="母と今の家で暮らし、少しずつ働きたい", agreed_on=_ago(92), agreement_method="signature",
        monitoring_on=_ago(60),
    )
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=_ago(90), plan=plan, attendees=[worker],
                             agencies=[center, shakyo, poverty], by=worker)
    goals = list(plan.short_goals.all())
    services.evaluation_record(
        plan=plan, evaluated_on=_ago(58), decision=Decision.CONTINUE, by=worker,
        overall="家計の計画ができ、滞納の解消が進んでいる。外出の機会はまだ少ないため、このプランで続ける。",
        # Monitoring nine days ago and no evaluation yet: the demo shows both plan reminders.
        next_monitoring_on=_ago(9),
        goals={None: (Degree.PARTLY, "生活の見通しが立ち、本人の表情が明るくなった。"),
               goals[0]: (Degree.ACHIEVED, "滞納分の分割納付を家主と合意した。"),
               goals[1]: (Degree.NOT_ACHIEVED, "見学の約束を2回とも直前に断った。"),
               goals[2]: (Degree.PARTLY, "母の通所が週2回になった。")},
    )
    # 支援経過: the last contact 33 days ago, so the demo shows the "silent" notice too.
    _timeline(case, worker, [
        (110, "09:40", "phone", "汐見中央地域包括支援センター", "包括から相談の連絡。母の担当ケアマネジャーが訪問時に"
         "長男の様子と家賃の督促状に気づいた。", "包括と同行訪問の日程を調整"),
        (106, "14:00", "accompany", "本人・母・地域包括支援センター", "包括と同行訪問。本人は最初は口数が少なかったが、"
         "家賃の話になると困っていると話した。", "相談の内容と同意について説明に再訪問"),
        (104, "10:00", "visit", "本人・母", "自宅を訪問。相談の進め方と情報共有について説明し、書面で同意を得た。",
         "アセスメント"),
        (100, "10:00", "interview", "本人", "市役所の相談室で面談。生活歴と家計の状況を聞き取った（アセスメント）。",
         "プランの案を作る"),
        (95, "15:30", "liaison", "汐見市生活支援相談センター", "生活支援相談センターと家計改善支援の進め方を協議。",
         "プランの案を本人と確認"),
        (92, "10:00", "visit", "本人・母", "プランの案を説明し、本人が署名で同意した。", "重層的支援会議（プラン策定時）"),
        (85, "13:00", "accompany", "本人・汐見市生活支援相談センター", "生活支援相談センターへ同行。家計簿のつけ方の"
         "説明を受けた。", "家主との分割納付の相談"),
        (74, "11:00", "phone", "本人", "本人から電話。家主と滞納分の分割納付で合意できたとのこと。", "サロンの見学を提案"),
        (66, "10:30", "visit", "本人", "訪問。社協のボランティア活動の見学を提案したが、本人は「もう少し先に」と話した。",
         "モニタリング"),
        (58, "14:00", "interview", "本人・母", "モニタリングの面談。家計は改善。外出の機会は増えていない（評価：継続）。",
         "社会参加の場を社協と探す"),
        (45, "16:00", "liaison", "汐見市社会福祉協議会", "社協と、短時間から参加できる活動について相談。おたすけ隊"
         "しおみの作業補助が候補に挙がった。", "本人に提案"),
        (33, "10:00", "visit", "本人", "訪問。おたすけ隊しおみの活動内容を説明し、本人は「一度見てみたい」と話した。",
         "見学の日程を調整し、コーディネーターに相談"),
    ])
    services.referral_send(
        case=case, agency=poverty, basis=ReferralBasis.CONSENT, by=worker,
        items=[ReferralItem.NAME_AGE, ReferralItem.CONTACT, ReferralItem.PROBLEMS, ReferralItem.PLAN],
        purpose="就労準備支援事業の利用について、プランの内容を踏まえて受け入れを検討してください。",
    )
    resource = SocialResource.objects.filter(name="おたすけ隊しおみ").first()
    area = resource.area if resource is not None and resource.area is not None else Area.objects.get(code="L2-02")
    services.participation_support_add(
        plan=plan, resource=resource, by=worker,
        note="おたすけ隊しおみの作業補助（週1回、1時間程度）から始める。初回は相談支援員が同行する。",
        need_request={"area": area, "title": "50代の男性が短時間から参加できる地域の活動の場がほしい",
                      "description": "長く家にこもりがちだった方が、週1回1時間程度から人と関われる活動を探しています。"
                                     "力仕事やパソコン作業が得意です。受け入れてもらえる団体を教えてください。"},
    )
    return case


def _closed(worker: User, agencies: dict[str, Agency]) -> Case:
    """A single parent's household budget set right; the monitoring proposed 終結 and the meeting closed it."""
    shakyo, poverty = agencies[AgencyKind.SOCIAL_WELFARE_COUNCIL], agencies[AgencyKind.POVERTY]
    case = services.case_open(
        received_on=_ago(170), route="counter", domains=["poverty", "children"],
        programs=[Program.COMPREHENSIVE, Program.COLLABORATION],
        person_name="架空 ミドリ", person_kana="かくう みどり", person_birth_date=dt.date(1988, 11, 2),
        presenting_problems="本人が窓口に来所。パートの勤務が減り、今月の家賃と給食費が払えない。"
                            "小学生の長女と二人暮らし。",
        household=[{"name": "架空 ユイ", "relation": "長女", "birth_date": dt.date(2017, 6, 9), "note": "小学3年生"}],
        by=worker,
    )
    services.consent_record(case=case, agencies=[shakyo, poverty], given_on=_ago(170), method="written", by=worker)
    assessment = services.assessment_add(
        case=case, by=worker,
        situation="本人はパート勤務（週3日）。長女は小学校に通い、放課後は学童保育。",
        strengths="働く意欲が高い。長女の学校とよく連絡を取っている。",
        issues="収入の減少と家賃・給食費の滞納、就学援助の未申請、相談できる相手がいない。",
        answers=_answers([
            ("健康", "本人・長女とも大きな問題なし。本人は疲れがたまっている。"),
            ("収入・負債", "パート収入と児童扶養手当。家賃1か月分と給食費2か月分を滞納。"),
            ("就労・日中活動", "勤務先の事情で勤務日が減った。正社員の仕事を探したい。"),
        ]),
        wishes="本人：長女と今の学校に通える範囲で暮らしたい。安定した仕事に就きたい。",
    )
    plan = services.plan_draft(
        case=case, based_on=assessment, by=worker,
        goals="安定した収入を得て、長女との暮らしを続けられる",
        policy="生活支援相談センターが家計と就労を、社協が一時的な貸付を担い、市が就学援助の申請を支える。",
        short_goals=["滞納している家賃と給食費を解消する", "週5日勤務の仕事に就く"],
        items=[{"agency": poverty, "content": "家計改善支援と就労支援", "frequency": "2週に1回"},
               {"agency": shakyo, "content": "緊急小口資金の貸付の手続き", "frequency": "1回"},
               {"bearer": "本人", "content": "ハローワークでの求職活動", "frequency": "週1回"}],
        wishes="長女と今の家で暮らし、安定した仕事に就きたい", agreed_on=_ago(160), agreement_method="signature",
        monitoring_on=_ago(70),
    )
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=_ago(158), plan=plan, attendees=[worker],
                             agencies=[shakyo, poverty], by=worker)
    # The school raised the unpaid school lunches at the 要対協: its 個別ケース検討会議 is recorded as a
    # 支援会議 of that body (児童福祉法第25条の2; every attendee bound by 第25条の5).
    services.support_meeting_record(
        held_on=_ago(162), cases=[case], by=worker, body=SharingBody.objects.get(name=CHILD_COUNCIL),
        shared="学校から、長女の給食費が2か月未納で、長女が「お母さんが疲れている」と話していることが共有された。"
               "家計の相談が始まっていることを相談支援員から共有した。",
        policy="長女は要支援児童として見守る。学校は長女の様子を、子ども家庭課は就学援助の申請を、"
               "生活支援相談センターは家計の支援を担う。",
        attendees=[{"name": "子ども家庭課職員 D", "organisation": "汐見市子ども家庭課", "confidentiality_acknowledged": True},
                   {"name": "汐見小学校 教頭 E", "organisation": "汐見市立汐見小学校", "confidentiality_acknowledged": True},
                   {"name": "家計相談員 F", "organisation": "汐見市生活支援相談センター",
                    "confidentiality_acknowledged": True}],
    )
    _timeline(case, worker, [
        (170, "13:30", "interview", "本人", "窓口で面談。勤務日が減って家賃と給食費が払えないとのこと。"
         "相談の進め方を説明し、書面で同意を得た。", "アセスメント"),
        (168, "10:00", "liaison", "汐見市社会福祉協議会", "社協に緊急小口資金の貸付を相談。", "本人と申請"),
        (165, "14:00", "interview", "本人", "面談。生活歴と家計を聞き取った（アセスメント）。就学援助は未申請と分かった。",
         "プランの案を作る"),
        (163, "11:00", "accompany", "本人・汐見市社会福祉協議会", "社協へ同行し、緊急小口資金を申請した。",
         "就学援助の申請"),
        (160, "15:00", "interview", "本人", "プランの案を説明し、本人が署名で同意した。就学援助の申請書を一緒に書いた。",
         "重層的支援会議（プラン策定時）"),
        (150, "10:30", "liaison", "汐見市生活支援相談センター", "家計改善支援の初回。滞納分の返済計画を立てた。",
         "就労支援"),
        (136, "16:00", "phone", "本人", "本人から電話。就学援助が認定され、給食費の滞納が解消したとのこと。",
         "求職活動の状況を確認"),
        (120, "10:00", "liaison", "汐見市生活支援相談センター", "就労支援員から、本人が事務職の面接を2社受けたと報告。",
         "結果を待つ"),
        (104, "17:30", "phone", "本人", "本人から電話。週5日勤務の事務職に採用が決まった。", "家計の見直し"),
        (90, "13:00", "interview", "本人・汐見市生活支援相談センター", "家計を見直し。家賃の滞納は解消した。",
         "モニタリングで終結を検討"),
        (70, "14:00", "interview", "本人", "モニタリングの面談。短期目標はいずれも達成。本人も「もう大丈夫」と話す"
         "（評価：終結を提案）。", "重層的支援会議（支援終結の判断時）"),
        (66, "11:00", "phone", "本人", "会議で終結が決まったことを伝え、困ったときはいつでも相談できると説明した。",
         "3か月後に電話で様子を確認"),
    ])
    goals = list(plan.short_goals.all())
    services.evaluation_record(
        plan=plan, evaluated_on=_ago(70), decision=Decision.END, by=worker,
        overall="常勤の仕事に就き、滞納もすべて解消した。本人が自分で家計を管理できており、終結を提案する。",
        goals={None: (Degree.ACHIEVED, "安定した収入を得て、長女と今の家で暮らせている。"),
               goals[0]: (Degree.ACHIEVED, "家賃・給食費とも滞納なし。"),
               goals[1]: (Degree.ACHIEVED, "事務職（週5日）に採用された。")},
    )
    services.conference_hold(
        case=case, timing=Timing.TERMINATION, held_on=_ago(67), plan=plan, attendees=[worker],
        agencies=[shakyo, poverty], by=worker,
        achievement="短期目標（滞納の解消、週5日勤務の仕事）はいずれも達成。長期目標も達成した。",
        termination_evaluation="本人が家計を管理でき、困ったときに相談する先も分かっている。支援を終結する。",
        follow_up_needed=True, follow_up_method="3か月後に相談支援員が電話で様子を確認する。緊急小口資金の返済は社協が見守る。",
    )
    return case


def _unmasked_outputs(case: Case, worker: User, lead: User | None) -> None:
    """マスクなしの出力: one approved and used (so the disclosure register lists it), one waiting for the
    team lead (so the lead's list shows it). Without the demo lead, nothing (the approval needs one)."""
    if lead is None:
        return
    consent = case.consents.first()
    assessment = case.assessments.first()
    if consent is None or assessment is None:
        return
    named = {a.organisation.name: a for a in consent.agencies.select_related("organisation")}
    center, shakyo = named.get("汐見市生活支援相談センター"), named.get("汐見市社会福祉協議会")
    if center is None or shakyo is None:
        return
    used = services.approval_request(
        case=case, output="assessment", object_id=assessment.pk, by=worker,
        items=["Assessment.situation", "Assessment.issues"], basis="consent", consent=consent, agency=center,
        recipient="汐見市生活支援相談センター（就労準備支援事業の担当者）",
        purpose="就労準備支援事業の受入れの検討に、アセスメントの状況と課題の整理が必要なため。")
    services.approval_decide(approval=used, grant=True, note="状況と課題の整理に限って承認。", by=lead)
    services.approval_use(approval=used, by=worker)
    services.approval_request(
        case=case, output="plan", by=worker, items=["SupportPlan.goals", "PlanGoal.text", "SupportItem.content"],
        basis="consent", consent=consent, agency=shakyo, recipient="汐見市社会福祉協議会（おたすけ隊しおみ）",
        purpose="参加支援の受入れ先と、目標と支援内容を共有するため。")
