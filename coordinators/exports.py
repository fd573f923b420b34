"""What the coordinators' lists download (municipality/exports.py): the portal's lists and the admin's.

Birth dates and photos stay out: the lists do not show them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from municipality.exports import Table
from municipality.wareki import fiscal_year_label

from .models import Appointment, Certificate, CertificateStatus, Contract, Coordinator


def prepare_coordinators(coordinators: Any) -> Any:
    """What a coordinator's row reads (the same as selectors.coordinators_for, for the admin's list)."""
    return coordinators.select_related("employer").prefetch_related(
        Prefetch("appointments", queryset=Appointment.objects.prefetch_related("areas").order_by("-start")),
        Prefetch("certificates", queryset=Certificate.objects.filter(status=CertificateStatus.VALID),
                 to_attr="valid_certificates"),
    )


def _coordinator_row(c: Coordinator) -> list[object]:
    areas = [area.name for a in c.appointments.all() if a.end is None for area in a.areas.all()]
    valid = c.valid_certificates  # type: ignore[attr-defined]
    return [c.name, c.name_kana, c.employer.name if c.employer else "", c.get_layer_display(), c.job_title,
            "、".join(areas), "、".join(cert.number for cert in valid),
            min((cert.valid_until for cert in valid), default=None)]


COORDINATORS = Table(
    filename="coordinators", title="名簿",
    header=["氏名", "ふりがな", "雇用する団体", "層", "職名", "担当区域", "有効な証", "証の有効期間（終了）"],
    row=_coordinator_row, prepare=prepare_coordinators,
)


def _contract_row(c: Contract) -> list[object]:
    return [c.title, c.organisation.name, c.get_layer_display(), "、".join(a.name for a in c.areas.all()),
            c.start, c.end, c.get_status_display()]


CONTRACTS = Table(
    filename="contracts", title="委託契約",
    header=["契約名", "受託団体", "層", "区域", "委託期間（開始）", "委託期間（終了）", "状態"],
    row=_contract_row,
    prepare=lambda contracts: contracts.select_related("organisation").prefetch_related("areas"),
)


def _certificate_row(c: Certificate) -> list[object]:
    return [c.number, c.coordinator.name, c.get_layer_display(), fiscal_year_label(c.fiscal_year), c.issued_on,
            c.valid_from, c.valid_until, c.get_status_display(), c.invalidated_on,
            c.replaces.number if c.replaces else "", c.reissue_reason]


CERTIFICATES = Table(
    filename="certificates", title="証の交付",
    header=["証番号", "氏名", "層", "交付年度", "交付日", "有効期間（開始）", "有効期間（終了）", "状態",
            "無効になった日", "再交付前の証", "再交付の理由"],
    row=_certificate_row,
    prepare=lambda certificates: certificates.select_related("coordinator", "replaces"),
)


TRAINING = Table(
    filename="training-records", title="研修の受講",
    header=["氏名", "研修名", "実施主体", "修了日", "備考"],
    row=lambda r: [r.coordinator.name, r.course.name, r.course.get_provider_display(), r.completed_on, r.note],
    prepare=lambda records: records.select_related("coordinator", "course"),
)

