"""Absolute links that leave the request: mails and calendar files carry the configured site address
(settings.SITE_URL, https in production), never the host or scheme a request happened to use."""

from __future__ import annotations

from django.conf import settings


def site_url(path: str) -> str:
    """``/meetings/3/`` → ``https://shien.example.lg.jp/meetings/3/``; an absolute URL is returned as is."""
    return f"{settings.SITE_URL.rstrip('/')}{path}" if path.startswith("/") else path
