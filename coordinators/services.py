"""The coordinator lifecycle, in one place: 選任届 → 受理 → 証の交付 → 解任届.

Every function is one transaction; a refused action raises DomainError with a
Japanese message and changes nothing. Views, the admin, commands and tasks call
these and never change the records themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from auditlog.context import set_actor
from celery import Task, current_app
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from forms_pdf.models import GeneratedFile, GeneratedFileStatus
from forms_pdf.services import (
    document_issue,
    generated_file_complete,
    generated_file_fail,
    generated_file_request,
)
from municipality.errors import DomainError
from municipality.jobs import publish_on_commit
from municipality.models import Area, Organisation, User
from municipality.terms import localise
from municipality.validators import require_birth_date, require_event_dates
from municipality.wareki import fiscal_year, fiscal_year_bounds, fiscal_year_era, format_wareki

from . import documents
from .models import (
    Appointment,
    AppointmentNotice,
    Certificate,
    CertificateSequence,
    CertificateStatus,
    Contract,
    ContractStatus,
    Coordinator,
    DismissalNotice,
    Layer,
    NoticeStatus,
    Pledge,
    PledgeKind,
    TrainingCourse,
    TrainingRecord,
)


@dataclass(frozen=True)
class PersonData:
    """The person named in a 選任届 who is not yet on record."""

    name: str
    name_kana: str
    birth_date: dt.date
    job_title: str = ""


def _w(day: dt.date) -> str:
    return format_wareki(day)


# --- 選任届 ---------------------------------------------------------------------------

@transaction.atomic
def appointment_notice_file(
    *,
    organisation: Organisation,
    contract: Contract,
    areas: Iterable[Area],
    appointed_on: dt.date,
    reason: str,
    filed_by: User,
    person: PersonData | None = None,
    coordinator: Coordinator | None = None,
    photo: ContentFile | None = None,
    filed_on: dt.date | None = None,
    replaces: AppointmentNotice | None = None,
) -> AppointmentNotice:
    """The organisation files a 選任届 (様式第1号) for a new or known person."""
    filed_on = filed_on or timezone.localdate()
    areas = list(areas)
    person_fields = (
        {"name": person.name, "name_kana": person.name_kana, "birth_date": person.birth_date,
         "job_title": person.job_title} if person is not None else {}
    )
    require_event_dates({"選任年月日": appointed_on, "届出日": filed_on})
    if person is not None:
        require_birth_date(person.birth_date)
    with set_actor(filed_by):
        if contract.organisation_id != organisation.pk:
            raise DomainError("選択した委託契約は、届出者の団体の契約ではありません。")
        if contract.status != ContractStatus.ACTIVE:
            raise DomainError(f"委託契約が「{contract.get_status_display()}」のため、選任届は出せません。")
        if not contract.covers(appointed_on):
            raise DomainError(
                f"選任年月日（{_w(appointed_on)}）が委託期間（{_w(contract.start)}〜{_w(contract.end)}）の外です。"
            )
        if not areas:
            raise DomainError("担当区域を1つ以上選んでください。")
        contract_area_ids = set(contract.areas.values_list("pk", flat=True))
        if any(area.pk not in contract_area_ids for area in areas):
            raise DomainError("担当区域は委託契約の区域から選んでください。")
        if not reason.strip():
            raise DomainError("選任事由を入力してください。")
        if (person is None) == (coordinator is None):
            raise DomainError("選任する方を1人指定してください。")

        if replaces is not None:
            replaces = AppointmentNotice.objects.select_for_update().get(pk=replaces.pk)
            if replaces.organisation_id != organisation.pk:
                raise DomainError("訂正できるのは自団体の届出だけです。")
            if replaces.status not in (NoticeStatus.SUBMITTED, NoticeStatus.RETURNED):
                raise DomainError(
                    f"この選任届は「{replaces.get_status_display()}」のため訂正できません。市の担当課にご相談ください。"
                )
            if person is not None:
                # A correction may fix the person's own data while they were never appointed.
                if Appointment.objects.filter(coordinator=replaces.coordinator).exists():
                    raise DomainError("選任済みの方の氏名・生年月日は届出の訂正では変えられません。市の担当課にご相談ください。")
                coordinator, person = replaces.coordinator, None
                coordinator = Coordinator.objects.select_for_update().get(pk=coordinator.pk)
                for field, value in person_fields.items():
                    setattr(coordinator, field, value)
                coordinator.save()

        if coordinator is None:
            assert person is not None
            coordinator = Coordinator.objects.create(
                name=person.name, name_kana=person.name_kana, birth_date=person.birth_date,
                job_title=person.job_title, layer=contract.layer, employer=organisation,
            )
        else:
            coordinator = Coordinator.objects.select_for_update().get(pk=coordinator.pk)
            if coordinator.employer_id != organisation.pk:
                raise DomainError("この方は届出者の団体に所属していません。")
        overlapping = _overlapping_appointment(coordinator, contract.layer, appointed_on)
        if overlapping:
            raise DomainError(f"{coordinator.name}さんは{overlapping}の期間に選任されています。")
        pending = AppointmentNotice.objects.filter(coordinator=coordinator, status=NoticeStatus.SUBMITTED)
        if replaces is not None:
            pending = pending.exclude(pk=replaces.pk)
        if pending.exists():
            raise DomainError(f"{coordinator.name}さんの選任届は受理待ちです。訂正する場合は、その届出を訂正してください。")

        if replaces is not None:
            replaces.status = NoticeStatus.WITHDRAWN
            replaces.save(update_fields=["status"])
        if photo is not None:
            coordinator.photo.save(f"coordinator-{coordinator.pk}.jpg", photo, save=True)

        notice = AppointmentNotice(
            organisation=organisation, contract=contract, coordinator=coordinator, appointed_on=appointed_on,
            reason=reason.strip(), filed_on=filed_on, filed_by=filed_by, replaces=replaces,
        )
        # The document is built from the notice's own data before the notice is saved.
        notice.document = _issue_notice_document(notice, areas, filed_by)
        notice.save()
        notice.areas.set(areas)
        return notice


def _issue_notice_document(notice: AppointmentNotice, areas: list[Area], filed_by: User):
    snapshot = documents.appointment_notice_snapshot_for(notice, areas)
    previous = notice.replaces.document if notice.replaces is not None else None
    return document_issue(
        kind=documents.APPOINTMENT_NOTICE,
        title=f"{notice.coordinator.name}（{_w(notice.appointed_on)}選任）",
        snapshot=snapshot,
        filename=f"form1-appointment-{notice.coordinator_id}-{notice.appointed_on:%Y%m%d}.pdf",
        organisation=notice.organisation,
        issued_by=filed_by,
        replaces=previous,
        correction_reason="届出の訂正" if previous else "",
    )


def _overlapping_appointment(coordinator: Coordinator, layer: int, start: dt.date) -> Appointment | None:
    """An appointment of the person in this layer still running on or after ``start``."""
    return (
        Appointment.objects.filter(coordinator=coordinator, layer=layer)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .first()
    )


def _check_contract(contract: Contract | None, day: dt.date) -> None:
    if contract is None:
        return
    if contract.status != ContractStatus.ACTIVE:
        raise DomainError(f"委託契約が「{contract.get_status_display()}」のため、この手続きはできません。")
    if not contract.covers(day):
        raise DomainError(f"{_w(day)}は委託期間（{_w(contract.start)}〜{_w(contract.end)}）の外です。")


def _lock_notice(model, notice_id: int):
    return model.objects.select_for_update().get(pk=notice_id)


@transaction.atomic
def appointment_notice_accept(*, notice: AppointmentNotice, accepted_by: User) -> Appointment:
    """The city accepts (受理) a 選任届: the appointment takes effect from its date."""
    with set_actor(accepted_by):
        notice = _lock_notice(AppointmentNotice, notice.pk)
        if notice.status != NoticeStatus.SUBMITTED:
            raise DomainError(f"この選任届は「{notice.get_status_display()}」のため、受理できません。")
        Coordinator.objects.select_for_update().get(pk=notice.coordinator_id)  # serialise per person
        _check_contract(notice.contract, notice.appointed_on)
        overlapping = _overlapping_appointment(notice.coordinator, notice.contract.layer, notice.appointed_on)
        if overlapping:
            raise DomainError(f"{notice.coordinator.name}さんはすでに選任されています（{overlapping}）。")
        appointment = Appointment.objects.create(
            coordinator=notice.coordinator, layer=notice.contract.layer, contract=notice.contract,
            notice=notice, start=notice.appointed_on,
        )
        appointment.areas.set(notice.areas.all())
        notice.status = NoticeStatus.ACCEPTED
        notice.decided_at = timezone.now()
        notice.decided_by = accepted_by
        notice.save(update_fields=["status", "decided_at", "decided_by"])
        return appointment


@transaction.atomic
def appointment_notice_return(*, notice: AppointmentNotice, returned_by: User, comment: str) -> AppointmentNotice:
    """The city sends a 選任届 back with a comment; the organisation files a corrected one."""
    with set_actor(returned_by):
        if not comment.strip():
            raise DomainError("差戻しの理由を入力してください。")
        notice = _lock_notice(AppointmentNotice, notice.pk)
        if notice.status != NoticeStatus.SUBMITTED:
            raise DomainError(f"この選任届は「{notice.get_status_display()}」のため、差し戻せません。")
        notice.status = NoticeStatus.RETURNED
        notice.return_comment = comment.strip()
        notice.decided_at = timezone.now()
        notice.decided_by = returned_by
        notice.save(update_fields=["status", "return_comment", "decided_at", "decided_by"])
        return notice


@transaction.atomic
def appointment_create_for_city_staff(
    *, coordinator: Coordinator, areas: Iterable[Area], start: dt.date, created_by: User
) -> Appointment:
    """A 第1層 coordinator who is city staff is appointed by the city itself, without a contract."""
    require_event_dates({"選任年月日": start})
    with set_actor(created_by):
        if not coordinator.employer.is_city_department:
            raise DomainError("契約によらない選任は、市の職員（第1層）に限られます。")
        if _overlapping_appointment(coordinator, Layer.FIRST, start):
            raise DomainError(f"{coordinator.name}さんはすでに選任されています。")
        appointment = Appointment.objects.create(coordinator=coordinator, layer=Layer.FIRST, start=start)
        appointment.areas.set(list(areas))
        return appointment


# --- コーディネーター証 ------------------------------------------------------------------

def _next_serial(year: int) -> int:
    sequence, _ = CertificateSequence.objects.get_or_create(fiscal_year=year)
    CertificateSequence.objects.filter(pk=year).update(last_serial=F("last_serial") + 1)
    sequence.refresh_from_db()
    return sequence.last_serial


def certificate_number(year: int, serial: int) -> str:
    """令和8-012: the era year of the 年度 of issue and the serial within it."""
    era, era_year = fiscal_year_era(year)
    return f"{era}{era_year}-{serial:03d}"


@transaction.atomic
def certificate_issue(
    *,
    appointment: Appointment,
    issued_by: User,
    issued_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    replaces: Certificate | None = None,
    reissue_reason: str = "",
) -> Certificate:
    """The city issues a コーディネーター証 (様式第2号) for an accepted appointment."""
    issued_on = issued_on or timezone.localdate()
    require_event_dates({"交付日": issued_on, "有効期間の終了日": valid_until})
    with set_actor(issued_by):
        appointment = Appointment.objects.select_for_update(of=("self",)).select_related("coordinator", "contract").get(
            pk=appointment.pk
        )
        coordinator = appointment.coordinator
        if appointment.end is not None:
            raise DomainError(f"{coordinator.name}さんは解任されているため、証を交付できません。")
        if not coordinator.photo:
            raise DomainError(f"{coordinator.name}さんの写真が登録されていないため、証を交付できません。")
        _check_contract(appointment.contract, max(issued_on, appointment.start))
        # A certificate whose period has run out is no longer current (e.g. a 第1層 card of last 年度).
        for expired in Certificate.objects.select_for_update().filter(
            coordinator=coordinator, layer=appointment.layer, status=CertificateStatus.VALID,
            valid_until__lt=issued_on,
        ):
            expired.status = CertificateStatus.EXPIRED
            expired.save(update_fields=["status"])
        current = Certificate.objects.filter(coordinator=coordinator, layer=appointment.layer,
                                             status=CertificateStatus.VALID)
        if replaces is not None:
            current = current.exclude(pk=replaces.pk)
        existing = current.first()
        if existing is not None:
            raise DomainError(
                f"{coordinator.name}さんには有効な証（証番号 {existing.number}）がすでにあります。"
                "再交付する場合は「再交付」を使ってください。"
            )
        valid_from = max(issued_on, appointment.start)
        contract = appointment.contract
        if contract is not None:
            limit, limit_label = contract.end, f"委託期間の終了日（{_w(contract.end)}）"
        else:
            limit = fiscal_year_bounds(fiscal_year(valid_from))[1]
            limit_label = f"年度末（{_w(limit)}）"
        valid_until = valid_until or limit
        if valid_until > limit:
            raise DomainError(f"有効期間の終了日（{_w(valid_until)}）が{limit_label}を超えています。")
        if valid_until < valid_from:
            raise DomainError(f"有効期間の終了日（{_w(valid_until)}）が開始日（{_w(valid_from)}）より前です。")

        year = fiscal_year(issued_on)
        serial = _next_serial(year)
        certificate = Certificate(
            coordinator=coordinator, appointment=appointment, layer=appointment.layer, fiscal_year=year,
            serial=serial, number=certificate_number(year, serial), issued_on=issued_on, valid_from=valid_from,
            valid_until=valid_until, issued_by=issued_by, replaces=replaces, reissue_reason=reissue_reason,
        )
        certificate.document = document_issue(
            kind=documents.CERTIFICATE,
            title=f"証番号 {certificate.number} {coordinator.name}",
            snapshot=documents.certificate_snapshot(certificate),
            filename=f"form2-certificate-{certificate.number}.pdf",
            organisation=coordinator.employer,
            issued_by=issued_by,
            replaces=replaces.document if replaces else None,
            correction_reason=reissue_reason,
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError as exc:  # a parallel issue won the race
            raise DomainError(f"{coordinator.name}さんには有効な証がすでにあります。") from exc
        return certificate


# --- A4 sheets of many certificates, made in the background -----------------------------------

#: Up to this many certificates, the admin's sheet action answers with the PDF at once; more (a whole
#: year's cards) are made by a worker and fetched from 出力したファイル when ready.
SHEETS_AT_ONCE = 20
SHEETS_KIND = "coordinators.certificate_sheets"


def _render_sheets_task() -> Task:
    """Found by name: tasks.py calls this module, so this module does not import tasks.py."""
    return current_app.tasks["coordinators.tasks.render_certificate_sheets"]


@transaction.atomic
def certificate_sheets_request(*, certificates: Iterable[Certificate], requested_by: User) -> GeneratedFile:
    """Ask for the A4 sheets of these certificates, made in the background for ``requested_by`` alone."""
    ids = [certificate.pk for certificate in certificates]
    if not ids:
        raise DomainError("印刷する証が選ばれていません。")
    with set_actor(requested_by):
        generated = generated_file_request(
            owner=requested_by, kind=SHEETS_KIND, params={"certificate_ids": ids},
            title=localise(f"コーディネーター証の台紙（{len(ids)}枚）"),
            filename=f"form2-certificates-a4-{timezone.localdate().isoformat()}.pdf",
        )
    publish_on_commit(_render_sheets_task(), generated.pk)
    return generated


def certificate_sheets_render(*, file_id: int) -> bool:
    """Make the sheets a user asked for (the task's work): only the certificates that user may still
    see, from their stored snapshots, in the order of their numbers. False if nothing was to be made."""
    from . import certificates_print

    generated = GeneratedFile.objects.select_related("owner").defer("content").filter(
        pk=file_id, kind=SHEETS_KIND, status=GeneratedFileStatus.QUEUED).first()
    if generated is None:
        return False  # already made (a task run twice) or expired
    ids = generated.params.get("certificate_ids", [])
    certificates = Certificate.objects.visible_to(generated.owner).filter(pk__in=ids).select_related(
        "coordinator").order_by("fiscal_year", "serial")
    if not certificates.exists():
        return generated_file_fail(file_id=file_id, error="印刷できる証がありませんでした。")
    try:
        rendered = certificates_print.render_sheets(certificates, filename=generated.filename)
    except Exception:
        generated_file_fail(file_id=file_id, error="PDFを作成できませんでした。もう一度出力してください。")
        raise
    return generated_file_complete(file_id=file_id, content=rendered.content)


@transaction.atomic
def certificate_reissue(*, certificate: Certificate, reason: str, issued_by: User) -> Certificate:
    """A new certificate (new number) replaces one that was lost, damaged or wrong; the old one is void."""
    with set_actor(issued_by):
        if not reason.strip():
            raise DomainError("再交付の理由を入力してください。")
        # Lock in the same order as dismissal_notice_file (appointment, then certificate).
        Appointment.objects.select_for_update().get(pk=certificate.appointment_id)
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status != CertificateStatus.VALID:
            raise DomainError(f"この証は「{old.get_status_display()}」のため、再交付できません。")
        today = timezone.localdate()
        if old.valid_until < today:
            raise DomainError("有効期間が過ぎた証は再交付できません。新しく交付してください。")
        old.status = CertificateStatus.REPLACED
        old.invalidated_on = today
        old.save(update_fields=["status", "invalidated_on"])
        return certificate_issue(
            appointment=old.appointment, issued_by=issued_by, issued_on=today, valid_until=old.valid_until,
            replaces=old, reissue_reason=reason.strip(),
        )


# --- 解任届 ---------------------------------------------------------------------------

@transaction.atomic
def dismissal_notice_file(
    *,
    organisation: Organisation,
    coordinator: Coordinator,
    dismissed_on: dt.date,
    reason: str,
    certificate_returned: bool,
    filed_by: User,
    filed_on: dt.date | None = None,
) -> DismissalNotice:
    """The organisation reports a dismissal (様式第3号): the appointment ends and the certificate is void."""
    filed_on = filed_on or timezone.localdate()
    require_event_dates({"解任年月日": dismissed_on, "届出日": filed_on})
    with set_actor(filed_by):
        if coordinator.employer_id != organisation.pk:
            raise DomainError("この方は届出者の団体に所属していません。")
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .filter(coordinator=coordinator, end__isnull=True)
            .filter(Q(contract__organisation=organisation) | Q(contract__isnull=True))
            .first()
        )
        if appointment is None:
            raise DomainError(f"{coordinator.name}さんは選任（受理済み）されていないため、解任届は出せません。")
        if dismissed_on < appointment.start:
            raise DomainError(
                f"解任年月日（{_w(dismissed_on)}）が選任年月日（{_w(appointment.start)}）より前です。"
            )
        if dismissed_on > filed_on:
            raise DomainError(f"解任年月日（{_w(dismissed_on)}）が届出日より後です。解任した後に届け出てください。")
        if not reason.strip():
            raise DomainError("解任事由を入力してください。")

        appointment.end = dismissed_on
        appointment.save(update_fields=["end"])
        new_status = CertificateStatus.RETURNED if certificate_returned else CertificateStatus.UNRETURNED
        for certificate in Certificate.objects.select_for_update().filter(
            appointment=appointment, status=CertificateStatus.VALID
        ):
            certificate.status = new_status
            certificate.invalidated_on = dismissed_on
            certificate.save(update_fields=["status", "invalidated_on"])

        notice = DismissalNotice(
            organisation=organisation, appointment=appointment, dismissed_on=dismissed_on, reason=reason.strip(),
            certificate_returned=certificate_returned, filed_on=filed_on, filed_by=filed_by,
        )
        notice.document = document_issue(
            kind=documents.DISMISSAL_NOTICE,
            title=f"{coordinator.name}（{_w(dismissed_on)}解任）",
            snapshot=documents.dismissal_notice_snapshot(notice),
            filename=f"form3-dismissal-{coordinator.pk}-{dismissed_on:%Y%m%d}.pdf",
            organisation=organisation,
            issued_by=filed_by,
        )
        notice.save()
        return notice


@transaction.atomic
def dismissal_notice_accept(*, notice: DismissalNotice, accepted_by: User) -> DismissalNotice:
    """The city acknowledges (受理) a 解任届."""
    with set_actor(accepted_by):
        notice = _lock_notice(DismissalNotice, notice.pk)
        if notice.status != NoticeStatus.SUBMITTED:
            raise DomainError(f"この解任届は「{notice.get_status_display()}」のため、受理できません。")
        notice.status = NoticeStatus.ACCEPTED
        notice.decided_at = timezone.now()
        notice.decided_by = accepted_by
        notice.save(update_fields=["status", "decided_at", "decided_by"])
        return notice


@transaction.atomic
def certificate_mark_returned(*, certificate: Certificate, received_by: User) -> Certificate:
    """A certificate that was not attached to the 解任届 has come back to the city."""
    with set_actor(received_by):
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status != CertificateStatus.UNRETURNED:
            raise DomainError(f"この証は「{certificate.get_status_display()}」です。未返還の証だけを返還済みにできます。")
        certificate.status = CertificateStatus.RETURNED
        certificate.save(update_fields=["status"])
        return certificate


# --- 委託契約 -------------------------------------------------------------------------

@transaction.atomic
def contract_cancel(*, contract: Contract, on: dt.date, by: User) -> Contract:
    """The city cancels (解除) a contract: its appointments end and their certificates are void
    (to be returned), so that no certificate outlives the contract it rests on."""
    require_event_dates({"解除の日": on})
    with set_actor(by):
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.status != ContractStatus.ACTIVE:
            raise DomainError(f"この契約はすでに「{contract.get_status_display()}」です。")
        if on < contract.start:
            raise DomainError(f"解除日（{_w(on)}）が委託期間の開始日（{_w(contract.start)}）より前です。")
        for appointment in Appointment.objects.select_for_update().filter(contract=contract, end__isnull=True):
            appointment.end = max(on, appointment.start)
            appointment.save(update_fields=["end"])
            for certificate in Certificate.objects.select_for_update().filter(
                appointment=appointment, status=CertificateStatus.VALID
            ):
                certificate.status = CertificateStatus.UNRETURNED
                certificate.invalidated_on = appointment.end
                certificate.save(update_fields=["status", "invalidated_on"])
        for notice in AppointmentNotice.objects.select_for_update().filter(
            contract=contract, status=NoticeStatus.SUBMITTED
        ):
            notice.status = NoticeStatus.RETURNED
            notice.return_comment = f"委託契約が{_w(on)}付で解除されたため、受理できません。"
            notice.decided_at, notice.decided_by = timezone.now(), by
            notice.save(update_fields=["status", "return_comment", "decided_at", "decided_by"])
        contract.status = ContractStatus.CANCELLED
        contract.end = min(contract.end, max(on, contract.start))
        contract.save(update_fields=["status", "end"])
        return contract


# --- Moving in: contracts, appointments, certificates and training kept before the system -----
# The imports of a city's ledgers (coordinators/imports.py) call these. They record history that
# happened on paper, under the same rules as the lifecycle above: a contract only with an
# organisation that has 法人格, an appointment inside its contract's period and areas and never
# overlapping another, a certificate numbered in the 年度 of its issue, inside its appointment and
# contract, and never two valid at once.

LEGAL_FORMS_WITHOUT_PERSONALITY = frozenset({"任意団体"})


@transaction.atomic
def contract_save(
    *, organisation: Organisation, title: str, layer: int, areas: Iterable[Area], start: dt.date, end: dt.date,
    status: str = ContractStatus.ACTIVE, by: User, contract: Contract | None = None,
) -> Contract:
    """Register a 委託契約 (or change one nobody is appointed under yet)."""
    areas = list(areas)
    require_event_dates({"委託期間の開始日": start, "委託期間の終了日": end})
    with set_actor(by):
        if organisation.legal_form in LEGAL_FORMS_WITHOUT_PERSONALITY:
            raise DomainError(f"{organisation.name}は{organisation.legal_form}のため、委託契約を結べません（法人格が必要です）。")
        if end < start:
            raise DomainError(f"委託期間の終了日（{_w(end)}）が開始日（{_w(start)}）より前です。")
        if not areas:
            raise DomainError("契約の区域を1つ以上指定してください。")
        wrong = [area.name for area in areas if area.layer != layer]
        if wrong:
            raise DomainError(f"{'、'.join(wrong)}は第{layer}層の区域ではありません。")
        if contract is not None:
            contract = Contract.objects.select_for_update().get(pk=contract.pk)
            if contract.appointments.exists() and (
                (contract.start, contract.end, contract.layer, contract.status) != (start, end, layer, status)
                or set(contract.areas.values_list("pk", flat=True)) != {a.pk for a in areas}
            ):
                raise DomainError("選任のある契約の期間・層・区域・状態は変えられません。")
        else:
            contract = Contract(organisation=organisation, title=title)
        contract.layer, contract.start, contract.end, contract.status = layer, start, end, status
        contract.save()
        contract.areas.set(areas)
        return contract


@transaction.atomic
def coordinator_record(
    *, name: str, name_kana: str, birth_date: dt.date, job_title: str, layer: int, employer: Organisation, by: User,
) -> tuple[Coordinator, bool]:
    """The coordinator of this name and birth date, registered if new (and whether it was)."""
    require_birth_date(birth_date)
    with set_actor(by):
        coordinator = Coordinator.objects.filter(name=name, birth_date=birth_date).first()
        if coordinator is not None:
            if coordinator.employer_id != employer.pk:
                raise DomainError(f"{name}さんはすでに{coordinator.employer}の所属として登録されています。")
            return coordinator, False
        if not name_kana:
            raise DomainError("「ふりがな」を入力してください。")
        coordinator = Coordinator.objects.create(
            name=name, name_kana=name_kana, birth_date=birth_date, job_title=job_title, layer=layer, employer=employer,
        )
        return coordinator, True


@transaction.atomic
def appointment_record(
    *, coordinator: Coordinator, layer: int, contract: Contract | None, areas: Iterable[Area], start: dt.date,
    end: dt.date | None, by: User,
) -> Appointment:
    """An appointment the city accepted before the system (no 選任届 on record)."""
    areas = list(areas)
    require_event_dates({"選任年月日": start, "解任年月日": end})
    with set_actor(by):
        Coordinator.objects.select_for_update().get(pk=coordinator.pk)
        if end is not None and end < start:
            raise DomainError(f"解任年月日（{_w(end)}）が選任年月日（{_w(start)}）より前です。")
        if end is None and start > timezone.localdate():
            raise DomainError(f"選任年月日（{_w(start)}）が未来の日付です。")
        if not areas:
            raise DomainError("担当区域を1つ以上指定してください。")
        if contract is None:
            if layer != Layer.FIRST or not coordinator.employer.is_city_department:
                raise DomainError("契約によらない選任は、市の職員（第1層）に限られます。委託契約名を入力してください。")
        else:
            if contract.organisation_id != coordinator.employer_id:
                raise DomainError(f"委託契約「{contract.title}」は{coordinator.employer}の契約ではありません。")
            if contract.status == ContractStatus.CANCELLED and (end is None or end > contract.end):
                raise DomainError(f"委託契約「{contract.title}」は解除されています。")
            if contract.layer != layer:
                raise DomainError(f"委託契約「{contract.title}」は{contract.get_layer_display()}の契約です。")
            if not contract.covers(start) or (end is not None and not contract.covers(end)):
                raise DomainError(f"在任期間が委託期間（{_w(contract.start)}〜{_w(contract.end)}）の外です。")
            contract_area_ids = set(contract.areas.values_list("pk", flat=True))
            if any(area.pk not in contract_area_ids for area in areas):
                raise DomainError("担当区域は委託契約の区域から選んでください。")
        overlapping = Appointment.objects.filter(coordinator=coordinator, layer=layer, start__lte=end or dt.date.max).filter(
            Q(end__isnull=True) | Q(end__gte=start)).first()
        if overlapping:
            raise DomainError(f"{coordinator.name}さんは同じ期間にすでに選任されています（{overlapping}）。")
        appointment = Appointment.objects.create(coordinator=coordinator, layer=layer, contract=contract,
                                                 start=start, end=end)
        appointment.areas.set(areas)
        return appointment


def _certificate_serial(number: str) -> tuple[int, int]:
    """(年度, serial) of a number written 令和8-012 (or 第令和8-012号)."""
    import re
    import unicodedata

    from municipality.wareki import ERAS

    text = unicodedata.normalize("NFKC", number).strip().removeprefix("第").removesuffix("号")
    match = re.fullmatch(r"(令和|平成)(元|\d{1,2})-(\d{1,4})", text)
    if match is None:
        raise DomainError(f"証番号「{number}」の形が違います。令和8-012 のように書いてください。")
    era = next(e for e in ERAS if e.name == match[1])
    era_year = 1 if match[2] == "元" else int(match[2])
    return era.first_day.year + era_year - 1, int(match[3])


@transaction.atomic
def certificate_record_issued(
    *, appointment: Appointment, number: str, issued_on: dt.date, valid_from: dt.date | None,
    valid_until: dt.date, by: User,
) -> Certificate:
    """A コーディネーター証 issued before the system, with its own number and dates. Its 様式第2号 is
    stored from a snapshot of those, as for one issued here."""
    require_event_dates({"交付日": issued_on, "有効期間の開始日": valid_from, "有効期間の終了日": valid_until})
    with set_actor(by):
        appointment = Appointment.objects.select_for_update(of=("self",)).select_related(
            "coordinator__employer", "contract").get(pk=appointment.pk)
        coordinator = appointment.coordinator
        year, serial = _certificate_serial(number)
        if year != fiscal_year(issued_on):
            raise DomainError(f"証番号「{number}」の年度が交付日（{_w(issued_on)}）の年度と合いません。")
        number = certificate_number(year, serial)
        if Certificate.objects.filter(number=number).exists():
            raise DomainError(f"証番号「{number}」の証はすでに登録されています。")
        if issued_on > timezone.localdate():
            raise DomainError(f"交付日（{_w(issued_on)}）が未来の日付です。")
        valid_from = valid_from or max(issued_on, appointment.start)
        if valid_from < appointment.start:
            raise DomainError(f"有効期間の開始日（{_w(valid_from)}）が選任年月日（{_w(appointment.start)}）より前です。")
        if valid_until < valid_from:
            raise DomainError(f"有効期間の終了日（{_w(valid_until)}）が開始日（{_w(valid_from)}）より前です。")
        contract = appointment.contract
        limit = contract.end if contract is not None else fiscal_year_bounds(fiscal_year(valid_from))[1]
        if valid_until > limit:
            raise DomainError(f"有効期間の終了日（{_w(valid_until)}）が{'委託期間の終了日' if contract else '年度末'}（{_w(limit)}）を超えています。")
        today = timezone.localdate()
        if appointment.end is not None:
            status, invalidated_on = CertificateStatus.RETURNED, appointment.end
        elif valid_until < today:
            status, invalidated_on = CertificateStatus.EXPIRED, None
        else:
            status, invalidated_on = CertificateStatus.VALID, None
            current = Certificate.objects.filter(coordinator=coordinator, layer=appointment.layer,
                                                 status=CertificateStatus.VALID).first()
            if current is not None:
                raise DomainError(f"{coordinator.name}さんには有効な証（証番号 {current.number}）がすでにあります。")
        certificate = Certificate(
            coordinator=coordinator, appointment=appointment, layer=appointment.layer, fiscal_year=year, serial=serial,
            number=number, issued_on=issued_on, valid_from=valid_from, valid_until=valid_until, status=status,
            invalidated_on=invalidated_on, issued_by=by,
        )
        certificate.document = document_issue(
            kind=documents.CERTIFICATE, title=f"証番号 {number} {coordinator.name}（移行）",
            snapshot=documents.certificate_snapshot(certificate), filename=f"form2-certificate-{number}.pdf",
            organisation=coordinator.employer, issued_by=by,
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError as exc:
            raise DomainError(f"{coordinator.name}さんには有効な証がすでにあります。") from exc
        # Numbers given here later continue after the highest one of the 年度.
        sequence, _ = CertificateSequence.objects.select_for_update().get_or_create(fiscal_year=year)
        if sequence.last_serial < serial:
            sequence.last_serial = serial
            sequence.save(update_fields=["last_serial"])
        return certificate


@transaction.atomic
def training_record_add(
    *, coordinator: Coordinator, course: TrainingCourse, completed_on: dt.date, note: str, by: User,
) -> TrainingRecord:
    """A course a coordinator completed."""
    require_event_dates({"修了日": completed_on})
    with set_actor(by):
        if completed_on > timezone.localdate():
            raise DomainError(f"修了日（{_w(completed_on)}）が未来の日付です。")
        if TrainingRecord.objects.filter(coordinator=coordinator, course=course, completed_on=completed_on).exists():
            raise DomainError(f"{coordinator.name}さんの「{course.name}」（{_w(completed_on)}修了）はすでに登録されています。")
        return TrainingRecord.objects.create(coordinator=coordinator, course=course, completed_on=completed_on,
                                             note=note)


@transaction.atomic
def training_course_get_or_create(*, name: str, provider: str | None, is_required: bool, by: User) -> TrainingCourse:
    """The course of this name, registered if new (its 実施主体 is then needed)."""
    with set_actor(by):
        course = TrainingCourse.objects.filter(name=name).first()
        if course is not None:
            return course
        if not provider:
            raise DomainError(f"研修「{name}」は未登録です。新しい研修には「実施主体」を入力してください。")
        return TrainingCourse.objects.create(name=name, provider=provider, is_required=is_required)


# --- 守秘義務の誓約 -------------------------------------------------------------------------
# Seed 001 第8条 (受託団体及びコーディネーター), seed 000 第15条 (推進員): each coordinator signs a
# pledge, and the 受託団体 itself signs one at the start of each contract. Councils keep their own
# members' and attendees' pledges (councils.Pledge); this app does not know councils.

@transaction.atomic
def pledge_record(
    *, signed_on: dt.date, signer: str, by: User, coordinator: Coordinator | None = None,
    contract: Contract | None = None,
) -> Pledge:
    """Record a signed confidentiality pledge of a coordinator, or of the 受託団体 for a contract."""
    require_event_dates({"誓約日": signed_on})
    if (coordinator is None) == (contract is None):
        raise DomainError(localise("誓約したコーディネーターか、委託契約のどちらか一方を選んでください。"))
    if signed_on > timezone.localdate():
        raise DomainError(f"誓約日（{_w(signed_on)}）が未来の日付です。")
    with set_actor(by):
        if coordinator is not None:
            coordinator = Coordinator.objects.select_for_update().get(pk=coordinator.pk)
            earlier = Pledge.objects.filter(kind=PledgeKind.COORDINATOR, coordinator=coordinator).first()
            if earlier is not None:
                raise DomainError(f"{coordinator.name}さんの誓約はすでに記録されています（{_w(earlier.signed_on)}）。")
            signer = signer.strip() or coordinator.name
            return Pledge.objects.create(kind=PledgeKind.COORDINATOR, coordinator=coordinator,
                                         organisation_id=coordinator.employer_id, signed_on=signed_on,
                                         signer=signer, recorded_by=by)
        assert contract is not None
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        earlier = Pledge.objects.filter(kind=PledgeKind.ORGANISATION, contract=contract).first()
        if earlier is not None:
            raise DomainError(f"委託契約「{contract.title}」の受託団体の誓約はすでに記録されています（{_w(earlier.signed_on)}）。")
        if contract.status == ContractStatus.CANCELLED:
            raise DomainError(f"委託契約「{contract.title}」は解除されています。")
        if not signer.strip():
            raise DomainError("誓約した人（代表者の職名と氏名）を入力してください。")
        return Pledge.objects.create(kind=PledgeKind.ORGANISATION, contract=contract,
                                     organisation_id=contract.organisation_id, signed_on=signed_on,
                                     signer=signer.strip(), recorded_by=by)
