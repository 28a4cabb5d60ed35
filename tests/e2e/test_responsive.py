"""Every page on a phone and on a desktop, in English and Korean: no sideways scrolling, the
navigation folds into a menu on a phone, Log out stays reachable, tables turn into cards, touch
targets are finger-sized, the dashboard's one-tap actions land in the forms, and the app can be
installed on a home screen (manifest and icons). It also takes the README's screenshots."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, expect

from healthapp import routes
from healthapp.components.head import ICONS, MANIFEST_URL, THEME_COLOUR
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import PASSWORD, close_context
from tests.e2e.layout_helpers import (
    DESKTOP,
    PHONE,
    SCREENSHOT_DIR,
    SIGNED_IN_PAGES,
    SIGNED_OUT_PAGES,
    Person,
    assert_no_sideways_scroll,
    new_context,
    seed,
    small_targets,
    t,
    wait_for_page,
)

LANGS = ("en", "ko")
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def people(browser: Browser, app: RunningApp) -> dict[str, Person]:
    return {lang: seed(browser, app, lang) for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [360, 390])
def test_no_page_scrolls_sideways_on_a_phone(
    browser: Browser, app: RunningApp, people: dict[str, Person], lang: str, width: int
) -> None:
    viewport = {"width": width, "height": 844}
    guest = new_context(browser, lang, viewport)
    page = guest.new_page()
    for path in SIGNED_OUT_PAGES:
        page.goto(f"{app.url}{path}")
        page.wait_for_load_state("networkidle")
        assert_no_sideways_scroll(page, f"{path} (signed out, {width} px, {lang})")
    close_context(guest)

    context = new_context(browser, lang, viewport, people[lang])
    page = context.new_page()
    for path in SIGNED_IN_PAGES:
        page.goto(f"{app.url}{path}")
        wait_for_page(page)
        if path in {routes.GLUCOSE, routes.BLOOD_PRESSURE, routes.HBA1C, routes.EXERCISE}:
            expect(page.locator("[data-record-id]")).to_have_count(1)
        if path == routes.MEALS:
            expect(page.locator("[data-item-id]")).to_have_count(1)
        assert_no_sideways_scroll(page, f"{path} ({width} px, {lang})")
    close_context(context)


@pytest.mark.parametrize("lang", LANGS)
def test_tables_become_cards_with_their_actions_on_a_phone(
    browser: Browser, app: RunningApp, people: dict[str, Person], lang: str, tmp_path: Path
) -> None:
    context = new_context(browser, lang, PHONE, people[lang])
    page = context.new_page()
    page.goto(f"{app.url}{routes.GLUCOSE}")
    row = page.locator("[data-record-id]")
    row.scroll_into_view_if_needed()
    expect(page.locator(".stack-table thead")).to_be_hidden()
    # each cell says which column it is
    expect(row.locator("td").first).to_have_attribute("data-label", t(lang, "records.col_when"))
    card = row.bounding_box()
    for name in ("records.edit", "records.delete"):
        button = row.get_by_role("button", name=t(lang, name))
        expect(button).to_be_in_viewport()
        box = button.bounding_box()
        assert card is not None
        assert box is not None
        # inside its card, not spilling over the next one
        assert card["y"] <= box["y"] <= box["y"] + box["height"] <= card["y"] + card["height"]

    page.goto(f"{app.url}{routes.MEALS}")
    item = page.locator("[data-item-id]")
    item.scroll_into_view_if_needed()
    for name in ("meals.correct", "meals.remove"):
        expect(item.get_by_role("button", name=t(lang, name))).to_be_visible()
    box = item.get_by_role("button", name=t(lang, "meals.remove")).bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"], box
    # a card spans its meal's width, whatever its content
    card, meal = item.bounding_box(), page.locator("[data-meal-id]").first.bounding_box()
    assert card is not None
    assert meal is not None
    assert card["width"] > meal["width"] - 60, (card, meal)

    page.goto(f"{app.url}{routes.DATA}")
    csv = tmp_path / "meter.csv"
    csv.write_text(
        "Date and time of the reading,Glucose mg/dL,Memo from the meter\n"
        "2026-11-20 07:30,105,fasting before the morning walk by the river\n"
    )
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=t(lang, "data.choose_file")).click()
    chooser.value.set_files(csv)
    preview = page.locator(".stack-table").filter(has_text="morning walk")
    expect(preview.locator("td").first).to_have_attribute(
        "data-label", "Date and time of the reading"
    )
    assert_no_sideways_scroll(page, f"the import preview ({lang})")
    close_context(context)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_navigation_and_log_out_at_each_width(
    browser: Browser, app: RunningApp, people: dict[str, Person], lang: str, size: str
) -> None:
    context = new_context(browser, lang, VIEWPORTS[size])
    page = context.new_page()
    page.goto(f"{app.url}{routes.LOGIN}")
    # a session of its own: logging out here must not end the one the other tests share
    page.get_by_label(t(lang, "login.login_label")).fill(people[lang].login)
    page.get_by_label(t(lang, "login.password_label"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t(lang, "login.submit")).click()
    expect(page.get_by_role("region", name=t(lang, "dash.quick_title"))).to_be_visible()
    menu_button = page.get_by_role("button", name=t(lang, "nav.menu_open"))
    meals = t(lang, "nav.meals")
    if size == "desktop":
        expect(menu_button).to_be_hidden()
        nav = page.get_by_role("navigation", name=t(lang, "nav.label"))
        for key in ("nav.home", "nav.meals", "nav.glucose", "nav.reports", "nav.settings"):
            expect(nav.get_by_role("link", name=t(lang, key), exact=True)).to_be_visible()
        nav.get_by_role("link", name=meals, exact=True).click()
    else:
        expect(page.get_by_role("navigation")).to_have_count(0)  # folded away
        menu_button.click()
        sheet = page.get_by_role("dialog", name=t(lang, "nav.menu"))
        nav = sheet.get_by_role("navigation", name=t(lang, "nav.label"))
        expect(nav.get_by_role("link")).to_have_count(9)
        assert small_targets(page) == []
        nav.get_by_role("link", name=meals, exact=True).click()
        expect(sheet).to_be_hidden()  # following a link closes the sheet
    expect(page.get_by_role("heading", name=t(lang, "meals.title"), exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(f"{routes.MEALS}$"))
    user_menu = page.get_by_role("button", name=t(lang, "user_menu.label"))
    expect(user_menu).to_be_in_viewport()
    user_menu.click()
    page.get_by_role("menuitem", name=t(lang, "nav.logout")).click()
    expect(page.get_by_text(t(lang, "login.signed_out"))).to_be_visible()
    close_context(context)


@pytest.mark.parametrize("lang", LANGS)
def test_touch_targets_are_at_least_44_px_on_a_phone(
    browser: Browser, app: RunningApp, people: dict[str, Person], lang: str
) -> None:
    guest = new_context(browser, lang, PHONE)
    page = guest.new_page()
    for path in (routes.LOGIN, routes.SIGNUP):
        page.goto(f"{app.url}{path}")
        wait_for_page(page)
        assert small_targets(page) == [], path
    close_context(guest)
    context = new_context(browser, lang, PHONE, people[lang])
    page = context.new_page()
    for path in SIGNED_IN_PAGES:
        page.goto(f"{app.url}{path}")
        wait_for_page(page)
        assert small_targets(page) == [], path
    page.get_by_role("button", name=t(lang, "user_menu.label")).click()
    expect(page.get_by_role("menuitem", name=t(lang, "nav.logout"))).to_be_visible()
    assert small_targets(page) == [], "the user menu"
    close_context(context)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_dashboard_quick_actions_open_the_forms(
    browser: Browser, app: RunningApp, people: dict[str, Person], lang: str, size: str
) -> None:
    context = new_context(browser, lang, VIEWPORTS[size], people[lang])
    page = context.new_page()
    targets = [
        ("dash.quick_glucose", routes.GLUCOSE, "#glucose-value"),
        ("dash.quick_bp", routes.BLOOD_PRESSURE, "#bp-systolic"),
        ("dash.quick_meal", routes.MEALS, '[aria-describedby="photos-label"]'),
    ]
    for key, route, focused in targets:
        page.goto(f"{app.url}{routes.HOME}")
        quick = page.get_by_role("region", name=t(lang, "dash.quick_title"))
        link = quick.get_by_role("link", name=t(lang, key))
        expect(link).to_be_in_viewport()  # on the first screen, one tap away
        link.click()
        expect(page).to_have_url(re.compile(f"{route}#add$"))
        expect(page.locator(focused)).to_be_focused()
        expect(page.locator(focused)).to_be_in_viewport()
    close_context(context)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_installable_manifest_and_icons(
    browser: Browser, app: RunningApp, lang: str, size: str
) -> None:
    """The manifest and icons are the same in each language and size; the page linking them
    is not."""
    context = new_context(browser, lang, VIEWPORTS[size])
    page = context.new_page()
    page.goto(f"{app.url}{routes.LOGIN}")
    expect(page.get_by_role("heading", name=t(lang, "login.title"))).to_be_visible()
    head = page.locator("head")
    expect(head.locator("link[rel=manifest]")).to_have_attribute("href", MANIFEST_URL)
    expect(head.locator("meta[name=theme-color]")).to_have_attribute("content", THEME_COLOUR)
    touch_icon = head.locator("link[rel=apple-touch-icon]").get_attribute("href")

    reply = page.request.get(f"{app.url}{MANIFEST_URL}")
    assert reply.ok, reply.status
    manifest = json.loads(reply.body())
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert manifest["name"] == manifest["short_name"] == t("en", "app.name")
    assert manifest["lang"] == "en"
    assert manifest["theme_color"] == THEME_COLOUR
    assert manifest["background_color"] == "#ffffff"
    declared = {(icon["src"], icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert declared == {(f"/icons/{name}", f"{n}x{n}", purpose) for name, n, purpose in ICONS}
    for src, sizes, _purpose in declared | {(touch_icon, "180x180", "any")}:
        reply = page.request.get(f"{app.url}{src}")
        assert reply.ok, (src, reply.status)
        assert reply.headers["content-type"] == "image/png", src
        image = Image.open(io.BytesIO(reply.body()))
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == sizes, src
    close_context(context)


SCREENSHOT_PAGES = {"home": routes.HOME, "glucose": routes.GLUCOSE, "meals": routes.MEALS}


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_screenshots_of_the_main_pages(
    browser: Browser, app: RunningApp, people: dict[str, Person], size: str
) -> None:
    """The README's pictures (make screenshots); each page is also checked for sideways scroll."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    context = new_context(browser, "en", VIEWPORTS[size], people["en"])
    page = context.new_page()
    for name, path in SCREENSHOT_PAGES.items():
        page.goto(f"{app.url}{path}")
        wait_for_page(page)
        page.evaluate("document.fonts.ready")
        assert_no_sideways_scroll(page, f"{path} ({size})")
        padding = page.evaluate("getComputedStyle(document.querySelector('main')).paddingLeft")
        assert padding == ("12px" if size == "phone" else "24px"), padding  # 0.75em, 1.5em
        # a phone page whole (its cards are below the form), a desktop's first screen
        png = Image.open(io.BytesIO(page.screenshot(full_page=size == "phone")))
        # a 256-colour palette keeps the committed PNGs small without visible loss on flat UI
        png.convert("RGB").quantize(256).save(SCREENSHOT_DIR / f"{name}-{size}.png", optimize=True)
    close_context(context)
