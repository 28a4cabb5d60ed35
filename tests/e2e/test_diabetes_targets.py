"""A person with type 2 diabetes sees targets, not diagnoses; light exercise does not count
toward the WHO minutes. At phone and desktop width, in English and Korean (issue 11, items 2, 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from healthapp.i18n import translate
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import close_context, sign_up, toast, unique_login

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], locale="en-US", timezone_id="Asia/Seoul"
    )
    try:
        yield context.new_page()
    finally:
        close_context(context)


def _submit(page: Page, form_id: str, done: str) -> None:
    page.locator(f"#{form_id} button[type=submit]").click()
    # the settings page says it in a status line; the record pages in a toast
    said = page.get_by_role("status").filter(has_text=done).or_(toast(page, done))
    expect(said.first).to_be_visible()


def _add(page: Page, form_id: str, done: str, /, **fields: str) -> None:
    """Fill the record form `form_id` (field ids "<form_id>-<name>") and add the record."""
    for name, value in fields.items():
        box = page.locator(f"#{form_id}-{name}")
        if box.evaluate("el => el.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    _submit(page, form_id, done)


def _row(page: Page, text: str) -> Locator:
    """The listed record showing `text`."""
    return page.get_by_role("main").locator("[data-record-id]").filter(has_text=text).first


def _open_record_page(page: Page, app: RunningApp, path: str, time_field: str) -> None:
    page.goto(f"{app.url}/{path}")
    # The page's load fills the time with "now"; typing before that would be reset. Each page
    # is opened once per test, so the time is empty until that load has run.
    expect(page.locator(f"#{time_field}")).not_to_have_value("")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_type2_targets_and_who_minutes(sized_page: Page, app: RunningApp, lang: str) -> None:
    page = sized_page

    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    sign_up(page, app, unique_login("dia"))
    # The first signed-in page learns the browser's zone; settings opened before that stored
    # it still show UTC, so open them again until the form has the learned zone.
    for _attempt in range(4):
        page.goto(f"{app.url}/settings")
        expect(page.locator("#settings-timezone")).not_to_have_value("")
        if page.locator("#settings-timezone").input_value() == "Asia/Seoul":
            break
        page.wait_for_timeout(1000)
    expect(page.locator("#settings-timezone")).to_have_value("Asia/Seoul")  # the form is loaded
    if lang == "ko":
        page.locator("#settings-language").select_option("ko")
        _submit(page, "settings", t("settings.saved"))

    # Settings: the targets show once a diabetes status is chosen, with the ADA defaults.
    high = page.locator("#settings-target_pre_meal_high")
    expect(high).to_be_hidden()
    page.locator("#settings-diabetes_status").select_option("type2")
    expect(high).to_be_visible()
    expect(high).to_have_value("130")
    expect(page.locator("#settings-target_pre_meal_low")).to_have_value("80")
    expect(page.locator("#settings-target_after_meal")).to_have_value("180")
    expect(page.locator("#settings-gdm_target_fasting")).to_be_hidden()
    help_text = t("settings.target_help", unit="mg/dL", default="130")
    expect(page.get_by_text(help_text)).to_be_visible()
    # A target out of range: its own message, the typed text and the chosen status kept.
    high.fill("300")
    page.locator("#settings button[type=submit]").click()
    expect(high).to_have_accessible_description(
        t("error.out_of_range", min="70", max="250", unit="mg/dL")
    )
    expect(high).to_have_value("300")
    expect(page.locator("#settings-diabetes_status")).to_have_value("type2")
    # A target of one's own (the ADA default 130 would put a fasting 126 in target).
    high.fill("120")
    _submit(page, "settings", t("settings.saved"))
    expect(high).to_have_value("120")

    # Glucose: targets, not diagnostic ranges.
    main = page.get_by_role("main")
    _open_record_page(page, app, "glucose", "glucose-measured_at")
    for value, timing, label in [
        ("150", "after_dinner", "clinical.glucose.in_target"),  # not "prediabetes range"
        ("126", "fasting", "clinical.glucose.above_target"),  # not "diabetes range"
        ("65", "before_lunch", "clinical.glucose.hypo_level1"),
    ]:
        _add(page, "glucose", t("records.saved"), value=value, timing=timing)
        expect(_row(page, f"{value} mg/dL")).to_contain_text(t(label))
    expect(main).not_to_contain_text(t("clinical.glucose.prediabetes_range"))
    expect(main).not_to_contain_text(t("clinical.glucose.diabetes_range"))

    # HbA1c 6.8 % under the ADA 7 % target.
    _open_record_page(page, app, "hba1c", "hba1c-measured_on")
    _add(page, "hba1c", t("records.saved"), percent="6.8")
    expect(main).to_contain_text(t("clinical.hba1c.target_met"))

    # Exercise: the help says how intensities count; light minutes do not count.
    _open_record_page(page, app, "exercise", "exercise-started_at")
    expect(page.locator("#exercise-intensity")).to_have_accessible_description(
        t("exercise.intensity_help")
    )
    _add(page, "exercise", t("records.saved"), kind="cycling", duration_min="60",
         intensity="light")  # fmt: skip
    expect(_row(page, t("records.value.exercise", minutes=60))).to_be_attached()
    _add(page, "exercise", t("records.saved"), kind="cycling", duration_min="25",
         intensity="moderate")  # fmt: skip
    expect(_row(page, t("records.value.exercise", minutes=25))).to_be_attached()
    page.goto(app.url)
    # 25 moderate minutes count once, the 60 light ones not at all.
    expect(
        page.get_by_text(t("dash.who_progress", minutes="25", goal="150", pct="16"))
    ).to_be_visible()
