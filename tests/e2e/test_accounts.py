"""Accounts end to end: what a person does, found by role and label as a screen reader would."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import PASSWORD, close_context, log_in, log_out, sign_up, unique_login


def test_sign_up_log_out_log_in(page: Page, app: RunningApp) -> None:
    login = unique_login()
    sign_up(page, app, login)
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_be_visible()
    log_out(page)
    page.goto(f"{app.url}/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F"))
    log_in(page, app, login)
    expect(page.get_by_role("heading", name=f"Hello, {login}!")).to_be_visible()


def test_sign_up_errors_are_shown_next_to_the_field(page: Page, app: RunningApp) -> None:
    page.goto(f"{app.url}/signup")
    login_box = page.get_by_label("Username or e-mail")
    login_box.fill(unique_login())
    page.get_by_label("Password", exact=True).fill("password123")
    page.get_by_label("Repeat the password").fill("password123")
    page.get_by_role("button", name="Sign up").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("This password is too common; choose one that is harder to guess.")
    password_box = page.get_by_label("Password", exact=True)
    expect(password_box).to_have_attribute("aria-invalid", "true")
    expect(password_box).to_have_accessible_description(re.compile("too common"))
    expect(login_box).not_to_have_value("")  # what was typed is kept


def test_wrong_password_message(page: Page, app: RunningApp) -> None:
    login = unique_login()
    sign_up(page, app, login)
    log_out(page)
    log_in(page, app, login, "not my password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username/e-mail or password.")
    expect(page).to_have_url(re.compile("/login"))


def test_throttling_message(page: Page, app: RunningApp) -> None:
    login = unique_login()
    sign_up(page, app, login)
    log_out(page)
    for _ in range(5):
        log_in(page, app, login, "wrong guess again")
        expect(page.get_by_role("alert")).to_have_text("Wrong username/e-mail or password.")
    log_in(page, app, login)  # even the right password waits now
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"Too many failed attempts\. Try again in 1[45] minute\(s\)\.")
    )


def test_protected_page_redirects_to_login_and_back(page: Page, app: RunningApp) -> None:
    login = unique_login()
    sign_up(page, app, login)
    log_out(page)
    page.goto(f"{app.url}/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount"))
    log_in(page, app, login)
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/account/?$"))


def test_unsafe_next_is_ignored(page: Page, app: RunningApp) -> None:
    login = unique_login()
    sign_up(page, app, login)
    log_out(page)
    page.goto(f"{app.url}/login?next=//evil.example/")
    log_in(page, app, login)
    expect(page.get_by_role("heading", name=f"Hello, {login}!")).to_be_visible()
    assert page.url.startswith(app.url)


def test_change_password_revokes_other_sessions(
    page: Page, app: RunningApp, browser: Browser
) -> None:
    login = unique_login()
    sign_up(page, app, login)
    other = browser.new_context(locale="en-US").new_page()
    other.goto(f"{app.url}/login")
    log_in(other, app, login)
    expect(other.get_by_role("heading", name=f"Hello, {login}!")).to_be_visible()

    new_password = "marmalade piano 91"
    page.goto(f"{app.url}/account")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat the new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Password changed"))
    expect(page.get_by_label("Current password")).to_have_value("")

    other.goto(f"{app.url}/account")  # the other browser's session is gone
    expect(other).to_have_url(re.compile("/login"))
    close_context(other.context)

    page.reload()  # this browser got a fresh session and stays signed in
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    log_out(page)
    log_in(page, app, login, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("Wrong username/e-mail or password.")
    log_in(page, app, login, new_password)
    expect(page.get_by_role("heading", name=f"Hello, {login}!")).to_be_visible()


def test_switch_language_and_it_is_remembered(page: Page, app: RunningApp) -> None:
    login = unique_login()
    sign_up(page, app, login)
    page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("heading", name=f"{login} 님, 안녕하세요!")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="설정")
    ).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=f"{login} 님, 안녕하세요!")).to_be_visible()
    page.get_by_label("언어").select_option("en")
    expect(page.get_by_role("heading", name=f"Hello, {login}!")).to_be_visible()


def test_initial_language_follows_the_browser(browser: Browser, app: RunningApp) -> None:
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.goto(f"{app.url}/login")
    expect(page.get_by_role("heading", name="로그인")).to_be_visible()
    expect(page.get_by_label("아이디 또는 이메일")).to_be_visible()
    close_context(context)


def test_delete_account(page: Page, app: RunningApp) -> None:
    login = unique_login()
    sign_up(page, app, login)
    page.goto(f"{app.url}/account")
    page.get_by_role("button", name="Delete my account…").click()
    dialog = page.get_by_role("alertdialog", name="Delete your account?")
    dialog.get_by_label("Password").fill("not the password")
    dialog.get_by_role("button", name="Delete everything").click()
    expect(dialog.get_by_role("alert")).to_have_text("The password is not correct.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Delete my account…").click()
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete everything").click()
    expect(page.get_by_text("Your account and all its data have been deleted.")).to_be_visible()
    log_in(page, app, login)
    expect(page.get_by_role("alert")).to_have_text("Wrong username/e-mail or password.")
