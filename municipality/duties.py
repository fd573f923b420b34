"""Separation of duties: who may hand out the roles that reach case records and the audit log.

Case records are need-to-know (consultations/access.py): a 相談支援員 sees a case because they
work on it or their agency is covered by the person's consent, and the 監査 role reads the log
of every such read. Whoever could give an account one of those roles, move a case worker into
another organisation, or take over such an account (its password, or its address, which a
password reset trusts) could read cases without need. So only a superuser may do any of that;
city staff who run the system day to day manage every other account.

Every change that touches a privileged account is told to the 監査 role by the signal
``privileged_access_changed``, which the notices app turns into お知らせ. The change itself is in
the audit log as every change is (the groups too: see AUDITLOG_INCLUDE_TRACKING_MODELS).

The changes are noticed at the model level (``pre_save``/``post_save`` of the user and
``m2m_changed`` of its groups), not in the admin, so that a management command or a shell is
reported too; refusal happens where a person acts (the admin), since only there is the actor
known for certain.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import Signal

from .roles import PRIVILEGED_ROLES

# Sent after commit of a change to a privileged account; kwargs: user, actor (or None), changes
# (a list of Japanese descriptions, without personal data beyond the login name).
privileged_access_changed = Signal()

# What of an account, once privileged, only a superuser may change, and how the notice names it.
GUARDED_FIELDS = {
    "username": "ログインID",
    "email": "メールアドレス",
    "password": "パスワード",
    "organisation_id": "所属団体",
    "is_active": "有効・無効",
    "is_superuser": "スーパーユーザー",
}


def may_manage_privileged(actor: Any) -> bool:
    """Only an active superuser grants, removes or takes over the roles that reach case data."""
    return bool(actor is not None and actor.is_authenticated and actor.is_active and actor.is_superuser)


def privileged_role_names(user: Any) -> set[str]:
    """The privileged roles a user holds, active or not (a deactivated case worker is still one)."""
    if user.pk is None:
        return set()
    names = {role.value for role in PRIVILEGED_ROLES}
    return set(user.groups.filter(name__in=names).values_list("name", flat=True))


def is_privileged(user: Any) -> bool:
    """An account that only a superuser may change: a superuser, a 相談支援員 or a 監査."""
    return bool(user.is_superuser or privileged_role_names(user))


def _actor() -> Any:
    """Who acts now, as django-auditlog knows it (its middleware and ``set_actor`` in services).

    auditlog leaves its context variable set after ``set_actor`` ends and only disconnects the
    receiver that stamps log entries, so the actor counts only while that receiver is connected.
    """
    from auditlog.context import auditlog_value
    from django.db.models.signals import pre_save as log_pre_save

    try:
        context = auditlog_value.get()
    except LookupError:
        return None
    live = {key[0] for key, *_ in log_pre_save.receivers}
    return context.get("actor") if context.get("signal_duid") in live else None


def _announce(user: Any, changes: list[str]) -> None:
    from django.db import transaction

    actor = _actor()
    transaction.on_commit(
        lambda: privileged_access_changed.send(sender=type(user), user=user, actor=actor, changes=changes)
    )


def _remember_guarded_values(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance._guarded_before = None
        return
    before = sender._base_manager.filter(pk=instance.pk).values(*GUARDED_FIELDS).first()
    instance._guarded_before = before


def _report_guarded_changes(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    before = getattr(instance, "_guarded_before", None)
    instance._guarded_before = None
    if raw or created or before is None or not is_privileged(instance):
        return
    changes = [label for name, label in GUARDED_FIELDS.items() if before[name] != getattr(instance, name)]
    if changes:
        _announce(instance, [f"{label}を変更" for label in changes])


def _report_role_changes(sender: type, instance: Any, action: str, reverse: bool, pk_set: set | None,
                         **kwargs: Any) -> None:
    from django.contrib.auth.models import Group

    from .models import User

    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    names = {role.value for role in PRIVILEGED_ROLES}
    verb = "付与" if action == "post_add" else "解除"
    if reverse:  # from the group's side: group.user_set.add(…), as a shell or a script might
        if instance.name not in names:
            return
        users = instance.user_set.all() if action == "pre_clear" else User.objects.filter(pk__in=pk_set or ())
        for user in users:
            _announce(user, [f"役割「{instance.name}」を{verb}"])
        return
    if action == "pre_clear":
        touched = set(instance.groups.filter(name__in=names).values_list("name", flat=True))
    else:
        touched = set(Group.objects.filter(pk__in=pk_set or (), name__in=names).values_list("name", flat=True))
    if touched:
        _announce(instance, [f"役割「{name}」を{verb}" for name in sorted(touched)])


def connect() -> None:
    from .models import User

    pre_save.connect(_remember_guarded_values, sender=User, dispatch_uid="duties.remember")
    post_save.connect(_report_guarded_changes, sender=User, dispatch_uid="duties.report")
    m2m_changed.connect(_report_role_changes, sender=User.groups.through, dispatch_uid="duties.roles")
