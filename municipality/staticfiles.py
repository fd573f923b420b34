"""Static file storages that work out each file's URL once per process.

The admin asks for the URL of its check-mark icon once per boolean cell (two hundred times on a list
of 100 meetings); the answer cannot change while the process runs (the manifest is read at start),
only with DEBUG, which is part of the key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberedUrlsMixin:
    _urls: dict[tuple, str]

    def url(self, name: Any, *args: Any, **kwargs: Any) -> str:
        key = (name, args, tuple(sorted(kwargs.items())), settings.DEBUG)
        urls = self.__dict__.setdefault("_urls", {})
        if key not in urls:
            urls[key] = super().url(name, *args, **kwargs)  # type: ignore[misc]
        return urls[key]


class RememberedUrlsManifestStorage(RememberedUrlsMixin, CompressedManifestStaticFilesStorage):
    """Production's storage (hashed, compressed files: whitenoise)."""


class RememberedUrlsStaticFilesStorage(RememberedUrlsMixin, StaticFilesStorage):
    """The tests' storage (files straight from the source folders)."""
