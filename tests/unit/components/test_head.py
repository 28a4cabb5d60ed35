"""The committed manifest and icons are what tools/make_icons.py makes from components/head.py."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from healthapp.components.head import APPLE_TOUCH_ICON, ICONS, MANIFEST_URL, manifest
from tools import make_icons

ASSETS = Path(__file__).resolve().parents[3] / "assets"


def test_committed_manifest_is_the_generated_one() -> None:
    committed = json.loads((ASSETS / MANIFEST_URL.lstrip("/")).read_text(encoding="utf-8"))
    assert committed == manifest()
    assert committed["display"] == "standalone"
    assert {icon["purpose"] for icon in committed["icons"]} == {"any", "maskable"}


def test_committed_icons_have_their_declared_sizes() -> None:
    for name, size, _purpose in ICONS:
        with Image.open(ASSETS / "icons" / name) as image:
            assert image.format == "PNG"
            assert image.size == (size, size), name
    with Image.open(ASSETS / APPLE_TOUCH_ICON.lstrip("/")) as image:
        assert image.size == (180, 180)
        assert image.mode == "RGB"  # iOS shows transparency as black


def test_maskable_icon_is_opaque_to_its_edges_and_plain_icon_is_rounded() -> None:
    maskable = make_icons.icon(64, maskable=True)
    plain = make_icons.icon(64, maskable=False)
    assert maskable.getpixel((0, 0))[3] == 255  # a launcher's mask may cut anywhere
    assert plain.getpixel((0, 0))[3] == 0
    assert plain.getpixel((32, 32)) == maskable.getpixel((32, 32)) == (255, 255, 255, 255)
