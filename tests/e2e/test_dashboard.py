"""The dashboard shows what was just entered; the weekly report renders; goals and opt-out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import sign_up, toast, unique_login


def add_glucose(page: Page, app: RunningApp, value: str, timing: str) -> None:
    page.goto(f"{app.url}/glucose")
    expect(page.get_by_label("Date and time")).not_to_have_value("")
    page.get_by_label("Blood glucose").fill(value)
    page.get_by_label("Timing").select_option(timing)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(toast(page, "Saved.")).to_be_visible()


def test_dashboard_shows_what_was_just_entered(page: Page, app: RunningApp) -> None:
    sign_up(page, app, unique_login())
    expect(page.get_by_text("Nothing recorded yet. Start with a first entry:")).to_be_visible()
    expect(page.get_by_role("group", name="Latest glucose")).to_contain_text("—")

    add_glucose(page, app, "62", "before_dinner")
    page.goto(f"{app.url}/meals")
    expect(page.get_by_label("Date and time")).not_to_have_value("")
    page.get_by_role("button", name="Save meal").click()
    page.get_by_role("button", name="Add food").click()
    dialog = page.get_by_role("dialog", name="Add a food")
    dialog.get_by_label("Search the food database").fill("kimchi")
    dialog.get_by_role("button", name="Kimchi", exact=True).click()
    dialog.get_by_label("Portion in grams").fill("100")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    glucose = page.get_by_role("group", name="Latest glucose")
    expect(glucose).to_contain_text("62 mg/dL")
    expect(glucose).to_contain_text("Danger")
    expect(glucose).to_contain_text("Level 1 hypoglycaemia")
    expect(page.get_by_text(re.compile(r"^\d+ / 2000 kcal$"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^0 / 2000 kcal$"))).to_have_count(0)
    expect(page.get_by_text("Nothing recorded yet. Start with a first entry:")).to_be_hidden()
    # one user cannot be compared with anyone: no made-up rank
    expect(page.get_by_text("Logging, last 30 days: too few users to compare yet")).to_be_visible()


def test_weekly_report_renders(page: Page, app: RunningApp) -> None:
    sign_up(page, app, unique_login())
    add_glucose(page, app, "110", "fasting")
    add_glucose(page, app, "190", "after_lunch")
    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Week \d{4}-\d\d-\d\d to "))
    ).to_be_visible()
    readings = page.get_by_role("row", name=re.compile("^Glucose readings"))
    expect(readings).to_contain_text("2")
    expect(page.get_by_role("row", name=re.compile("^Mean glucose"))).to_contain_text("150 mg/dL")
    page.get_by_label("Report", exact=True).select_option("day")
    expect(page.get_by_role("heading", name=re.compile(r"^Day \d{4}-\d\d-\d\d$"))).to_be_visible()


def test_goals_and_rank_opt_out_in_settings(page: Page, app: RunningApp) -> None:
    sign_up(page, app, unique_login())
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_label("Calories (kcal)").fill("100")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_label("Calories (kcal)")).to_have_accessible_description(
        "Enter a value from 800 to 6000 kcal."
    )
    page.get_by_label("Calories (kcal)").fill("1800")
    page.get_by_label(re.compile("Do not count me")).check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Settings saved.")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(page.get_by_text("0 / 1800 kcal")).to_be_visible()
    expect(page.get_by_text(re.compile("not counted")).first).to_be_visible()
