import ast
import re
from pathlib import Path
from string import Formatter

import pytest

from healthapp.i18n import CATALOGUES, negotiate, translate

PACKAGE = Path(__file__).resolve().parents[3] / "healthapp"
UI_DIRS = [PACKAGE / "pages", PACKAGE / "components", PACKAGE / "state"]
KEY_RE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys() -> None:
    assert set(CATALOGUES["en"]) == set(CATALOGUES["ko"])


@pytest.mark.parametrize("key", sorted(CATALOGUES["en"]))
def test_placeholders_match_and_nothing_is_empty(key: str) -> None:
    en, ko = CATALOGUES["en"][key], CATALOGUES["ko"][key]
    assert en.strip()
    assert ko.strip()
    assert placeholders(en) == placeholders(ko)


def ui_python_files() -> list[Path]:
    return [path for folder in UI_DIRS for path in folder.rglob("*.py")]


def test_every_key_the_code_uses_exists() -> None:
    namespaces = {key.split(".")[0] for key in CATALOGUES["en"]}
    used = {
        node.value
        for path in [*ui_python_files(), *(PACKAGE / "services").rglob("*.py")]
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and KEY_RE.match(node.value)
        and node.value.split(".")[0] in namespaces
    }
    missing = sorted(key for key in used if key not in CATALOGUES["en"])
    assert not missing, f"keys used in code but absent from the catalogues: {missing}"


# Text a person reads is passed as these keyword arguments or as positional children.
TEXT_KEYWORDS = {"placeholder", "aria_label", "title", "alt", "label"}
TEXT_CALLS = {
    "text", "heading", "button", "link", "label", "callout", "option", "title", "description",
    "item", "badge", "tooltip",
}  # fmt: skip
ALLOWED_LITERALS = {"", " ", " · "}  # spaces and a language-neutral separator


def test_no_ui_text_outside_the_catalogues() -> None:
    offenders = []
    for path in ui_python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            literals = [
                arg.value
                for arg in node.args
                if name in TEXT_CALLS and isinstance(arg, ast.Constant)
            ] + [
                kw.value.value
                for kw in node.keywords
                if kw.arg in TEXT_KEYWORDS and isinstance(kw.value, ast.Constant)
            ]
            offenders += [
                f"{path.name}:{node.lineno} {value!r}"
                for value in literals
                if isinstance(value, str) and value not in ALLOWED_LITERALS
            ]
    assert not offenders, "UI text must come from healthapp/i18n: " + ", ".join(offenders)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("fr-FR,ko;q=0.5,en;q=0.4", "ko"),
        ("de-DE,fr;q=0.9", "en"),
        ("en;q=0.1, ko;q=0.2", "ko"),
        ("ko;q=0, en", "en"),
        ("ko;q=abc, en;q=0.5", "en"),
        ("", "en"),
    ],
)
def test_language_negotiation(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def test_translate_fills_placeholders_and_falls_back() -> None:
    assert translate("ko", "error.login_throttled", minutes=3) == (
        "로그인 실패가 너무 많습니다. 3분 후에 다시 시도하세요."
    )
    assert translate("xx", "nav.home") == "Home"
    assert translate("en", "home.greeting", other=1) == "Hello, {name}!"
