"""The content check of a meeting's paper (councils/paper_files.py) on files near the 10 MB limit: how
long a PDF, an xlsx, a JPEG and a PNG take to be identified, and a zip bomb (1 GiB of zeros packed
into about 1 MB) to be refused. Medians of 20 runs."""

from __future__ import annotations

import io
import os
import statistics
import time
import zipfile
from collections.abc import Callable

from municipality.errors import DomainError


def _median_ms(action: Callable[[], object], repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


def _files() -> dict[str, tuple[bytes, str]]:
    from openpyxl import Workbook
    from PIL import Image

    book = Workbook()
    for i in range(20_000):
        book.active.append([i, f"地区{i % 13}", i * 3, "見守り"])
    xlsx = io.BytesIO()
    book.save(xlsx)
    jpeg, png = io.BytesIO(), io.BytesIO()
    Image.effect_noise((3000, 2000), 64).convert("RGB").save(jpeg, "JPEG", quality=92)
    Image.effect_noise((1500, 1000), 64).convert("RGB").save(png, "PNG")
    return {
        "pdf_9mb": (b"%PDF-1.7\n" + os.urandom(9 * 1024 * 1024) + b"\nstartxref\n0\n%%EOF\n", "a.pdf"),
        "xlsx_20000_rows": (xlsx.getvalue(), "a.xlsx"),
        "jpeg_3000x2000": (jpeg.getvalue(), "a.jpg"),
        "png_1500x1000": (png.getvalue(), "a.png"),
    }


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"\0" * (1024 ** 3))
    return out.getvalue()


def run(report) -> None:
    from councils.paper_files import identify

    for name, (data, filename) in _files().items():
        report(f"paper_checks.{name}.size", round(len(data) / (1024 * 1024), 1), "MB")
        report(f"paper_checks.{name}.median", _median_ms(lambda d=data, f=filename: identify(d, f)), "ms")
    bomb = _bomb()

    def refused() -> None:
        try:
            identify(bomb, "a.xlsx")
        except DomainError:
            return
        raise AssertionError("the zip bomb was accepted")

    report("paper_checks.zip_bomb.size", round(len(bomb) / 1024), "KB")
    report("paper_checks.zip_bomb_refused.median", _median_ms(refused), "ms")
