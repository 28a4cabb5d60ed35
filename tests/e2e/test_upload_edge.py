"""The upload edge in front of the whole app as `make run` serves it (Reflex's production
build, its real upload route): a 200 MB body is refused before it is read, anonymous and
signed in, and the page says why when the edge refuses one of its uploads."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, expect

from healthapp.api.upload_limits import NOT_SIGNED_IN, REASON_HEADER, TOO_LARGE
from healthapp.processes import descendants
from healthapp.services.auth.sessions import SESSION_COOKIE
from healthapp.state.meals import MealsState
from tests.big_upload import MB, post_upload, rss
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import close_context, log_in, sign_up, unique_login

BIG = 200 * MB
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "coffee.png"
SAVE_MEAL = f"{MealsState.get_full_name()}.save_meal"


def web_pids(app: RunningApp) -> list[int]:
    """The web service the launcher started (`reflex run` and the server it runs)."""
    for pid in descendants(app.process.pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if any(arg.endswith(b"reflex") for arg in argv[:2]) and b"run" in argv:
            return [pid, *descendants(pid)]
    raise AssertionError("no `reflex run` among the launcher's processes")


def test_a_200mb_upload_is_refused_by_the_running_app_without_growing_it(
    page: Page, app: RunningApp
) -> None:
    sign_up(page, app, unique_login())
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    port = urlparse(app.url).port
    assert port is not None
    web = web_pids(app)
    post_upload(port, MB, handler=SAVE_MEAL)  # the route's first use, before measuring
    before = rss(web)

    anonymous = post_upload(port, BIG, handler=SAVE_MEAL)
    signed_in = post_upload(port, BIG, cookie=cookie, handler=SAVE_MEAL)
    streamed = post_upload(port, BIG, cookie=cookie, chunked=True, handler=SAVE_MEAL)

    grown = rss(web) - before
    print(f"web process: {before / MB:.1f} MB before, grew by {grown / MB:.2f} MB")
    assert (anonymous.status, anonymous.headers[REASON_HEADER]) == (401, NOT_SIGNED_IN)
    assert (signed_in.status, signed_in.headers[REASON_HEADER]) == (413, TOO_LARGE)
    assert (streamed.status, streamed.headers[REASON_HEADER]) == (413, TOO_LARGE)
    # the reply asks the page to call its state's upload_refused with the reason
    assert b".upload_refused" in anonymous.body
    assert NOT_SIGNED_IN.encode() in anonymous.body
    assert grown < 10 * MB, f"the web process grew by {grown / MB:.1f} MB"


def open_meals(page: Page, app: RunningApp) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Meals").click()
    expect(page.get_by_label("Date and time")).not_to_have_value("")


def save_with_photo(page: Page) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(PHOTO)
    page.get_by_role("button", name="Save meal").click()


def test_an_upload_without_the_cookie_is_refused_and_the_page_says_so(
    page: Page, app: RunningApp
) -> None:
    sign_up(page, app, unique_login())
    open_meals(page, app)
    page.context.clear_cookies()  # the tab's socket still has its session, the upload not
    save_with_photo(page)
    expect(page.get_by_role("alert").filter(has_text="Sign in again to upload files.")
           ).to_be_visible()  # fmt: skip
    expect(page.get_by_role("region", name="Lunch")).to_have_count(0)  # nothing was saved


def test_an_upload_after_the_session_was_revoked_goes_to_log_in(
    page: Page, app: RunningApp, browser: Browser
) -> None:
    login = unique_login()
    sign_up(page, app, login)
    open_meals(page, app)
    other = browser.new_context(locale="en-US").new_page()
    other.goto(f"{app.url}/login")
    log_in(other, app, login)
    expect(other.get_by_role("heading", name=f"Hello, {login}!")).to_be_visible()
    other.goto(f"{app.url}/account")
    other.get_by_label("Current password").fill("tangerine violin 42")
    other.get_by_label("New password", exact=True).fill("marmalade piano 91")
    other.get_by_label("Repeat the new password").fill("marmalade piano 91")
    other.get_by_role("button", name="Change password").click()
    expect(other.get_by_role("status")).to_have_text(re.compile("Password changed"))
    close_context(other.context)

    save_with_photo(page)  # this tab's session was revoked by the change
    expect(page).to_have_url(re.compile("/login"))
