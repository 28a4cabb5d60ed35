"""What every page's <head> carries so that a phone can install the app on its home screen:
the web app manifest, the icons and the theme colour (tools/make_icons.py writes the files)."""

from __future__ import annotations

import reflex as rx

from healthapp.i18n import CATALOGUES, DEFAULT_LANGUAGE

# Radix's teal 9, the theme's accent (rxconfig.py): the phone's status bar matches the app.
THEME_COLOUR = "#12a594"
BACKGROUND_COLOUR = "#ffffff"
MANIFEST_URL = "/manifest.json"
APPLE_TOUCH_ICON = "/icons/apple-touch-icon.png"
# (file under assets/icons, size in px, purpose)
ICONS: tuple[tuple[str, int, str], ...] = (
    ("icon-192.png", 192, "any"),
    ("icon-512.png", 512, "any"),
    ("icon-maskable-192.png", 192, "maskable"),
    ("icon-maskable-512.png", 512, "maskable"),
)


def manifest() -> dict[str, object]:
    """The manifest's fields; the names come from the default language's catalogue."""
    text = CATALOGUES[DEFAULT_LANGUAGE]
    return {
        "name": text["app.name"],
        "short_name": text["app.name"],
        "description": text["app.tagline"],
        "lang": DEFAULT_LANGUAGE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": f"/icons/{name}", "sizes": f"{size}x{size}", "type": "image/png",
             "purpose": purpose}
            for name, size, purpose in ICONS
        ],
    }  # fmt: skip


def head_components() -> list[rx.Component]:
    return [
        rx.el.link(rel="manifest", href=MANIFEST_URL),
        rx.el.link(rel="apple-touch-icon", href=APPLE_TOUCH_ICON),
        rx.el.link(rel="icon", type="image/png", href="/icons/icon-192.png"),
        rx.el.meta(name="theme-color", content=THEME_COLOUR),
        rx.el.meta(name="mobile-web-app-capable", content="yes"),
    ]
