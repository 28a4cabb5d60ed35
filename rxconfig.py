"""Reflex configuration; every value comes from healthapp.config.Settings."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from healthapp.config import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="healthapp",
    db_url=_settings.database_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium")),
    ],
    disable_plugins=[SitemapPlugin],
)
