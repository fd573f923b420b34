"""The data of 様式第1〜3号, taken when a document is issued (and blank versions).

A snapshot holds exactly what the form prints, already formatted (和暦 dates,
addressee, wording from the municipality settings), plus the photo as inline data,
so that the stored document never depends on data that may change later.

The three forms are issued documents (forms_pdf.kinds): declared here, issued through
forms_pdf.services.document_issue, stored and never re-rendered. Their blank versions are
live reports (rendered on each request with render_pdf, never stored).
"""

from __future__ import annotations

import base64
from typing import Any

from forms_pdf.kinds import register_kind
from municipality.models import Municipality, Organisation
from municipality.terms import term
from municipality.wareki import BLANK_DATE, format_wareki

from . import certificates_print
from .models import AppointmentNotice, Certificate, DismissalNotice

# The keys are stored in IssuedDocument.kind: never change them.
APPOINTMENT_NOTICE = register_kind(
    key="form1", label="様式第1号 選任届出書", template="coordinators/forms/form1_appointment.html",
)
CERTIFICATE = register_kind(
    key="form2", label=term("様式第2号 コーディネーター証"), template="coordinators/forms/form2_certificate_card.html",
    serve=certificates_print.serve_document,
)
DISMISSAL_NOTICE = register_kind(
    key="form3", label="様式第3号 解任届出書", template="coordinators/forms/form3_dismissal.html",
)


def _applicant(organisation: Organisation | None) -> dict[str, str]:
    if organisation is None:
        return {"address": "", "name": "", "representative": ""}
    representative = "　".join(p for p in [organisation.representative_title, organisation.representative_name] if p)
    return {"address": organisation.address, "name": organisation.name, "representative": representative}


def _notice_common(municipality: Municipality, contract_title: str, verb: str) -> dict[str, str]:
    term = municipality.coordinator_term
    return {
        "addressee": municipality.mayor_title,
        "title": f"{term}{verb}届出書",
        "body": f"{contract_title}に伴い、下記のとおり{term}を{verb}したので届け出ます。",
        "term": term,
    }


def _contract_title(municipality: Municipality) -> str:
    return f"{municipality.name}{municipality.coordinator_term}配置業務委託"


def appointment_notice_snapshot_for(notice: AppointmentNotice, areas: list) -> dict[str, Any]:
    """Taken as the notice is filed, before it is saved (so its areas are passed in)."""
    municipality = Municipality.objects.current()
    coordinator = notice.coordinator
    return {
        **_notice_common(municipality, notice.contract.title, "選任"),
        "filed_on": format_wareki(notice.filed_on),
        "applicant": _applicant(notice.organisation),
        "person": {
            "job_title": coordinator.job_title,
            "name": coordinator.name,
            "birth_date": format_wareki(coordinator.birth_date),
        },
        "appointed_on": format_wareki(notice.appointed_on),
        "reason": notice.reason,
        "areas": "、".join(area.name for area in areas),
    }


def dismissal_notice_snapshot(notice: DismissalNotice) -> dict[str, Any]:
    municipality = Municipality.objects.current()
    appointment = notice.appointment
    contract_title = appointment.contract.title if appointment.contract else _contract_title(municipality)
    return {
        **_notice_common(municipality, contract_title, "解任"),
        "filed_on": format_wareki(notice.filed_on),
        "applicant": _applicant(notice.organisation),
        "person": {"job_title": appointment.coordinator.job_title, "name": appointment.coordinator.name},
        "dismissed_on": format_wareki(notice.dismissed_on),
        "reason": notice.reason,
        "attachment": f"{municipality.coordinator_term}証" if notice.certificate_returned else "なし（証は未返還）",
    }


def _spaced(text: str) -> str:
    """千 葉 市 長: the issuer is printed letter-spaced, as on the form."""
    return " ".join(text)


def _notes(municipality: Municipality) -> list[str]:
    term, department = municipality.coordinator_term, municipality.certificate_department
    return [
        f"１．本証明書は、{term}活動以外の目的に使用することはできませんが、活動に際しては、常用すること。",
        "２．本証明書は、他人に貸与又は譲渡しないこと。",
        "３．本証明書は、紛失、汚損しないように注意すること。",
        f"４．本証明書を、紛失した場合は、速やかに{department}に届けること。",
        f"５．身分を失った場合は、速やかに{department}に返還すること。",
    ]


def certificate_snapshot(certificate: Certificate) -> dict[str, Any]:
    municipality = Municipality.objects.current()
    coordinator = certificate.coordinator
    photo = ""
    if coordinator.photo:
        with coordinator.photo.open("rb") as handle:
            photo = "data:image/jpeg;base64," + base64.b64encode(handle.read()).decode()
    return {
        "title": f"{municipality.coordinator_term}証",
        "term": municipality.coordinator_term,
        "number": certificate.number,
        "name": coordinator.name,
        "name_kana": coordinator.name_kana,
        "birth_date": format_wareki(coordinator.birth_date),
        "organisation": coordinator.employer.name,
        "areas": "、".join(area.name for area in certificate.appointment.areas.all()),
        "valid_from": format_wareki(certificate.valid_from),
        "valid_until": format_wareki(certificate.valid_until),
        "issued_on": format_wareki(certificate.issued_on),
        "issuer": _spaced(municipality.mayor_title),
        "photo": photo,
        "notes": _notes(municipality),
    }


# --- Blank forms -------------------------------------------------------------------

def blank_appointment_notice() -> dict[str, Any]:
    municipality = Municipality.objects.current()
    return {
        **_notice_common(municipality, _contract_title(municipality), "選任"),
        "filed_on": BLANK_DATE,
        "applicant": _applicant(None),
        "person": {"job_title": "", "name": "", "birth_date": BLANK_DATE},
        "appointed_on": BLANK_DATE,
        "reason": "",
    }


def blank_dismissal_notice() -> dict[str, Any]:
    municipality = Municipality.objects.current()
    return {
        **_notice_common(municipality, _contract_title(municipality), "解任"),
        "filed_on": BLANK_DATE,
        "applicant": _applicant(None),
        "person": {"job_title": "", "name": ""},
        "dismissed_on": BLANK_DATE,
        "reason": "",
        "attachment": f"{municipality.coordinator_term}証",
    }


def blank_certificate() -> dict[str, Any]:
    municipality = Municipality.objects.current()
    return {
        "title": f"{municipality.coordinator_term}証",
        "term": municipality.coordinator_term,
        "number": "　　　－　　　",
        "name": "",
        "name_kana": "",
        "birth_date": BLANK_DATE,
        "organisation": "",
        "areas": "",
        "valid_from": BLANK_DATE,
        "valid_until": BLANK_DATE,
        "issued_on": BLANK_DATE,
        "issuer": _spaced(municipality.mayor_title),
        "photo": "",
        "notes": _notes(municipality),
    }
