"""What a meeting's paper (資料) may be, told from its bytes: never from its name or the browser's
content type, which anyone can set.

- PDF: starts with the ``%PDF-`` header and ends with an ``%%EOF`` after a ``startxref``.
- xlsx / docx: an OOXML zip whose ``[Content_Types].xml`` declares the workbook's or the document's
  main part, and that part is in the zip and reads whole (CRC). A zip of anything else, a macro-enabled
  file (xlsm, docm) or a zip bomb (too many entries, too much once unpacked, an absurd ratio) is refused
  before anything is unpacked.
- PNG / JPEG: Pillow identifies the format from the bytes, verifies the structure, and every PNG chunk
  (CRC) or the JPEG's end-of-image marker must be there (WeasyPrint turns Pillow's
  ``LOAD_TRUNCATED_IMAGES`` on for the whole process, so Pillow alone would accept a cut image).

The name's extension must then agree with what the content is: a Word document renamed ``.xlsx`` is
refused, so what an invitee's computer opens is what the secretariat meant.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from municipality.errors import DomainError


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str
    extensions: tuple[str, ...]
    content_type: str


PDF = FileKind("pdf", "PDF", (".pdf",), "application/pdf")
XLSX = FileKind("xlsx", "Excel", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DOCX = FileKind("docx", "Word", (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
PNG = FileKind("png", "画像（PNG）", (".png",), "image/png")
JPEG = FileKind("jpeg", "画像（JPEG）", (".jpg", ".jpeg"), "image/jpeg")
KINDS = {k.key: k for k in (PDF, XLSX, DOCX, PNG, JPEG)}

#: The main part each OOXML kind must declare in [Content_Types].xml, and where it usually lives.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
}
# Zip bombs: an office file of 10 MB holds a few thousand parts at most and unpacks to a few
# hundred MB only when it is mostly images (already compressed, ratio near 1).
MAX_ZIP_ENTRIES = 5000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # XML compresses about 10–30 times; 1,000 and more is a bomb
MAX_PIXELS = 100_000_000

ALLOWED = "PDF、Excel（xlsx）、Word（docx）、画像（PNG・JPEG）"


def max_bytes() -> int:
    return int(settings.MEETING_PAPER_MAX_BYTES)


def size_text(size: int) -> str:
    """「1.2MB」「35KB」 for lists, notices and mail."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}MB"
    return f"{max(1, round(size / 1024))}KB"


def refuse(detail: str) -> DomainError:
    return DomainError(f"{detail}登録できるのは {ALLOWED} のファイルです。")


def identify(data: bytes, filename: str) -> FileKind:
    """The kind of an uploaded paper, from its bytes; a DomainError in Japanese if it is none of the
    allowed kinds, is damaged, too large, or its name says another kind."""
    limit = max_bytes()
    if len(data) > limit:
        raise DomainError(f"ファイルが大きすぎます（{size_text(len(data))}）。1つの資料は {size_text(limit)} までです。")
    if not data:
        raise DomainError("ファイルが空です。")
    if data.startswith(b"%PDF-"):
        kind = _pdf(data)
    elif data.startswith(b"PK\x03\x04"):
        kind = _ooxml(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        kind = _image(data)
    else:
        raise refuse("このファイルの種類は登録できません。")
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in kind.extensions:
        raise DomainError(f"ファイルの中身は{kind.label}ですが、名前の拡張子が「{extension or 'なし'}」です。"
                          f"中身に合った拡張子（{'・'.join(kind.extensions)}）のファイルを選んでください。")
    return kind


def _pdf(data: bytes) -> FileKind:
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in data[-4096:]:
        raise refuse("PDFとして読み取れませんでした（途中で切れているか、壊れています）。")
    return PDF


def _ooxml(data: bytes) -> FileKind:
    damaged = refuse("Excel・Wordのファイルとして読み取れませんでした。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise refuse("圧縮ファイルの中身が多すぎます。")
        unpacked = sum(e.file_size for e in entries)
        packed = max(1, sum(e.compress_size for e in entries))
        if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
            raise refuse("展開すると極端に大きくなるファイルは登録できません。")
        names = {e.filename for e in entries}
        if "[Content_Types].xml" not in names:
            raise damaged
        root = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        kind, part = None, None
        for override in root:
            content_type = override.get("ContentType", "")
            if "macroEnabled" in content_type or content_type == "application/vnd.ms-office.vbaProject":
                raise refuse("マクロを含むファイルは登録できません。")
            if content_type in _OOXML_MAIN:
                kind, part = _OOXML_MAIN[content_type], override.get("PartName", "").lstrip("/")
        if kind is None or part not in names:
            raise damaged
        archive.read(part)  # unpacked (size checked above) and its CRC compared
    except DomainError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, KeyError, OSError, ValueError,
            EOFError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise damaged from exc
    return kind


def _image(data: bytes) -> FileKind:
    damaged = refuse("画像として読み取れませんでした（途中で切れているか、壊れています）。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            image_format = probe.format
            if image_format not in ("PNG", "JPEG"):
                raise damaged
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise refuse("画像の画素数が大きすぎます。")
            probe.verify()
        _require_complete(data, image_format)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refuse("画像の画素数が大きすぎます。") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        raise damaged from exc
    return PNG if image_format == "PNG" else JPEG


def _require_complete(data: bytes, image_format: str) -> None:
    if image_format == "JPEG":
        scan = data.rfind(b"\xff\xda")
        if scan < 0 or data.find(b"\xff\xd9", scan) < 0:
            raise OSError("JPEG without its end-of-image marker")
        return
    pos = 8
    while True:
        if pos + 12 > len(data):
            raise OSError("PNG cut short")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        end = pos + 8 + length
        if end + 4 > len(data):
            raise OSError("PNG chunk cut short")
        (crc,) = struct.unpack(">I", data[end:end + 4])
        if zlib.crc32(data[pos + 4:end]) & 0xFFFFFFFF != crc:
            raise OSError("PNG chunk damaged")
        if data[pos + 4:pos + 8] == b"IEND":
            return
        pos = end + 4
