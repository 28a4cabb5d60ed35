"""Draws the home-screen icons and writes the web app manifest into assets/ (run it again after
changing healthapp/components/head.py): `.venv/bin/python -m tools.make_icons`.

The symbol is a white drop (blood glucose) over a heart-beat line (blood pressure) on the app's
teal. "any" icons are rounded squares; maskable ones fill the square and keep the symbol inside
the central 80 % circle that every launcher's mask leaves visible (w3.org/TR/appmanifest)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

from healthapp.components.head import APPLE_TOUCH_ICON, ICONS, MANIFEST_URL, THEME_COLOUR, manifest

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SUPERSAMPLE = 4  # drawn large, then scaled down: smooth edges without anti-aliasing support


def _symbol(draw: ImageDraw.ImageDraw, size: int, scale: float) -> None:
    """The drop and the line, `scale` of the icon's width, centred."""
    cx, cy = size / 2, size / 2
    r = size * scale * 0.30
    drop_cy = cy + r * 0.575  # the drop's tip is 2.15 r above its round part: centred overall
    top = drop_cy - r * 2.15
    draw.ellipse((cx - r, drop_cy - r, cx + r, drop_cy + r), fill="white")
    shoulder = drop_cy - r * 0.5
    draw.polygon([(cx, top), (cx - r * 0.87, shoulder), (cx + r * 0.87, shoulder)], fill="white")
    w = max(2, int(size * scale * 0.045))
    y = drop_cy + r * 0.05
    points = [(cx - r * 0.75, y), (cx - r * 0.3, y), (cx - r * 0.1, y - r * 0.45),
              (cx + r * 0.12, y + r * 0.4), (cx + r * 0.32, y), (cx + r * 0.75, y)]  # fmt: skip
    draw.line(points, fill=THEME_COLOUR, width=w, joint="curve")


def icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=THEME_COLOUR)
        _symbol(draw, big, 0.62)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=THEME_COLOUR)
        _symbol(draw, big, 0.8)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icons = ASSETS / "icons"
    icons.mkdir(parents=True, exist_ok=True)
    for name, size, purpose in ICONS:
        icon(size, maskable=purpose == "maskable").save(icons / name, optimize=True)
    # iOS draws its own rounded corners and ignores transparency: a full square.
    apple = icon(180, maskable=True).convert("RGB")
    apple.save(ASSETS / APPLE_TOUCH_ICON.lstrip("/"), optimize=True)
    text = json.dumps(manifest(), ensure_ascii=False, indent=2) + "\n"
    (ASSETS / MANIFEST_URL.lstrip("/")).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
