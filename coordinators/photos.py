"""Coordinator photos: JPEG or PNG only, size-limited, decoded safely, re-encoded without metadata."""

from __future__ import annotations

import io
import warnings

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
