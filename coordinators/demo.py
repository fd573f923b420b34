"""Demo data for coordinators, dated relative to the day it is loaded.

Two contracted organisations with three-year contracts, coordinators with
certificates issued this fiscal year, a 選任届 waiting for acceptance, and an area
whose coordinator was dismissed and still waits for a successor. Built through the
services, as a real city would; a second run finds the contracts and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from municipality.models import Area, Municipality, Organisation, User
from municipality.wareki import fiscal_year, fiscal_year_bounds

from . import services
from .models import Appointment, Contract, Coordinator, TrainingCourse, TrainingProvider, TrainingRecord
from .services import PersonData

SHAKYO = "汐見市社会福祉協議会"
NPO = "特定非営利活動法人ＮＰＯサポートしおみ"

PEOPLE = [
    # (organisation, name, kana, birth date, job title, area codes, trained)
    (SHAKYO, "松本 さくら", "まつもと さくら", dt.date(1984, 6, 12), "地域福祉係 主任", ("L2-01", "L2-02"), True),
    (SHAKYO, "井上 大輔", "いのうえ だいすけ", dt.date(1979, 11, 3), "地域福祉係", ("L2-03", "L2-04"), True),
    (SHAKYO, "山口 恵子", "やまぐち けいこ", dt.date(1968, 2, 20), "地域福祉係", ("L2-05", "L2-06"), False),
    (SHAKYO, "石川 翔", "いしかわ しょう", dt.date(1990, 8, 8), "地域福祉係", ("L2-07", "L2-08"), True),
    (NPO, "森 由美子", "もり ゆみこ", dt.date(1972, 4, 29), "事業部長", ("L2-09", "L2-10"), True),
    (NPO, "岡田 健太", "おかだ けんた", dt.date(1988, 1, 15), "コーディネーター", ("L2-11", "L2-12"), True),
]


def demo_photo(seed: int) -> ContentFile:
    """A drawn stand-in for an ID photo (no real face is shipped with the demo)."""
    tints = [(214, 228, 240), (222, 235, 222), (240, 228, 214), (230, 222, 240), (240, 240, 214), (214, 240, 236)]
    image = Image.new("RGB", (480, 600), tints[seed % len(tints)])
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 110, 330, 310), fill=(120, 120, 130))
    draw.ellipse((70, 330, 410, 700), fill=(90, 90, 100))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return ContentFile(out.getvalue(), name="photo.jpg")


def load(out) -> None:
    municipality = Municipality.objects.current()
    title = f"{municipality.name}{municipality.coordinator_term}配置業務委託"
    if Contract.objects.filter(title=title).exists():
        out.write("コーディネーターのデモデータは登録済みです。")
        return

    today = timezone.localdate()
    year = fiscal_year(today)
    start = fiscal_year_bounds(year - 2)[0]
    end = fiscal_year_bounds(year)[1]
    this_year_start = fiscal_year_bounds(year)[0]
    city = User.objects.get(username="city")
    filers = {SHAKYO: User.objects.get(username="contractor"), NPO: User.objects.get(username="npo")}

    course, _ = TrainingCourse.objects.get_or_create(
        name="県生活支援コーディネーター養成研修（基礎編）",
        defaults={"provider": TrainingProvider.PREFECTURE, "is_required": True},
    )
    TrainingCourse.objects.get_or_create(
        name="生活支援コーディネーター フォローアップ研修",
        defaults={"provider": TrainingProvider.PREFECTURE, "is_required": False},
    )

    contracts = {}
    # The NPO's contract runs out in 45 days (to be renewed): its contract and its coordinators'
    # certificates are due for the expiry reminders on the day the demo is loaded.
    ends = {SHAKYO: end, NPO: today + dt.timedelta(days=45)}
    for name, codes in [(SHAKYO, [f"L2-{i:02d}" for i in range(1, 9)]), (NPO, [f"L2-{i:02d}" for i in range(9, 14)])]:
        contract = Contract.objects.create(
            organisation=Organisation.objects.get(name=name), title=title, layer=2, start=start, end=ends[name]
        )
        contract.areas.set(Area.objects.filter(code__in=codes))
        contracts[name] = contract

    for seed, (org_name, name, kana, birth, job, codes, trained) in enumerate(PEOPLE):
        organisation = Organisation.objects.get(name=org_name)
        notice = services.appointment_notice_file(
            organisation=organisation, contract=contracts[org_name], areas=Area.objects.filter(code__in=codes),
            appointed_on=start, reason="委託契約の締結に伴い選任したため。", filed_by=filers[org_name],
            person=PersonData(name=name, name_kana=kana, birth_date=birth, job_title=job),
            photo=demo_photo(seed), filed_on=start - dt.timedelta(days=10),
        )
        appointment = services.appointment_notice_accept(notice=notice, accepted_by=city)
        services.certificate_issue(appointment=appointment, issued_by=city, issued_on=this_year_start)
        if trained:
            TrainingRecord.objects.create(
                coordinator=notice.coordinator, course=course, completed_on=start + dt.timedelta(days=120)
            )

    # 松本 さくら is the demo user "coordinator", 井上 大輔 "coordinator2".
    Coordinator.objects.filter(name="松本 さくら").update(user=User.objects.get(username="coordinator"))
    Coordinator.objects.filter(name="井上 大輔").update(user=User.objects.get(username="coordinator2"))

    # 石川 翔 left a month ago: his two areas (西浦地区, 北ノ台地区) wait for a successor.
    dismissed_on = max(today - dt.timedelta(days=30), this_year_start)
    leaving = Coordinator.objects.get(name="石川 翔")
    dismissal = services.dismissal_notice_file(
        organisation=leaving.employer, coordinator=leaving, dismissed_on=dismissed_on,
        reason="一身上の都合により退職したため。", certificate_returned=True, filed_by=filers[SHAKYO],
        filed_on=dismissed_on + dt.timedelta(days=3) if dismissed_on + dt.timedelta(days=3) <= today else today,
    )
    services.dismissal_notice_accept(notice=dismissal, accepted_by=city)

    # Confidentiality pledges (seed 001 第8条): both organisations signed at the start of their
    # contracts, every coordinator in office but 岡田 健太, whose pledge is missing (flagged and reminded).
    # The NPO's last area (南浜地区) has never had a coordinator: flagged as 未配置.
    for contract in contracts.values():
        organisation = contract.organisation
        services.pledge_record(contract=contract, signed_on=start,
                               signer=f"{organisation.representative_title or '代表者'} {organisation.representative_name}".strip(),
                               by=city)
    for coordinator in Coordinator.objects.filter(appointments__end__isnull=True).exclude(name="岡田 健太").distinct():
        services.pledge_record(coordinator=coordinator, signed_on=start, signer=coordinator.name, by=city)

    # A 選任届 for the last area of the NPO, waiting for the city.
    services.appointment_notice_file(
        organisation=contracts[NPO].organisation, contract=contracts[NPO], areas=Area.objects.filter(code="L2-13"),
        appointed_on=today, reason="南浜地区の担当として新たに選任したため。", filed_by=filers[NPO],
        person=PersonData(name="藤田 真理", name_kana="ふじた まり", birth_date=dt.date(1981, 9, 30),
                          job_title="コーディネーター"),
        photo=demo_photo(7), filed_on=today,
    )
    out.write(
        f"コーディネーター {Coordinator.objects.count()}人、有効な選任 {Appointment.objects.filter(end__isnull=True).count()}件、"
        "受理待ちの選任届 1件、後任未選任の区域 2区域、守秘義務の誓約（未提出 1人）を登録しました。"
    )
