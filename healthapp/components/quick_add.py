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
    """For an on_mount: when the page was opened through quick_add_href, the first element
    matching `selector` scrolls into view and takes the focus. For two seconds the focus is
    given again to a fresh copy of the element (the page's load can re-render its form) unless
    the person has moved it elsewhere. Runs in the browser only (rx.call_script: no inline
    <script>, which the page's CSP would refuse)."""
    code = (
        "(() => {"
        f" if (window.location.hash !== {json.dumps('#' + QUICK_ADD_HASH)}) return;"
        " const until = Date.now() + 2000; let scrolled = false;"
        " const tick = () => {"
        f"  const el = document.querySelector({json.dumps(selector)});"
        "  const active = document.activeElement;"
        "  if (el && active !== el) {"
        "   if (active && active !== document.body && scrolled) return;"
        "   if (!scrolled) { el.scrollIntoView({block: 'center'}); scrolled = true; }"
        "   el.focus({preventScroll: true});"
        "  }"
        "  if (Date.now() < until) setTimeout(tick, 100);"
        " };"
        " tick();"
        " })()"
    )
    return rx.call_script(code)
