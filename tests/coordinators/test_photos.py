"""Photo upload: JPEG or PNG only, size-limited, image bombs refused, re-encoded without metadata."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from coordinators.photos import MAX_UPLOAD_BYTES, OUTPUT_SIZE, clean_photo
from tests.lifecycle import jpeg_bytes


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size: a decompression bomb in a few hundred bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


def test_a_jpeg_is_re_encoded_to_the_photo_size():
    result = clean_photo(upload(jpeg_bytes((1200, 1600))))
    image = Image.open(io.BytesIO(result.read()))
    assert image.format == "JPEG"
    assert image.size == OUTPUT_SIZE


def test_a_png_is_accepted_and_becomes_a_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (500, 700), (10, 20, 30, 255)).save(out, format="PNG")
    result = clean_photo(upload(out.getvalue(), "photo.png", "image/png"))
    assert Image.open(io.BytesIO(result.read())).format == "JPEG"


def test_metadata_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"        # Make
    exif[0x8825] = {2: (35, 20, 0)}      # GPS latitude
    original = jpeg_bytes(exif=exif.tobytes())
    assert Image.open(io.BytesIO(original)).getexif()
    result = Image.open(io.BytesIO(clean_photo(upload(original)).read()))
    assert not result.getexif()
    assert "exif" not in result.info
    assert b"Camera maker" not in clean_photo(upload(original)).read()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7 not an image", "photo.jpg", "読み取れませんでした"),
        (b"<?php echo 'x'; ?>", "photo.png", "読み取れませんでした"),
        (b"", "photo.jpg", "読み取れませんでした"),
    ],
)
def test_non_images_are_refused(content, name, message):
    with pytest.raises(ValidationError, match=message):
        clean_photo(upload(content, name))


def test_other_image_formats_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, format="GIF")
    with pytest.raises(ValidationError, match="JPEG または PNG"):
        clean_photo(upload(out.getvalue(), "photo.gif", "image/gif"))


def test_oversized_files_are_refused():
    big = upload(b"\xff\xd8" + b"0" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValidationError, match="大きすぎます"):
        clean_photo(big)


@pytest.mark.parametrize("size", [(8_000, 8_000), (10_000, 10_000), (60_000, 60_000)])
def test_image_bombs_are_refused(size):
    with pytest.raises(ValidationError, match="画素数が大きすぎます"):
        clean_photo(upload(png_header_only(*size), "bomb.png", "image/png"))


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(ValidationError, match="読み取れませんでした"):
        clean_photo(upload(jpeg_bytes()[:200]))


def _noisy_photo(fmt: str) -> bytes:
    """A real photo-sized image with detail, so that cutting it leaves a valid header and half a body."""
    import random

    rng = random.Random(7)
    image = Image.new("RGB", (600, 800))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(600 * 800)])
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "photo.jpg"), ("PNG", "photo.png")])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_damaged_photo_is_refused_even_after_weasyprint_is_imported(fmt, name, keep):
    # WeasyPrint switches Pillow's LOAD_TRUNCATED_IMAGES on for the whole process on import; the
    # photo check must not depend on that global.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True, "weasyprint no longer sets the flag: keep the test honest"
    data = _noisy_photo(fmt)
    with pytest.raises(ValidationError, match="読み取れませんでした"):
        clean_photo(upload(data[: int(len(data) * keep)], name))
    assert clean_photo(upload(data, name)).size > 0



def test_a_png_with_a_damaged_chunk_is_refused():
    import weasyprint  # noqa: F401

    data = bytearray(_noisy_photo("PNG"))
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the image data: its CRC no longer matches
    with pytest.raises(ValidationError, match="読み取れませんでした"):
        clean_photo(upload(bytes(data), "photo.png"))
