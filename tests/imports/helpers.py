"""Writing ledger files the way a city's Excel does, and sending them through the admin's pages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook


def xlsx(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[object]], encoding: str = "cp932") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def preview(client: Client, ledger: str, content: bytes, filename: str):
    return client.post(reverse("admin:imports_upload", args=[ledger]),
                       {"file": SimpleUploadedFile(filename, content)})


def confirm(client: Client, ledger: str, response, *, valid_rows_only: bool = False, token: str | None = None):
    html = response.content.decode()
    upload = re.search(r'name="upload" value="([0-9a-f]+)"', html).group(1)
    once = token or re.search(r'name="once_token" value="([0-9a-f-]+)"', html).group(1)
    data = {"upload": upload, "once_token": once}
    if valid_rows_only:
        data["valid_rows_only"] = "1"
    return client.post(reverse("admin:imports_confirm", args=[ledger]), data)


def import_file(client: Client, ledger: str, content: bytes, filename: str):
    """Preview then confirm; returns (preview response, confirm response)."""
    shown = preview(client, ledger, content, filename)
    assert shown.status_code == 200, shown.content[:500]
    assert shown.context["outcome"].refused == 0, [
        (r.line, r.reasons) for r in shown.context["outcome"].refused_rows]
    return shown, confirm(client, ledger, shown)
