"""Coordinator photos: JPEG or PNG only, size-limited, decoded safely, re-encoded without metadata."""

from __future__ import annotations

import base64
import io
import struct
import warnings
import zlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the most a camera gives; more is a bomb
OUTPUT_SIZE = (480, 600)  # 2.4 × 3.0 cm at about 500 dpi
ALLOWED_FORMATS = {"JPEG", "PNG"}
TOO_MANY_PIXELS = "写真の画素数が大きすぎます。縮小してから登録してください。"


def clean_photo(upload) -> ContentFile:
    """Check an uploaded photo and return a fresh JPEG of it (no EXIF, no GPS, no comments)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"写真のファイルが大きすぎます（上限 {MAX_UPLOAD_BYTES // (1024 * 1024)}MB）。")
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError("写真は JPEG または PNG の画像にしてください。")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(TOO_MANY_PIXELS)
            probe.verify()  # structure check; the image must be reopened after this
            _require_complete(data, probe.format)
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("写真を画像として読み取れませんでした。JPEG または PNG の画像を選んでください。") from exc

    image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop EXIF
    image = ImageOps.fit(image.convert("RGB"), OUTPUT_SIZE, method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")


def _require_complete(data: bytes, image_format: str) -> None:
    """Refuse a cut or damaged file without trusting Pillow's decoder: WeasyPrint turns
    ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` on for the whole process when it is imported, and then
    Pillow silently fills the missing part of a truncated image with grey."""
    if image_format == "JPEG":
        # Inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so an
        # end-of-image marker after the last start-of-scan means the scan data is all there.
        scan = data.rfind(b"\xff\xda")
        if scan < 0 or data.find(b"\xff\xd9", scan) < 0:
            raise OSError("JPEG without its end-of-image marker")
    elif image_format == "PNG":
        # Every chunk up to IEND must be whole and match its CRC.
        pos = 8
        while True:
            if pos + 12 > len(data):
                raise OSError("PNG cut short")
            (length,) = struct.unpack(">I", data[pos:pos + 4])
            kind = data[pos + 4:pos + 8]
            end = pos + 8 + length
            if end + 4 > len(data):
                raise OSError("PNG chunk cut short")
            (crc,) = struct.unpack(">I", data[end:end + 4])
            if zlib.crc32(data[pos + 4:end]) & 0xFFFFFFFF != crc:
                raise OSError("PNG chunk damaged")
            if kind == b"IEND":
                return
            pos = end + 4


# --- A photo kept across a form shown again ---------------------------------------------
# A 選任届 refused for another field would otherwise lose its photo (a browser never puts a chosen file
# back). The checked, re-encoded JPEG (about 40 KB) waits in the user's own session, tied to the form's
# one-time token, so it is seen only by that session and only by that form; one per session (a newer
# one replaces it), gone with the session, and removed once the notice is filed.
KEPT_PHOTO_SESSION_KEY = "coordinators:kept_photo"


def photo_keep(session, *, token: str, content: bytes) -> None:
    session[KEPT_PHOTO_SESSION_KEY] = {"token": token, "jpeg": base64.b64encode(content).decode("ascii")}


def photo_kept(session, *, token: str) -> bytes | None:
    """The photo kept for the form with this token, or None."""
    kept = session.get(KEPT_PHOTO_SESSION_KEY)
    if not kept or not token or kept.get("token") != token:
        return None
    try:
        return base64.b64decode(kept["jpeg"], validate=True)
    except (KeyError, ValueError):
        return None


def photo_forget(session) -> None:
    session.pop(KEPT_PHOTO_SESSION_KEY, None)


def data_url(content: bytes) -> str:
    """For the thumbnail on the form shown again (the CSP allows data: images)."""
    return "data:image/jpeg;base64," + base64.b64encode(content).decode("ascii")
