"""Each record type end to end: add, see it classified, edit, delete, and one invalid entry;
glucose readings say whether a meter or a CGM (the form, or a Nightscout uploader) took them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from healthapp.services.nightscout.secrets import sha1_hex
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import sign_up, toast, unique_login


@dataclass
class Case:
    nav: str
    add: dict[str, str]
    shown: list[str]  # texts of the new row: value, level word, detailed category
    edit: dict[str, str]
    edited: list[str]
    invalid: dict[str, str]  # the first field is the one refused, with `message`
    message: str
    selects: dict[str, str] = field(default_factory=dict)
    time_label: str = "Date and time"
    heading: str = ""  # the page's heading, when it is not `nav`

    @property
    def invalid_label(self) -> str:
        return next(iter(self.invalid))

    @property
    def page_heading(self) -> str:
        return self.heading or self.nav


CASES = {
    "blood pressure": Case(
        nav="Blood pressure",
        add={"Systolic": "135", "Diastolic": "85", "Pulse per minute (optional)": "72"},
        shown=["135/85 mmHg · 72 /min", "Borderline", "Stage 1 hypertension"],
        edit={"Systolic": "118", "Diastolic": "76"},
        edited=["118/76 mmHg · 72 /min", "Normal"],
        invalid={"Systolic": "400", "Diastolic": "85"},
        message="Enter a value from 50 to 300 mmHg.",
    ),
    "glucose": Case(
        nav="Glucose",
        heading="Blood glucose",
        add={"Blood glucose": "52"},
        selects={"Timing": "fasting", "Source": "cgm"},
        shown=["52 mg/dL", "CGM", "Fasting", "Danger", "Level 2 hypoglycaemia"],
        edit={"Blood glucose": "95"},
        edited=["95 mg/dL", "CGM", "Normal"],  # the edit keeps the source
        invalid={"Blood glucose": "abc"},
        message="Enter a number, for example 5.5 or 120.",
    ),
    "hba1c": Case(
        nav="HbA1c",
        add={"HbA1c (%)": "6.8"},
        shown=["6.8 %", "Borderline", "Diabetes range"],
        edit={"HbA1c (%)": "7.5"},
        edited=["7.5 %", "Danger", "Above target (goal: below 7 %)"],
        invalid={"HbA1c (%)": "25"},
        message="Enter a value from 3 to 20 %.",
        time_label="Date",
    ),
    "exercise": Case(
        nav="Exercise",
        add={"Minutes": "30"},
        selects={"Activity": "running", "Intensity": "vigorous"},
        shown=["30 min", "Running", "Vigorous"],
        edit={"Minutes": "45"},
        edited=["45 min", "Running"],
        invalid={"Minutes": "0"},
        message="Enter a value from 1 to 1440 min.",
        time_label="Start",
    ),
}


def fill(page: Page, values: dict[str, str], selects: dict[str, str] | None = None) -> None:
    form = page.get_by_role("form").first
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, value in (selects or {}).items():
        page.get_by_label(label, exact=True).select_option(value)
    assert form


@pytest.mark.parametrize("name", list(CASES))
def test_record_lifecycle(page: Page, app: RunningApp, name: str) -> None:
    case = CASES[name]
    sign_up(page, app, unique_login())
    page.get_by_role("navigation").get_by_role("link", name=case.nav, exact=True).click()
    expect(page.get_by_role("heading", name=case.page_heading, exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("No .* yet"))).to_be_visible()
    # The page's load fills the time with "now"; typing before that would be reset.
    expect(page.get_by_label(case.time_label, exact=True)).not_to_have_value("")

    # invalid: a specific message next to the field, nothing saved, the typed text kept
    fill(page, case.invalid)
    page.get_by_role("button", name="Add", exact=True).click()
    box = page.get_by_label(case.invalid_label, exact=True)
    expect(box).to_have_accessible_description(case.message)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_value(case.invalid[case.invalid_label])
    expect(page.get_by_text(re.compile("No .* yet"))).to_be_visible()

    # add: classified in the list
    fill(page, case.add, case.selects)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(toast(page, "Saved.")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    for text in case.shown:
        expect(rows.first).to_contain_text(text)

    # edit: same record, new values, no duplicate
    record_id = rows.first.get_attribute("data-record-id")
    rows.first.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit entry")).to_be_visible()
    fill(page, case.edit)
    page.get_by_role("button", name="Save changes").click()
    expect(toast(page, "Changes saved.")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-record-id", record_id or "")
    for text in case.edited:
        expect(rows.first).to_contain_text(text)
    expect(page.get_by_text("Page 1 of 1 (1 entries)")).to_be_visible()

    # delete: only after confirming
    rows.first.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("alertdialog", name="Delete this entry?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(rows).to_have_count(1)
    rows.first.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(toast(page, "Entry deleted.")).to_be_visible()
    expect(rows).to_have_count(0)


def test_late_evening_reading_is_grouped_in_the_local_day(page: Page, app: RunningApp) -> None:
    sign_up(page, app, unique_login())  # the browser runs in Asia/Seoul (see conftest)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Seoul")
    page.get_by_label("Glucose unit").select_option("mmol/L")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Settings saved.")).to_be_visible()

    page.goto(f"{app.url}/glucose")
    expect(page.get_by_label("Date and time")).not_to_have_value("")
    page.get_by_label("Date and time").fill("2026-11-28T23:30")
    page.get_by_label("Blood glucose").fill("5,5")
    page.get_by_label("Timing").select_option("bedtime")
    page.get_by_role("button", name="Add", exact=True).click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("2026-11-28 23:30")
    expect(row).to_contain_text("5.5 mmol/L")

    # edit and save unchanged: still 5.5
    row.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Blood glucose")).to_have_value("5.5")
    page.get_by_role("button", name="Save changes").click()
    expect(toast(page, "Changes saved.")).to_be_visible()
    expect(row).to_contain_text("5.5 mmol/L")

    search = page.get_by_role("search")
    search.get_by_label("From").fill("2026-11-29")
    search.get_by_label("To").fill("2026-11-29")
    search.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr")).to_have_count(0)
    search.get_by_label("From").fill("2026-11-28")
    search.get_by_label("To").fill("2026-11-28")
    search.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr")).to_have_count(1)


def test_meter_and_cgm_readings_are_told_apart(page: Page, app: RunningApp) -> None:
    sign_up(page, app, unique_login())
    # An uploader address from Settings, and one sensor reading sent as xDrip+ sends it.
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Make uploader address").click()
    address = page.get_by_label("Uploader address")
    expect(address).to_contain_text("/nightscout/api/v1/")
    match = re.match(r"https?://([^@/]+)@", address.inner_text())
    assert match, address.inner_text()
    taken = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    entry = {
        "type": "sgv",
        "sgv": 168,
        "date": int(taken.timestamp() * 1000),
        "dateString": taken.isoformat(),
        "direction": "Flat",
        "device": "xDrip-DexcomG6",
    }
    reply = page.request.post(
        f"{app.url}/nightscout/api/v1/entries",
        headers={"api-secret": sha1_hex(match[1]), "content-type": "application/json"},
        data=json.dumps([entry]),
    )
    assert reply.ok, reply.text()

    page.goto(f"{app.url}/glucose")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("168 mg/dL")
    expect(rows.first.locator(".source-badge")).to_have_text("CGM")

    # The form's source is Meter unless chosen.
    expect(page.get_by_label("Date and time", exact=True)).not_to_have_value("")
    expect(page.get_by_label("Source", exact=True)).to_have_value("meter")
    fill(page, {"Blood glucose": "101"}, {"Timing": "fasting"})
    page.get_by_role("button", name="Add", exact=True).click()
    expect(toast(page, "Saved.")).to_be_visible()
    expect(rows).to_have_count(2)
    meter = rows.filter(has_text="101 mg/dL")
    expect(meter.locator(".source-badge")).to_have_text("Meter")

    # Editing the uploaded reading shows its source and keeps it.
    sensor = rows.filter(has_text="168 mg/dL")
    sensor.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit entry")).to_be_visible()
    expect(page.get_by_label("Source", exact=True)).to_have_value("cgm")
    fill(page, {"Blood glucose": "170"})
    page.get_by_role("button", name="Save changes").click()
    expect(toast(page, "Changes saved.")).to_be_visible()
    expect(rows.filter(has_text="170 mg/dL").locator(".source-badge")).to_have_text("CGM")
    expect(meter.locator(".source-badge")).to_have_text("Meter")
