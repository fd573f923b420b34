"""Finding what the installed apps declare: the one way a lower layer learns about the apps above."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[ModuleType]:
    """Each installed app's ``<app>.<name>`` module (roles, reminders, documents, demo), in
    INSTALLED_APPS order. An app without one is skipped; an error inside one is raised."""
    for config in apps.get_app_configs():
        try:
            yield import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{name}":
                raise
