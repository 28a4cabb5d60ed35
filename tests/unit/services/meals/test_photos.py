"""Photo intake limits, cleaning and the upload quota (fakeredis; real Redis in integration)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import fakeredis
import pytest
from PIL import Image, ImageCms, ImageFile

from healthapp.config import Settings
from healthapp.domain.errors import ValidationError
from healthapp.services.meals.photos import (
    PhotoLimits,
    PhotoQuota,
    intake_photo,
    sniff_format,
)
from healthapp.services.meals.storage import KEY_RE, new_key

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "photos"
LIMITS = PhotoLimits()
RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], slack: int = 40) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel, colour, strict=True))


def refused(data: bytes, limits: PhotoLimits = LIMITS) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        intake_photo(data, limits=limits)
    assert info.value.field == "photos"
    return info.value


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size in IHDR and has no pixel data at all."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to decode pixels fails the test: bombs must be refused from the header."""

    def forbidden(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", forbidden)


# --- accepted photos --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("apple.jpg", (512, 512)), ("fruits.jpg", (512, 480))])
def test_real_jpeg_photos_are_re_encoded_as_jpeg(name: str, size: tuple[int, int]) -> None:
    photo = intake_photo((FIXTURES / name).read_bytes(), limits=LIMITS)
    assert (photo.content_type, photo.extension) == ("image/jpeg", "jpg")
    assert (photo.width, photo.height) == size
    assert photo.size == len(photo.data)
    image = decoded(photo.data)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", size)
    assert KEY_RE.match(new_key(photo.extension))


def test_real_png_photo_is_accepted() -> None:
    photo = intake_photo((FIXTURES / "coffee.png").read_bytes(), limits=LIMITS)
    assert (photo.width, photo.height) == (600, 400)
    assert decoded(photo.data).format == "JPEG"


def test_webp_is_accepted() -> None:
    data = encode(Image.new("RGB", (64, 48), GREEN), "WEBP", quality=90)
    assert sniff_format(data) == "WEBP"
    photo = intake_photo(data, limits=LIMITS)
    assert (photo.width, photo.height) == (64, 48)
    assert close_to(decoded(photo.data).getpixel((32, 24)), GREEN)


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGBA", (32, 32), (255, 0, 0, 0)),  # fully transparent red: white
        Image.new("LA", (32, 32), (0, 0)),
        Image.new("P", (32, 32), 0),  # palette with transparency, set below
    ],
    ids=["RGBA", "LA", "P-transparent"],
)
def test_alpha_is_flattened_onto_white(image: Image.Image) -> None:
    params: dict[str, object] = {}
    if image.mode == "P":
        image.putpalette([255, 0, 0] * 256)
        params["transparency"] = 0
    photo = intake_photo(encode(image, "PNG", **params), limits=LIMITS)
    out = decoded(photo.data)
    assert out.mode == "RGB"
    assert close_to(out.getpixel((16, 16)), (255, 255, 255), slack=4)


def test_palette_grey_16_bit_and_cmyk_become_rgb() -> None:
    palette = Image.new("P", (16, 16), 1)
    palette.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    grey16 = Image.new("I;16", (16, 16), 0x8000)  # mid grey, not clipped to white
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # red in CMYK
    for data, colour in [
        (encode(palette, "PNG"), BLUE),
        (encode(grey16, "PNG"), (128, 128, 128)),
        (encode(cmyk, "JPEG"), RED),
    ]:
        out = decoded(intake_photo(data, limits=LIMITS).data)
        assert out.mode == "RGB"
        assert close_to(out.getpixel((8, 8)), colour), (out.getpixel((8, 8)), colour)


def test_big_photos_are_shrunk_to_the_max_edge_keeping_the_aspect() -> None:
    limits = PhotoLimits(max_edge=256)
    for fmt in ("PNG", "JPEG"):
        photo = intake_photo(encode(Image.new("RGB", (1000, 500), RED), fmt), limits=limits)
        assert (photo.width, photo.height) == (256, 128)
    assert PhotoLimits().max_edge == 2048


def test_exif_orientation_is_applied() -> None:
    # 40x20: red left half, blue right half; orientation 6 says "turn 90 degrees clockwise".
    image = Image.new("RGB", (40, 20), RED)
    image.paste(BLUE, (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = intake_photo(encode(image, "JPEG", exif=exif, quality=95), limits=LIMITS)
    out = decoded(photo.data)
    assert (photo.width, photo.height) == (20, 40)
    assert close_to(out.getpixel((10, 5)), RED)
    assert close_to(out.getpixel((10, 35)), BLUE)
    assert 0x0112 not in out.getexif()
    small = decoded(photo.small)  # the small rendition is made from the turned pixels
    assert small.size == (256, 512)
    assert close_to(small.getpixel((128, 64)), RED)
    assert close_to(small.getpixel((128, 448)), BLUE)


def test_every_photo_gets_a_small_rendition_of_the_same_pixels() -> None:
    photo = intake_photo(encode(Image.new("RGB", (3000, 1500), GREEN), "JPEG"), limits=LIMITS)
    assert (photo.width, photo.height) == (2048, 1024)
    small = decoded(photo.small)
    assert (small.format, small.size) == ("JPEG", (512, 256))  # short side 256 px
    assert close_to(small.getpixel((256, 128)), GREEN)
    assert len(photo.small) < len(photo.data)


def test_all_metadata_is_stripped_gps_included() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "SecretSoftware"  # Software
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 41.0)}  # GPS
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">private-xmp-note</x:xmpmeta>'
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(
        Image.new("RGB", (64, 64), GREEN),
        "JPEG",
        exif=exif,
        xmp=xmp,
        icc_profile=icc,
        comment=b"private-comment",
    )
    before = Image.open(io.BytesIO(original))
    assert before.getexif().get_ifd(0x8825)  # the test photo really carries GPS ...
    assert {"xmp", "icc_profile", "comment"} <= set(before.info)  # ... and the rest

    photo = intake_photo(original, limits=LIMITS)
    out = decoded(photo.data)
    assert len(out.getexif()) == 0
    assert not out.getexif().get_ifd(0x8825)
    for key in ("exif", "xmp", "icc_profile", "comment", "photoshop"):
        assert key not in out.info
    for marker in (b"Exif\x00\x00", b"PhoneMaker", b"SecretSoftware", b"private-xmp-note"):
        assert marker not in photo.data
    for marker in (b"ICC_PROFILE", b"private-comment", b"adobe:ns:meta"):
        assert marker not in photo.data
    for marker in (b"Exif\x00\x00", b"PhoneMaker", b"private-xmp-note", b"ICC_PROFILE"):
        assert marker not in photo.small
    assert close_to(out.getpixel((32, 32)), GREEN)


def test_animated_images_keep_only_the_first_frame() -> None:
    frames = [Image.new("RGB", (32, 32), colour) for colour in (RED, GREEN, BLUE)]
    for fmt in ("PNG", "WEBP"):
        data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
        assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3
        out = decoded(intake_photo(data, limits=LIMITS).data)
        assert getattr(out, "n_frames", 1) == 1
        assert close_to(out.getpixel((16, 16)), RED), fmt


# --- refusals ---------------------------------------------------------------------------------


def test_too_many_bytes_is_refused_before_anything_is_parsed() -> None:
    error = refused(b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024))
    assert (error.key, error.params) == ("error.photo_too_large", {"max_mb": 10})
    small = PhotoLimits(max_bytes=1536)
    error = refused((FIXTURES / "apple.jpg").read_bytes(), small)
    assert (error.key, error.params) == ("error.photo_too_large", {"max_mb": 0.0015})
    # exactly at the limit is fine
    data = encode(Image.new("RGB", (8, 8), RED), "PNG")
    assert intake_photo(data, limits=PhotoLimits(max_bytes=len(data))).width == 8


def test_bomb_header_is_refused_before_decoding(no_decoding: None) -> None:
    # 8000 x 8000 = 64 MP: over our 40 MP, under Pillow's own guard; no pixel data needed.
    error = refused(png_header_only(8000, 8000))
    assert (error.key, error.params) == ("error.photo_too_many_pixels", {"max_mp": 40})
    # 50000 x 50000: Pillow's own DecompressionBombError fires in open(); same answer.
    error = refused(png_header_only(50_000, 50_000))
    assert error.key == "error.photo_too_many_pixels"
    assert isinstance(error.__cause__, Image.DecompressionBombError)


def test_highly_compressible_huge_image_is_refused_before_decoding(no_decoding: None) -> None:
    # A real, complete 7000 x 7000 PNG (49 MP) of one colour compresses to a few tens of kB.
    data = encode(Image.new("1", (7000, 7000), 0), "PNG", optimize=True)
    assert len(data) < 200_000
    error = refused(data)
    assert (error.key, error.params) == ("error.photo_too_many_pixels", {"max_mp": 40})
    error = refused(encode(Image.new("RGB", (200, 100)), "JPEG"), PhotoLimits(max_pixels=19_999))
    assert error.params == {"max_mp": 0.02}


def test_pillow_global_bomb_limit_is_left_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS
    refused(png_header_only(50_000, 50_000))
    intake_photo((FIXTURES / "apple.jpg").read_bytes(), limits=LIMITS)
    assert before == Image.MAX_IMAGE_PIXELS


def _gif() -> bytes:
    return encode(Image.new("P", (8, 8)), "GIF")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_gif(), id="gif"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "BMP"), id="bmp"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "TIFF"), id="tiff"),
        pytest.param(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", id="pdf"),
        pytest.param(b"just some text, named photo.jpg", id="text"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"/>', id="svg"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", id="heic"),
        pytest.param(b"RIFF\x10\x00\x00\x00WAVEfmt ", id="riff-wave"),
        pytest.param(b"", id="empty"),
    ],
)
def test_other_types_are_refused_by_content(data: bytes) -> None:
    error = refused(data)
    assert (error.key, error.params) == ("error.photo_type", {"types": "JPEG, PNG, WebP"})


@pytest.mark.parametrize(
    "data",
    [
        pytest.param((FIXTURES / "apple.jpg").read_bytes()[:20_000], id="truncated-jpeg"),
        pytest.param((FIXTURES / "coffee.png").read_bytes()[:100_000], id="truncated-png"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"garbage" * 50, id="jpeg-magic-then-garbage"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, id="png-magic-then-zeros"),
        pytest.param(b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x01" * 20, id="broken-webp"),
        pytest.param(png_header_only(0, 10), id="zero-width"),
        pytest.param(png_header_only(64, 64), id="png-without-pixels"),
    ],
)
def test_truncated_or_corrupt_files_are_refused(data: bytes) -> None:
    error = refused(data)
    assert (error.key, error.params) == ("error.photo_corrupt", {})


def test_limits_from_settings_and_sanity() -> None:
    settings = Settings(photo_max_bytes=2 * 1024 * 1024, photo_max_pixels=1_000_000)
    limits = PhotoLimits.from_settings(settings)
    assert (limits.max_bytes, limits.max_pixels) == (2 * 1024 * 1024, 1_000_000)
    with pytest.raises(ValueError, match="quality"):
        PhotoLimits(jpeg_quality=100)
    with pytest.raises(ValueError, match="positive"):
        PhotoLimits(max_pixels=0)


# --- quota (the Lua scripts run on a real Redis: tests/integration/test_photo_quota.py) -------


def test_quota_from_settings() -> None:
    settings = Settings(redis_prefix="hx:", photo_uploads_per_minute=4, photo_uploads_per_day=40,
                        photo_attempts_per_minute=12, photo_attempts_per_day=120)  # fmt: skip
    client = fakeredis.FakeRedis(decode_responses=True)
    quota = PhotoQuota.from_settings(settings, client)
    assert (quota.prefix, quota.per_minute, quota.per_day, quota.client) == ("hx:", 4, 40, client)
    assert (quota.attempts_per_minute, quota.attempts_per_day) == (12, 120)


def test_redis_down_fails_open() -> None:
    server = fakeredis.FakeServer()
    client = fakeredis.FakeRedis(decode_responses=True, server=server)
    quota = PhotoQuota(client=client, prefix="t:", per_minute=1, per_day=1,
                       attempts_per_minute=1, attempts_per_day=1)  # fmt: skip
    server.connected = False
    for _ in range(3):
        quota.check(7)
        quota.count_attempts(7)
        quota.check_and_count(7)
    quota.refund(7)
