"""Message catalogues (Korean and English) and language negotiation; no Reflex import."""

from __future__ import annotations

from healthapp.i18n.en import MESSAGES as EN
from healthapp.i18n.ko import MESSAGES as KO

CATALOGUES: dict[str, dict[str, str]] = {"en": EN, "ko": KO}
LANGUAGES: tuple[str, ...] = tuple(CATALOGUES)
DEFAULT_LANGUAGE = "en"


class _KeepMissing(dict[str, object]):
    """Placeholders without a value stay as they are, to be filled by a later pass."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(lang: str, key: str, /, **params: object) -> str:
    """The message for `key` in `lang`, with `{name}` placeholders filled from params."""
    catalogue = CATALOGUES.get(lang, CATALOGUES[DEFAULT_LANGUAGE])
    template = catalogue.get(key) or CATALOGUES[DEFAULT_LANGUAGE].get(key, key)
    return template.format_map(_KeepMissing(params)) if params else template


def supported(lang: str) -> str:
    return lang if lang in CATALOGUES else DEFAULT_LANGUAGE


def negotiate(accept_language: str) -> str:
    """The best supported language for an Accept-Language header (RFC 9110 quality values)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in CATALOGUES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
