"""One-tap entry from the dashboard: a link to a page's form with `#add`, and the form's page
bringing its first control into view and focus on arrival (a phone then shows its keyboard)."""

from __future__ import annotations

import json

import reflex as rx
from reflex.event import EventSpec

QUICK_ADD_HASH = "add"


def quick_add_href(route: str) -> str:
    return f"{route}#{QUICK_ADD_HASH}"


def focus_on_arrival(selector: str) -> EventSpec:
    """For a page's on_mount: when it was opened through quick_add_href, the first element
    matching `selector` scrolls into view and takes the focus. Runs in the browser only
    (rx.call_script: no inline <script>, which the page's CSP would refuse)."""
    code = (
        "(() => {"
        f" if (window.location.hash !== {json.dumps('#' + QUICK_ADD_HASH)}) return;"
        f" const el = document.querySelector({json.dumps(selector)});"
        " if (!el) return;"
        " el.scrollIntoView({block: 'center'});"
        " el.focus({preventScroll: true});"
        " })()"
    )
    return rx.call_script(code)
