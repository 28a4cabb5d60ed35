"""A person with type 2 diabetes sees targets, not diagnoses; light exercise does not count
toward the WHO minutes. At phone and desktop width, in English and Korean (issue 11, items 2, 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from healthapp.i18n import translate
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import sign_up, unique_login

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], locale="en-US", timezone_id="Asia/Seoul"
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def _submit(page: Page, form_id: str, done: str) -> None:
    page.locator(f"#{form_id} button[type=submit]").click()
    expect(page.get_by_role("status").filter(has_text=done)).to_be_visible()


def _add(page: Page, kind: str, done: str, **fields: str) -> None:
    """Fill the record form of page `kind` (field ids "<kind>-<name>") and add it."""
    for name, value in fields.items():
        box = page.locator(f"#{kind}-{name}")
        if box.evaluate("el => el.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    _submit(page, kind, done)


def _open_record_page(page: Page, app: RunningApp, path: str, time_field: str) -> None:
    page.goto(f"{app.url}/{path}")
    # The page's load fills the time with "now"; typing before that would be reset.
    expect(page.locator(f"#{time_field}")).not_to_have_value("")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_type2_targets_and_who_minutes(sized_page: Page, app: RunningApp, lang: str) -> None:
    page = sized_page

    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    sign_up(page, app, unique_login("dia"))
    page.goto(f"{app.url}/settings")
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
    # Saved with the ADA pre-meal high of 130 kept.
    high.fill("130")
    _submit(page, "settings", t("settings.saved"))
    expect(high).to_have_value("130")

    # Glucose: targets, not diagnostic ranges.
    main = page.get_by_role("main")
    _open_record_page(page, app, "glucose", "glucose-measured_at")
    _add(page, "glucose", t("records.saved"), value="150", timing="after_dinner")
    expect(main).to_contain_text(t("clinical.glucose.in_target"))
    _add(page, "glucose", t("records.saved"), value="135", timing="fasting")
    expect(main).to_contain_text(t("clinical.glucose.above_target"))
    _add(page, "glucose", t("records.saved"), value="65", timing="before_lunch")
    expect(main).to_contain_text(t("clinical.glucose.hypo_level1"))
    expect(main).not_to_contain_text(t("clinical.glucose.prediabetes_range"))
    expect(main).not_to_contain_text(t("clinical.glucose.diabetes_range"))

    # A target of one's own: 126 fasting is above a pre-meal high of 120 (in target at 130).
    page.goto(f"{app.url}/settings")
    expect(high).to_have_value("130")
    high.fill("120")
    _submit(page, "settings", t("settings.saved"))
    _open_record_page(page, app, "glucose", "glucose-measured_at")
    _add(page, "glucose", t("records.saved"), value="126", timing="fasting")
    reading = main.locator("[data-record-id]").filter(has_text="126 mg/dL").first
    expect(reading).to_contain_text(t("clinical.glucose.above_target"))

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
    page.goto(app.url)
    expect(
        page.get_by_text(t("dash.who_progress", minutes="0", goal="150", pct="0"))
    ).to_be_visible()
    _open_record_page(page, app, "exercise", "exercise-started_at")
    _add(page, "exercise", t("records.saved"), kind="cycling", duration_min="30",
         intensity="moderate")  # fmt: skip
    page.goto(app.url)
    expect(
        page.get_by_text(t("dash.who_progress", minutes="30", goal="150", pct="20"))
    ).to_be_visible()
