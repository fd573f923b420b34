"""The 取り込み / テンプレート buttons on the changelist of a model that has a ledger to import."""

from __future__ import annotations

from typing import Any

from django import template

from municipality import importing
from municipality.roles import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def ledgers_for_changelist(context: Any, opts: Any) -> list[importing.Ledger]:
    """The ledgers imported into this list, for city staff (the only ones who may import)."""
    user = context["request"].user
    if not (user.is_superuser or user.has_role(Role.CITY_STAFF)):
        return []
    return importing.ledgers_of_model(opts.label_lower)


@register.simple_tag(takes_context=True)
def may_import(context: Any) -> bool:
    user = context["request"].user
    return bool(user.is_superuser or user.has_role(Role.CITY_STAFF))
