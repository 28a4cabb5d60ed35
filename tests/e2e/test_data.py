"""Export downloads, the printable report, and CSV import with preview and duplicate detection."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import sign_up, toast, unique_login


def open_data(page: Page, app: RunningApp) -> None:
    page.get_by_role("navigation").get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", name="My data", exact=True)).to_be_visible()


def choose(page: Page, button: str, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(path)


def test_export_downloads_and_printable_report(page: Page, app: RunningApp) -> None:
    sign_up(page, app, unique_login())
    page.goto(f"{app.url}/glucose")
    expect(page.get_by_label("Date and time")).not_to_have_value("")
    page.get_by_label("Blood glucose").fill("123")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(toast(page, "Saved.")).to_be_visible()
    open_data(page, app)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download all my data (CSV, zip)").click()
    assert re.fullmatch(r"healthapp-export-\d{8}\.zip", download.value.suggested_filename)
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    glucose = next(name for name in archive.namelist() if name.startswith("glucose"))
    assert "123" in archive.read(glucose).decode("utf-8-sig")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download FHIR R4 bundle (JSON)").click()
    bundle = json.loads(Path(download.value.path()).read_text())
    assert bundle["resourceType"] == "Bundle"
    codes = {c["code"] for e in bundle["entry"] for c in e["resource"].get("code", {}).get(
        "coding", [])}  # fmt: skip
    assert codes & {"41653-7", "1556-0"}

    with page.context.expect_page() as report:
        page.get_by_role("link", name="Open the printable report").click()
    report.value.wait_for_load_state()
    expect(report.value.locator("body")).to_contain_text("123")


def test_csv_import_preview_duplicates_and_bad_rows(
    page: Page, app: RunningApp, tmp_path: Path
) -> None:
    sign_up(page, app, unique_login())
    open_data(page, app)
    good = tmp_path / "meter.csv"
    good.write_text("Date,Glucose mg/dL,Memo\n2026-11-20 07:30,105,fasting\n2026-11-21 07:45,98,\n")
    choose(page, "Choose a CSV file", good)
    expect(page.get_by_role("table").filter(has_text="fasting")).to_contain_text("105")
    expect(page.get_by_label("Date and time", exact=True)).to_have_value("0")
    expect(page.get_by_label("Glucose value")).to_have_value("1")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("status").filter(
        has_text="2 readings imported, 0 duplicates skipped.")).to_be_visible()  # fmt: skip
    # The imported file is gone from the server: importing it again means choosing it again.
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    choose(page, "Choose a CSV file", good)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("status").filter(
        has_text="0 readings imported, 2 duplicates skipped.")).to_be_visible()  # fmt: skip

    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Glucose mg/dL\n2026-11-22 07:30,110\n2026-11-23 07:30,abc\n")
    choose(page, "Choose a CSV file", bad)
    page.get_by_role("button", name="Import", exact=True).click()
    errors = page.get_by_role("list", name="Rows with errors")
    expect(errors).to_contain_text("Line 3")
    expect(page.get_by_role("alert").filter(has_text="Nothing was imported")).to_be_visible()

    page.goto(f"{app.url}/glucose")
    expect(page.get_by_text("Page 1 of 1 (2 entries)")).to_be_visible()
