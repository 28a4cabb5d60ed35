"""Entering data as a person does on a phone and on a desktop, in English and in Korean: toasts
and undo, the time of saving, the photo picker's camera and thumbnails, the food search, the
confirm before removing a food, `<html lang>`, the 404 page, the account's language on sign-in
and why a session ended. Every expected text comes from the catalogues of the page's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from healthapp.i18n import translate
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import PASSWORD, close_context, toast, unique_login

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LOCALES = {"en": "en-US", "ko": "ko-KR"}


@dataclass(frozen=True)
class Person:
    """A browser of one size and language, and the catalogue of that language."""

    page: Page
    lang: str
    app: RunningApp

    def t(self, key: str, **params: object) -> str:
        return translate(self.lang, key, **params)

    def go(self, path: str) -> None:
        self.page.goto(f"{self.app.url}{path}")

    def button(self, key: str, scope: Locator | None = None) -> Locator:
        return (scope or self.page).get_by_role("button", name=self.t(key), exact=True)

    def toast(self, key: str, **params: object) -> None:
        expect(toast(self.page, self.t(key, **params))).to_be_visible()


def _context(browser: Browser, size: str, lang: str) -> BrowserContext:
    return browser.new_context(viewport=VIEWPORTS[size], locale=LOCALES[lang],  # type: ignore[arg-type]
                               timezone_id="Asia/Seoul")  # fmt: skip


@pytest.fixture(params=[(s, lang) for s in VIEWPORTS for lang in LOCALES],
                ids=lambda p: f"{p[0]}-{p[1]}")  # fmt: skip
def person(request: pytest.FixtureRequest, browser: Browser, app: RunningApp) -> Iterator[Person]:
    size, lang = request.param
    context = _context(browser, size, lang)
    yield Person(context.new_page(), lang, app)
    close_context(context)


def sign_up(person: Person, login: str) -> None:
    person.go("/signup")
    page = person.page
    page.locator("#signup-login").fill(login)
    page.locator("#signup-password").fill(PASSWORD)
    page.locator("#signup-password_confirm").fill(PASSWORD)
    person.button("signup.submit").click()
    expect(page.get_by_role("heading", name=person.t("home.greeting", name=login))).to_be_visible()


def test_record_toasts_undo_and_the_time_of_saving(person: Person) -> None:
    page, t = person.page, person.t
    login = unique_login()
    sign_up(person, login)
    expect(page.locator("html")).to_have_attribute("lang", person.lang)
    person.go("/blood-pressure")
    expect(page.locator("#bp-measured_at-help")).to_have_text(t("records.time_now_help"))
    page.locator("#bp-systolic").fill("128")
    page.locator("#bp-diastolic").fill("84")
    person.button("records.add").click()
    person.toast("records.saved")
    rows = page.locator("[data-record-id]:visible")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(t("records.value.bp", systolic=128, diastolic=84))

    rows.first.get_by_role("button", name=t("records.delete")).click()
    dialog = page.get_by_role("alertdialog", name=t("records.delete_title"))
    person.button("records.delete_confirm", dialog).click()
    person.toast("records.deleted")
    expect(rows).to_have_count(0)
    page.get_by_role("button", name=t("common.undo")).click()
    person.toast("undo.restored")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(t("records.value.bp", systolic=128, diastolic=84))

    # an unknown address: the layout, the language, a way home
    person.go("/no-such-page")
    expect(page.get_by_role("heading", name=t("not_found.title"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", person.lang)
    page.get_by_role("link", name=t("not_found.home")).click()
    expect(page.get_by_role("heading", name=t("home.greeting", name=login))).to_be_visible()


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])  # fmt: skip


def _settled_boxes(page: Page, found: Locator) -> list[dict[str, float]]:
    """Where `found` lies once it has stopped moving (a new toast slides in and the stack
    shifts for 0.4 s)."""
    last: list[dict[str, float]] = []
    for _ in range(50):
        boxes = [box for box in (found.nth(i).bounding_box() for i in range(found.count())) if box]
        if boxes == last:
            return boxes
        last = boxes
        page.wait_for_timeout(200)
    raise AssertionError(f"still moving after 10 s: {last}")


def test_toasts_leave_what_is_tapped_next_uncovered(person: Person) -> None:
    """Readings saved one after another: the stack of "Saved." toasts covers neither the Add
    button, nor a row's Edit and Delete, nor the header's buttons, and takes no tap."""
    page = person.page
    sign_up(person, unique_login())
    person.go("/glucose")
    expect(page.locator("#glucose-measured_at")).not_to_have_value("")
    rows = page.locator("[data-record-id]:visible")
    for count, value in enumerate(["150", "126", "98"], start=1):
        page.locator("#glucose-value").fill(value)
        person.button("records.add").click()
        expect(rows).to_have_count(count)
    toasts = page.locator("[data-sonner-toast]:visible")
    expect(toasts).to_have_count(3)
    person.button("records.add").scroll_into_view_if_needed()
    viewport = page.viewport_size
    assert viewport is not None
    tapped = [person.button("records.add"), page.locator("header").get_by_role("button")]
    tapped += [rows.get_by_role("button")]
    for toast_box in _settled_boxes(page, toasts):
        for group in tapped:
            for i in range(group.count()):
                box = group.nth(i).bounding_box()
                assert box is not None
                if box["y"] + box["height"] <= 0 or box["y"] >= viewport["height"]:
                    continue  # scrolled out of view: nothing to tap there now
                assert not _overlaps(toast_box, box), (group.nth(i).inner_text(), toast_box, box)
        # wherever a toast does lie (a menu opened under it), a tap goes through it
        centre = (toast_box["x"] + toast_box["width"] / 2, toast_box["y"] + toast_box["height"] / 2)
        hit = page.evaluate("([x, y]) => !!document.elementFromPoint(x, y)?.closest("
                            "'[data-sonner-toast]')", centre)  # fmt: skip
        assert not hit, f"a tap at {centre} lands on the toast"


def test_meal_photos_food_search_and_removals(person: Person) -> None:
    page, t = person.page, person.t
    sign_up(person, unique_login())
    person.go("/meals")
    expect(page.locator("#meal-eaten_at")).not_to_have_value("")
    expect(page.locator("#meal-eaten_at-help")).to_have_text(t("records.time_now_help"))

    # the camera (capture) and the gallery both add to one list of thumbnails
    camera = page.locator("#meal-camera")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    camera.set_input_files(PHOTOS / "apple.jpg")
    with page.expect_file_chooser() as chooser:
        person.button("meals.choose_photos").click()
    chooser.value.set_files(PHOTOS / "orange.jpg")
    thumbs = page.locator("#chosen-photos img")
    expect(thumbs).to_have_count(2)
    assert (thumbs.first.get_attribute("src") or "").startswith("blob:")
    expect(thumbs.first).to_have_attribute("alt", "apple.jpg")
    page.locator("[data-photo-name='apple.jpg']").get_by_role(
        "button", name=t("meals.remove_photo")
    ).click()
    expect(thumbs).to_have_count(1)
    expect(thumbs.first).to_have_attribute("alt", "orange.jpg")
    page.get_by_role("button", name=t("meals.remove_photo")).click()
    expect(thumbs).to_have_count(0)

    page.locator("#meal-meal_type").select_option("dinner")
    person.button("meals.save").click()
    person.toast("meals.saved")
    # The toast lies over the lower part of a phone's screen until it goes (or is swiped away);
    # a pointer resting on it would hold it, which a finger does not: move the pointer off.
    page.mouse.move(1, 1)
    expect(toast(page, t("meals.saved"))).to_be_hidden(timeout=15_000)
    meal = page.get_by_role("region", name=t("meals.type.dinner"))

    # the search says when nothing matches; a chosen food gets its default portion
    meal.get_by_role("button", name=t("meals.add_food")).click()
    dialog = page.get_by_role("dialog", name=t("meals.add_title"))
    dialog.locator("#food-search").fill("zzqxvw")
    expect(dialog.locator("#food-no-match")).to_have_text(t("meals.no_match"))
    dialog.locator("#food-search").fill("kimchi")
    kimchi = "김치" if person.lang == "ko" else "Kimchi"
    dialog.get_by_role("button", name=kimchi, exact=True).click()
    expect(dialog.locator("#food-grams")).to_have_value(re.compile(r"^\d+(\.\d+)?$"))
    person.button("meals.save_item", dialog).click()
    expect(dialog).to_be_hidden()
    item = meal.locator("[data-item-id]:visible").first
    expect(item).to_contain_text(kimchi)
    expect(item).to_contain_text(t("meals.source.added"))

    # the next search starts from the person's own foods
    meal.get_by_role("button", name=t("meals.add_food")).click()
    expect(dialog.get_by_text(t("meals.suggested"))).to_be_visible()
    expect(dialog.get_by_role("button", name=kimchi, exact=True)).to_be_visible()
    person.button("common.cancel", dialog).click()

    # removing a food asks first
    item.get_by_role("button", name=t("meals.remove")).click()
    confirm = page.get_by_role("alertdialog", name=t("meals.remove_title"))
    person.button("common.cancel", confirm).click()
    expect(item).to_be_visible()
    item.get_by_role("button", name=t("meals.remove")).click()
    person.button("meals.remove", confirm).click()
    person.toast("meals.item_removed")
    expect(meal.locator("[data-item-id]:visible")).to_have_count(0)

    # a deleted meal can be undone for a few seconds
    meal.get_by_role("button", name=t("meals.delete_meal")).click()
    confirm = page.get_by_role("alertdialog", name=t("meals.delete_title"))
    person.button("records.delete_confirm", confirm).click()
    person.toast("meals.deleted")
    expect(meal).to_have_count(0)
    page.get_by_role("button", name=t("common.undo")).click()
    expect(meal).to_have_count(1)


def test_the_accounts_language_on_sign_in_and_why_a_session_ended(
    person: Person, browser: Browser
) -> None:
    """The account speaks the other language; a new browser in this one logs in and gets the
    account's; a password change in the first browser signs the second out, and it says why."""
    other = "en" if person.lang == "ko" else "ko"
    size = "phone" if person.page.viewport_size == VIEWPORTS["phone"] else "desktop"
    first_context = _context(browser, size, other)
    first = Person(first_context.new_page(), other, person.app)
    login = unique_login()
    sign_up(first, login)  # the account's language: the one it signed up in

    page, t = person.page, first.t  # once signed in, the account's language
    person.go("/login")
    page.locator("#login-login").fill(login)
    page.locator("#login-password").fill(PASSWORD)
    person.button("login.submit").click()
    expect(page.get_by_role("heading", name=t("home.greeting", name=login))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", other)

    first.go("/account")
    first.page.locator("#account-current_password").fill(PASSWORD)
    first.page.locator("#account-password").fill("mandarin cello 77 spring")
    first.page.locator("#account-password_confirm").fill("mandarin cello 77 spring")
    first.button("account.password.submit").click()
    expect(first.page.get_by_text(t("account.password.changed"))).to_be_visible()

    person.go("/blood-pressure")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("#session-ended")).to_have_text(t("login.ended.elsewhere"))
    close_context(first_context)
