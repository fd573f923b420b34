"""The legal bases on which case information is shared (seed 003 2; NOTES.md "Case work and privacy").

Every disclosure (a meeting's attendance, a 連携シート, an approved unmasked output, a listing for
避難支援) records one of these codes. Two kinds:

* ``consent``: 本人の同意 (個人情報保護法 第69条第2項第1号 for a local government; the 重層的支援会議
  of seed 003). Sharing only with the agencies of a consent current on the day, and the record
  names that consent.
* a statutory body (``is_body``): the law lets its members share without consent and binds each of
  them by its own confidentiality duty (``duty``). Sharing only among the body's members.

A municipality adds its own bases (a 条例, another law) in the setting ``CASE_EXTRA_LEGAL_BASES``:
a list of dicts with ``code``, ``label``, ``article`` and ``duty`` (empty ``duty``: not a body).
Codes are stored as text, so adding one needs no migration; removing one that records name is
refused at start-up by the system check below.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

CONSENT = "consent"
SUPPORT_MEETING = "swl_106_6"
CHILD_COUNCIL = "child_25_2"
POVERTY_MEETING = "poverty_9"
CARE_MEETING = "ltc_115_48"
EVACUATION = "disaster_49_11"
DISCLOSURE_REQUEST = "disclosure_request"


@dataclass(frozen=True)
class LegalBasis:
    code: str
    label: str       # what a page and a PDF print: 「社会福祉法第106条の6（支援会議）」
    article: str     # the article itself
    duty: str = ""   # the confidentiality duty that binds a statutory body's members ("" for consent)

    @property
    def is_body(self) -> bool:
        """Sharing among the members of a statutory body, each bound by ``duty``."""
        return bool(self.duty)


BUILTIN = (
    LegalBasis(CONSENT, "本人の同意", "個人情報の保護に関する法律第69条第2項第1号"),
    LegalBasis(SUPPORT_MEETING, "社会福祉法第106条の6（支援会議）", "社会福祉法第106条の6",
               "社会福祉法第106条の6第5項"),
    LegalBasis(CHILD_COUNCIL, "児童福祉法第25条の2（要保護児童対策地域協議会）", "児童福祉法第25条の2",
               "児童福祉法第25条の5"),
    LegalBasis(POVERTY_MEETING, "生活困窮者自立支援法第9条（支援会議）", "生活困窮者自立支援法第9条",
               "生活困窮者自立支援法第9条第5項"),
    LegalBasis(CARE_MEETING, "介護保険法第115条の48（地域ケア会議）", "介護保険法第115条の48",
               "介護保険法第115条の48第5項"),
    # The 避難行動要支援者 listing goes to the 避難支援等関係者 the person agreed to (not a body: each
    # recipient is bound by 災害対策基本法第49条の13, printed on the listing itself).
    LegalBasis(EVACUATION, "災害対策基本法第49条の11第2項（避難行動要支援者名簿・本人の同意）",
               "災害対策基本法第49条の11第2項"),
    # The person's own 開示請求: their whole record goes to them (the 本人開示 PDF), nobody else.
    LegalBasis(DISCLOSURE_REQUEST, "本人からの開示請求", "個人情報の保護に関する法律第76条"),
)


def all_bases() -> list[LegalBasis]:
    """The built-in bases, then the municipality's own (setting ``CASE_EXTRA_LEGAL_BASES``)."""
    extra = [LegalBasis(code=b["code"], label=b["label"], article=b.get("article", b["label"]),
                        duty=b.get("duty", ""))
             for b in getattr(settings, "CASE_EXTRA_LEGAL_BASES", [])]
    return [*BUILTIN, *extra]


def get(code: str) -> LegalBasis:
    for basis in all_bases():
        if basis.code == code:
            return basis
    raise KeyError(code)


def label(code: str) -> str:
    try:
        return get(code).label
    except KeyError:
        return f"（不明な根拠：{code}）"


def choices(*, bodies_only: bool = False) -> list[tuple[str, str]]:
    return [(b.code, b.label) for b in all_bases() if b.is_body or not bodies_only]


def body_choices() -> list[tuple[str, str]]:
    return choices(bodies_only=True)


# Bases that belong to one page of their own: the 避難行動要支援者 listing's and the person's own
# 開示請求. A worker never picks them for a 連携シート or an approval.
OWN_PAGE_BASES = frozenset({EVACUATION, DISCLOSURE_REQUEST})


def sharing_choices() -> list[tuple[str, str]]:
    """The bases a worker may name when sharing with an agency or printing for someone: consent,
    the bodies' and the municipality's own extras."""
    return [(code, text) for code, text in choices() if code not in OWN_PAGE_BASES]
