"""Masking of 要配慮個人情報 in every output of case data (issue 14, item 2).

A case PDF is never handed a model instance: the view wraps what it gives the template in
``masked(value, masker)``, a read-only proxy that answers ``privacy.MASK`` for every field declared
``sensitive(...)`` (privacy.py) unless the output's approval names that item. Because the proxy sits
between the template and the data, a template cannot forget a field:

* a sensitive field, its ``_id`` column, its ``get_FOO_display()`` and a sensitive many-to-many
  (``Case.agencies``: one item) answer MASK;
* related objects (forward and reverse), managers, querysets and lists come back wrapped too, so
  ``case.household.all``, ``plan.short_goals.all``, ``e.corrects`` are masked the same way;
* properties and methods of the model run with the proxy as ``self``, so they only ever see masked
  values (``Referral.shared_rows``); a property that only *derives* from a sensitive field
  (``Case.domain_labels``) is declared in ``DERIVED`` and masked with it;
* ``Referral.shared`` (the snapshot of a 連携シート) is masked item by item through
  ``REFERRAL_ITEM_LEVELS``: the name stays, the 主訴 is masked unless approved.

An item is a key ``"Model.field"`` (``"Referral.shared.problems"`` for a sheet's item); an approval
(``OutputApproval.items``) lists the keys it unmasks. The case page on screen is not an output and
is not masked.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from inspect import getattr_static
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.manager import BaseManager
from django.utils.functional import cached_property

from .privacy import MASK, Level, level_of, sensitive_field_names

APP = "consultations"
SHARED_PREFIX = "Referral.shared."

# Properties computed from a sensitive field, masked whenever that field is.
DERIVED: dict[str, str] = {
    "Case.domain_labels": "Case.domains",
}

# What each output prints: the models whose sensitive items it may hold (the approval form offers
# exactly these). Area conferences hold no personal data and are no case output.
OUTPUT_MODELS: dict[str, tuple[str, ...]] = {
    "intake": ("Case", "HouseholdMember"),
    "plan": ("SupportPlan", "PlanGoal", "SupportItem", "PlanRole", "ParticipationSupport"),
    "conferences": ("CaseConference", "SupportPlan"),
    "assessment": ("Assessment", "AssessmentAnswer", "HouseholdMember"),
    "evaluation": ("Evaluation", "EvaluationGoal", "SupportPlan", "PlanGoal"),
    "referral": ("Referral",),
    "timeline": ("TimelineEntry",),
}
SELF_DISCLOSURE = "self_disclosure"


class MaskingError(Exception):
    """A use of masked data that would bypass the mask (raw values, writes)."""


@dataclass(frozen=True)
class Masker:
    """Which items an output shows unmasked (none by default)."""

    approved: frozenset[str] = frozenset()

    def hides(self, key: str) -> bool:
        return key not in self.approved

    @property
    def unmasked(self) -> bool:
        return bool(self.approved)


MASK_ALL = Masker(frozenset())


# --- the items -------------------------------------------------------------------------------

def _model(name: str) -> type[models.Model]:
    return apps.get_model(APP, name)


def _referral_sensitive_items() -> list[str]:
    from .models import REFERRAL_ITEM_LEVELS

    return [code for code, level in REFERRAL_ITEM_LEVELS.items() if level == Level.SENSITIVE]


def items_of_models(names: Iterable[str]) -> list[str]:
    keys: list[str] = []
    for name in names:
        for field_name in sensitive_field_names(_model(name)):
            if name == "Referral" and field_name == "shared":
                keys += [f"{SHARED_PREFIX}{code}" for code in _referral_sensitive_items()]
            else:
                keys.append(f"{name}.{field_name}")
    return list(dict.fromkeys(keys))


def items_of_output(output: str) -> list[str]:
    """The sensitive items an output holds, as keys; the 本人開示 holds every one of the case file."""
    if output == SELF_DISCLOSURE:
        return items_of_models(m.__name__ for m in apps.get_app_config(APP).get_models()
                               if sensitive_field_names(m))
    return items_of_models(OUTPUT_MODELS[output])


def item_label(key: str) -> str:
    """「アセスメント：課題の整理」 for ``Assessment.issues``."""
    from .models import ReferralItem

    if key.startswith(SHARED_PREFIX):
        code = key[len(SHARED_PREFIX):]
        label = ReferralItem(code).label if code in ReferralItem.values else code
        return f"連携シート：{label}"
    model_name, _, field_name = key.partition(".")
    try:
        model = _model(model_name)
        field: Any = model._meta.get_field(field_name)
    except (LookupError, FieldDoesNotExist):
        return key
    return f"{model._meta.verbose_name}：{field.verbose_name}"


def item_choices(output: str) -> list[tuple[str, str]]:
    return [(key, item_label(key)) for key in items_of_output(output)]


# --- the proxy -------------------------------------------------------------------------------

@cache
def _fields_by_name(model: Any) -> dict[str, Any]:
    """Concrete and many-to-many fields by name and by column attribute (``agency_id``)."""
    found: dict[str, Any] = {}
    for f in model._meta.get_fields():
        if getattr(f, "concrete", False) or (getattr(f, "many_to_many", False) and not f.auto_created):
            found[f.name] = f
            attname = getattr(f, "attname", None)
            if attname:
                found[attname] = f
    return found


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class _MaskedRelated:
    """A sensitive many-to-many (``Case.agencies``): one masked item, never its rows."""

    def __init__(self, manager: Any) -> None:
        self._any = manager.exists()

    def all(self) -> _MaskedRelated:
        return self

    def __iter__(self) -> Iterator[str]:
        return iter([MASK] if self._any else [])

    def __len__(self) -> int:
        return 1 if self._any else 0

    def __bool__(self) -> bool:
        return self._any

    def __str__(self) -> str:
        return MASK if self._any else ""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self


# Methods that would read raw values or write: refused on masked rows and objects.
_REFUSED_ROW_METHODS = frozenset({"values", "values_list", "raw", "extra", "aggregate", "update", "delete",
                                  "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
                                  "add", "remove", "set", "clear", "in_bulk"})
_REFUSED_OBJECT_METHODS = frozenset({"save", "delete", "refresh_from_db", "save_base", "serializable_value"})


class MaskedRows:
    """A manager or queryset whose rows come back masked."""

    def __init__(self, rows: Any, masker: Masker) -> None:
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "_masker", masker)
        object.__setattr__(self, "_cache", None)

    def _list(self) -> list[Any]:
        if self._cache is None:
            rows = self._rows.all() if isinstance(self._rows, BaseManager) else self._rows
            object.__setattr__(self, "_cache", [masked(r, self._masker) for r in rows])
        return self._cache

    def __iter__(self) -> Iterator[Any]:
        return iter(self._list())

    def __len__(self) -> int:
        return len(self._list())

    def __bool__(self) -> bool:
        return bool(self._list())

    def __getitem__(self, index: Any) -> Any:
        return masked(self._list()[index], self._masker)

    def __getattr__(self, name: str) -> Any:
        if name in _REFUSED_ROW_METHODS:
            raise MaskingError(f"{name}() is not available on masked case data")
        value = getattr(self._rows, name)
        if callable(value):
            def call(*args: Any, **kwargs: Any) -> Any:
                return masked(value(*args, **kwargs), self._masker)
            return call
        return masked(value, self._masker)

    def __setattr__(self, name: str, value: Any) -> None:
        raise MaskingError("masked case data is read-only")


class Masked:
    """A model instance as an output may print it (see the module's docstring)."""

    __slots__ = ("_masker", "_obj")

    def __init__(self, obj: models.Model, masker: Masker) -> None:
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_masker", masker)

    # isinstance(proxy, Case) holds, so a masked case can still name its rows in a query.
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return type(self._obj)

    def __setattr__(self, name: str, value: Any) -> None:
        raise MaskingError("masked case data is read-only")

    def __eq__(self, other: object) -> bool:
        return self._obj == (other._obj if isinstance(other, Masked) else other)

    def __hash__(self) -> int:
        return hash(self._obj)

    def __str__(self) -> str:
        to_text: Any = type(self._obj).__str__
        return str(to_text(self))

    def __repr__(self) -> str:
        return f"<Masked {self._obj!r}>"

    def _key(self, field_name: str) -> str:
        return f"{type(self._obj).__name__}.{field_name}"

    def _hidden_field(self, name: str) -> Any:
        """The sensitive field this attribute reads, if the output does not unmask it."""
        model: Any = type(self._obj)
        f = _fields_by_name(model).get(name)
        if f is not None and level_of(f) == Level.SENSITIVE and self._masker.hides(self._key(f.name)):
            return f
        return None

    def __getattr__(self, name: str) -> Any:
        obj, model = self._obj, type(self._obj)
        if name in _REFUSED_OBJECT_METHODS:
            raise MaskingError(f"{name}() is not available on masked case data")
        if model is _model("Referral") and name == "shared":
            return self._referral_shared()
        hidden = self._hidden_field(name)
        if hidden is not None:
            if hidden.many_to_many:
                return _MaskedRelated(getattr(obj, name))
            value = getattr(obj, name)
            return value if _is_empty(value) else MASK
        if name.startswith("get_") and name.endswith("_display"):
            hidden = self._hidden_field(name[4:-8])
            if hidden is not None:
                value = getattr(obj, hidden.attname)
                return (lambda: "") if _is_empty(value) else (lambda: MASK)
        derived = DERIVED.get(self._key(name))
        if derived is not None and self._masker.hides(derived):
            source = getattr(obj, derived.partition(".")[2])
            return "" if _is_empty(source) else MASK
        static = getattr_static(model, name, None)
        if isinstance(static, property) and static.fget is not None:
            return masked(static.fget(self), self._masker)
        if isinstance(static, cached_property):
            return masked(static.func(self), self._masker)
        if isinstance(static, types.FunctionType):
            return types.MethodType(static, self)
        return masked(getattr(obj, name), self._masker)

    def _referral_shared(self) -> list[list[str]]:
        from .models import REFERRAL_ITEM_LEVELS, ReferralItem

        by_label = {str(item.label): item.value for item in ReferralItem}
        rows = []
        for label, value in self._obj.shared:  # type: ignore[attr-defined]
            code = by_label.get(str(label), "")
            sensitive = REFERRAL_ITEM_LEVELS.get(code, Level.SENSITIVE) == Level.SENSITIVE
            if sensitive and self._masker.hides(f"{SHARED_PREFIX}{code}") and not _is_empty(value):
                value = MASK
            rows.append([label, value])
        return rows


def masked(value: Any, masker: Masker = MASK_ALL) -> Any:
    """``value`` as an output may print it: model instances, managers, querysets, lists, tuples and
    dicts are wrapped (deeply); other values pass through."""
    if isinstance(value, (Masked, MaskedRows, _MaskedRelated)):
        return value
    if isinstance(value, models.Model):
        return Masked(value, masker)
    if isinstance(value, (BaseManager, models.QuerySet)):
        return MaskedRows(value, masker)
    if isinstance(value, list):
        return [masked(v, masker) for v in value]
    if isinstance(value, tuple):
        return tuple(masked(v, masker) for v in value)
    if isinstance(value, dict):
        return {k: masked(v, masker) for k, v in value.items()}
    return value
