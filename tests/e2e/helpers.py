"""What a person does on the account pages, found by role and label."""

from __future__ import annotations

import contextlib
import re
import uuid
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import RunningApp


def close_context(context: BrowserContext) -> None:
    """Leave the app before closing: a context closed while its page is still navigating (a log
    out's redirect, a socket reconnecting) once left Chromium's dispose hanging for the whole
    test timeout in CI."""
    for page in context.pages:
        # a page that cannot leave is closed with the context all the same
        with contextlib.suppress(PlaywrightError):
            page.goto("about:blank", timeout=10_000)
    context.close()


def unique_login(stem: str = "user") -> str:
    return f"{stem}{uuid.uuid4().hex[:10]}"


PASSWORD = "tangerine violin 42"


def sign_up(page: Page, app: RunningApp, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{app.url}/signup")
    page.get_by_label("Username or e-mail").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name=f"Hello, {login}!")).to_be_visible()


def log_in(page: Page, app: RunningApp, login: str, password: str = PASSWORD) -> None:
    page.get_by_label("Username or e-mail").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="User menu").click()
    page.get_by_role("menuitem", name="Log out").click()
    # The note can show on the page being left, before the log-out route has run: a page
    # opened before the log-in page is reached would abort that navigation.
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("You have been logged out.")).to_be_visible()


def save_meal(page: Page, meal_type: str) -> Locator:
    """On the meals page: save a `meal_type` meal without photos; returns the meal's region."""
    page.get_by_label("Meal", exact=True).select_option(meal_type)
    page.get_by_role("button", name="Save meal").click()
    return page.get_by_role("region", name=meal_type.capitalize())


def upload_photo(page: Page, photo: Path, meal_type: str) -> Locator:
    """A new meal of `meal_type` with one photo; its region on the page."""
    page.get_by_label("Meal", exact=True).select_option(meal_type)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(photo)
    page.get_by_role("button", name="Save meal").click()
    expect(toast(page, "Meal saved")).to_be_visible()
    return page.get_by_role("region", name=meal_type.capitalize())


def toast(page: Page, text: str) -> Locator:
    """The toast a save or a delete shows (sonner's notifications region)."""
    return page.get_by_role("region", name=re.compile("^Notifications")).get_by_text(text).first
