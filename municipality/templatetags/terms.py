from django import template

from municipality.terms import localise

register = template.Library()


@register.filter
def term(value: object) -> str:
    """{{ ledger.label|term }}: a text fixed in code, with the municipality's own term for the
    coordinator (「コーディネーター（選任・証の履歴）」 → 「地域支え合い推進員（選任・証の履歴）」)."""
    return localise(str(value))
