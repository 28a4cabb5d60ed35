"""For the layout tests: browser contexts at a given size and language, a signed-in user with
something in every table, and the measurements (page width, touch targets) taken in the page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from healthapp import routes
from healthapp.i18n import CATALOGUES
from tests.e2e.conftest import ROOT, RunningApp
from tests.e2e.helpers import (
    close_context,
    save_meal,
    sign_up,
    toast,
    unique_login,
    upload_photo,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "ko": "ko-KR"}
SIGNED_IN_PAGES = (routes.HOME, routes.MEALS, routes.BLOOD_PRESSURE, routes.GLUCOSE,
                   routes.HBA1C, routes.EXERCISE, routes.REPORTS, routes.DATA, routes.SETTINGS,
                   routes.ACCOUNT)  # fmt: skip
SIGNED_OUT_PAGES = (routes.LOGIN, routes.SIGNUP, "/no-such-page")
# The README's screenshots: `make screenshots` points this at docs/screenshots.
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))
LONG_NOTE = "after a long walk by the river with friends, then a slice of cake at the café"


def t(lang: str, key: str) -> str:
    return CATALOGUES[lang][key]


@dataclass
class Person:
    login: str
    lang: str
    storage: Any  # Playwright's storage state: the signed-in session cookie


def new_context(
    browser: Browser, lang: str, viewport: dict[str, int], person: Person | None = None
) -> BrowserContext:
    return browser.new_context(
        viewport=viewport,
        locale=LOCALES[lang],
        timezone_id="Asia/Seoul",
        storage_state=person.storage if person else None,
    )


def _add_record(
    page: Page,
    app: RunningApp,
    route: str,
    form: str,
    values: dict[str, str],
    selects: dict[str, str] | None = None,
) -> None:
    page.goto(f"{app.url}{route}")
    # the load fills the form and remounts it: typing before that would be lost
    expect(page.locator(f"#{form} input").first).not_to_have_value("")
    for field, value in values.items():
        page.locator(f"#{form}-{field}").fill(value)
    for field, value in (selects or {}).items():
        page.locator(f"#{form}-{field}").select_option(value)
    page.locator(f"#{form} button[type=submit]").click()
    expect(toast(page, t("en", "records.saved"))).to_be_visible()


def seed(browser: Browser, app: RunningApp, lang: str) -> Person:
    """A new user with a reading of every kind (a CGM one with a long note) and a meal with a food,
    who then chooses `lang`; the returned storage state signs a new context in."""
    context = new_context(browser, "en", DESKTOP)
    page = context.new_page()
    login = unique_login(f"layout{lang}")
    sign_up(page, app, login)
    # a CGM reading: the list's and the dashboard's longest source badge (Korean)
    _add_record(page, app, routes.GLUCOSE, "glucose", {"value": "123", "note": LONG_NOTE},
                {"source": "cgm"})  # fmt: skip
    _add_record(page, app, routes.BLOOD_PRESSURE, "bp", {"systolic": "135", "diastolic": "85"})
    _add_record(page, app, routes.HBA1C, "hba1c", {"percent": "6.8"})
    _add_record(page, app, routes.EXERCISE, "exercise", {"duration_min": "30"})
    page.goto(f"{app.url}{routes.MEALS}")
    meal = save_meal(page, "lunch")
    meal.get_by_role("button", name=t("en", "meals.add_food")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label(t("en", "meals.search")).fill("apple")
    dialog.locator(".food-results button").first.click()
    dialog.get_by_label(t("en", "meals.grams")).fill("150")
    dialog.get_by_role("button", name=t("en", "meals.save_item"), exact=True).click()
    expect(dialog).to_be_hidden()
    expect(meal.locator("tbody tr")).to_have_count(1)
    # a photo the model is unsure of: its tile offers three foods and "Another food…"
    snack = upload_photo(page, PHOTOS / "apple.jpg", "snack")
    expect(snack.locator("button[data-choice]")).to_have_count(3, timeout=30_000)
    if lang != "en":
        page.locator("#language-switch").select_option(lang)
        expect(page.get_by_role("heading", name=t(lang, "meals.title"), exact=True)).to_be_visible()
    person = Person(login, lang, context.storage_state())
    close_context(context)
    return person


# The elements wider than the window, to name them when a page scrolls sideways.
OVERFLOW_JS = """() => {
    const width = window.innerWidth;
    const wide = [...document.querySelectorAll('body *')].filter(el => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > width + 0.5;
    });
    return {
        scroll: document.documentElement.scrollWidth,
        inner: width,
        wide: wide.slice(-5).map(el => el.tagName.toLowerCase() + '.' + el.className + ' '
            + Math.round(el.getBoundingClientRect().right) + 'px'),
    };
}"""

# Controls smaller than a finger (44 px, WCAG 2.5.5): buttons, fields, selects, the navigation's
# links and button-styled links. What takes the tap counts: a checkbox's label, and a text field's
# frame (Radix's TextField.Root focuses its input on a press anywhere inside it).
SMALL_TARGETS_JS = """() => {
    const selector = 'button, select, textarea, input:not([type=hidden]):not([type=file]),'
        + ' nav a[href], header a[href], a.rt-Button, [role=menuitem]';
    return [...document.querySelectorAll(selector)].map(el => {
        const target = ['checkbox', 'radio'].includes(el.type) ? (el.closest('label') || el)
            : (el.closest('.rt-TextFieldRoot') || el);
        return [el, target.getBoundingClientRect()];
    }).filter(([el, r]) => r.width > 0 && r.height > 0 && r.height < 43.5
        && getComputedStyle(el).visibility !== 'hidden')
      .map(([el, r]) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
        + (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 30)
        + '" ' + Math.round(r.height) + 'px');
}"""


def small_targets(page: Page) -> list[str]:
    """SMALL_TARGETS_JS once menus and sheets have finished opening (they grow as they open)."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    return page.evaluate(SMALL_TARGETS_JS)


def assert_no_sideways_scroll(page: Page, where: str) -> None:
    found = page.evaluate(OVERFLOW_JS)
    assert found["scroll"] <= found["inner"], f"{where} scrolls sideways: {found}"


def wait_for_page(page: Page) -> None:
    """The page's heading is shown and no spinner is left (protected pages load the user
    first)."""
    expect(page.get_by_role("main").get_by_role("heading", level=1).first).to_be_visible()
    expect(page.locator(".rt-Spinner")).to_have_count(0)
