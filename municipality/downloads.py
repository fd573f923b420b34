"""The Content-Disposition of every download (RFC 6266), so that browsers, mail clients and scripts
all find the file's Japanese name."""

from __future__ import annotations

import re
import unicodedata

from django.utils.http import content_disposition_header

_UNSAFE_IN_FALLBACK = re.compile(r'(?:[^\x20-\x7e]|["\\%])+')


def _ascii_fallback(filename: str) -> str:
    # For clients that ignore filename*: each run of non-ASCII letters becomes one "_" (NFKC first, so
    # that full-width digits and letters stay readable); the extension is kept.
    return _UNSAFE_IN_FALLBACK.sub("_", unicodedata.normalize("NFKC", filename))


def content_disposition(filename: str, *, as_attachment: bool = True) -> str:
    """`attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>` (just filename= when ASCII)."""
    header = content_disposition_header(as_attachment, filename)
    assert header is not None  # a filename is always given
    if "filename*=" not in header:  # Django quoted an ASCII name: that is all a client needs
        return header
    disposition, _, encoded = header.partition("; ")
    # Django writes utf-8''; RFC 8187 compares the charset case-insensitively, UTF-8 is the usual spelling.
    encoded = encoded.replace("filename*=utf-8''", "filename*=UTF-8''", 1)
    return f'{disposition}; filename="{_ascii_fallback(filename)}"; {encoded}'
