"""The one scoping mechanism: which objects a user may see.

Every queryset of data that belongs to an organisation, an area or a person derives
from ``ScopedQuerySet`` and states, in a ``ScopeRule``, how its rows reach those.
Views, downloads and admin pages all ask ``Model.objects.visible_to(user)`` (or the
helpers below, which do), so a page cannot forget the rule, and an object outside a
user's scope answers 404: its id reveals nothing.

* City-wide users (市職員, 監査, superusers) see every row, unless the rule says
  ``city_wide=False`` (need-to-know data such as case records).
* Everyone else sees the rows whose organisation is theirs (when they act for it:
  every role but コーディネーター), whose area is one of theirs (or lies below one
  of theirs), or that name them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ScopeRule:
    """How a row reaches the things a user belongs to; each is a lookup path or None.

    ``organisation_roles`` names the roles that see the organisation's rows through
    ``organisation``: a 受託団体 user sees their organisation's notices, while a
    colleague who is a 相談支援員 or a コーディネーター does not. By default every role
    that acts for an organisation (all but コーディネーター).
    """

    organisation: str | None = None
    area: str | None = None
    user: str | tuple[str, ...] | None = None  # several paths: a row reached by any of them
    city_wide: bool = True  # False: city-wide roles get no blanket access (need-to-know data)
    organisation_roles: frozenset | None = None


class Scope:
    """What one user belongs to. The areas are read only when a rule asks for them: a city-wide
    user's lists of city-wide data never need them (two queries fewer on each of their pages)."""

    def __init__(self, user_id: int | None, everything: bool, organisation_ids: frozenset[int],
                 roles: frozenset = frozenset(), *, user: Any = None) -> None:
        self.user_id = user_id
        self.everything = everything
        self.organisation_ids = organisation_ids
        self.roles = roles
        self._user = user

    @cached_property
    def area_ids(self) -> frozenset[int]:
        user = self._user
        if user is None:
            return frozenset()
        area_ids: set[int] = set()
        for area in user.areas.all():
            area_ids |= area.descendant_ids()
        # Apps add areas a user works in by virtue of their records (e.g. a coordinator's
        # contracts), named in settings.SCOPE_AREA_PROVIDERS.
        for provider in settings.SCOPE_AREA_PROVIDERS:
            area_ids |= set(import_string(provider)(user))
        return frozenset(area_ids)

    @classmethod
    def of(cls, user: AbstractBaseUser | AnonymousUser) -> Scope:
        cached = getattr(user, "_scope_cache", None)
        if cached is not None:
            return cached
        if not user.is_authenticated or not user.is_active:
            scope = cls(None, False, frozenset(), frozenset())
        else:
            org_ids = frozenset({user.organisation_id} if user.organisation_id else set())
            scope = cls(user.pk, user.is_city_wide, org_ids, frozenset(user.roles), user=user)
        user._scope_cache = scope
        return scope


class ScopedQuerySet(models.QuerySet):
    scope_rule: ClassVar[ScopeRule] = ScopeRule()

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> ScopedQuerySet:
        scope = Scope.of(user)
        rule = self.scope_rule
        if scope.user_id is None:
            return self.none()
        if scope.everything and rule.city_wide:
            return self
        condition = Q(pk__in=[])
        from .roles import ORGANISATION_WIDE_ROLES

        organisation_roles = ORGANISATION_WIDE_ROLES if rule.organisation_roles is None else rule.organisation_roles
        if rule.organisation and scope.organisation_ids and scope.roles & organisation_roles:
            condition |= Q(**{f"{rule.organisation}__in": scope.organisation_ids})
        if rule.area and scope.area_ids:
            condition |= Q(**{f"{rule.area}__in": scope.area_ids})
        user_paths = (rule.user,) if isinstance(rule.user, str) else (rule.user or ())
        for user_path in user_paths:
            condition |= Q(**{user_path: scope.user_id})
        paths = [p for p in (rule.organisation, rule.area, *user_paths) if p]
        if all(_single_valued(self.model, path) for path in paths):
            return self.filter(condition)
        # Paths through many-to-many relations can repeat a row; a subquery keeps the
        # queryset free of DISTINCT, so callers may still order and annotate it.
        return self.filter(pk__in=self.model._base_manager.filter(condition).values("pk"))


def _single_valued(model: type[models.Model], path: str) -> bool:
    """Whether a lookup path follows only foreign keys (each row matches at most once)."""
    for name in path.split("__"):
        if name == "pk":
            return True
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return False
        if not field.is_relation:
            return True
        model = field.related_model
    return True


def visible(model_or_queryset: type[M] | models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    queryset = (
        model_or_queryset._default_manager.all()
        if isinstance(model_or_queryset, type)
        else model_or_queryset
    )
    if not isinstance(queryset, ScopedQuerySet):
        raise TypeError(f"{queryset.model.__name__} has no scope rule; give it a ScopedQuerySet")
    return queryset.visible_to(user)


def get_visible_or_404(model_or_queryset: type[M] | models.QuerySet[M], user: Any, **lookup: Any) -> M:
    """The object if the user may see it; otherwise 404, whether it exists or not."""
    try:
        return visible(model_or_queryset, user).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("ページが見つかりません。") from exc
