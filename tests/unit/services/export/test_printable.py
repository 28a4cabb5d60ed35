"""The printable report: its numbers, self-contained page, both languages, an empty period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from healthapp.i18n import CATALOGUES
from healthapp.services import export, importer


def test_report_and_import_keys_are_in_both_catalogues() -> None:
    used = set(export.REPORT_KEYS) | set(importer.IMPORT_KEYS)
    for lang in ("en", "ko"):
        missing = used - set(CATALOGUES[lang])
        assert not missing, (lang, sorted(missing))


def test_report_statistics_by_hand(
    make_user: Callable[..., int], add: Callable[..., None], report: Callable[..., str]
) -> None:
    alice = make_user("alice")
    for clock, value, timing in [
        ("07:00", "60", "fasting"),
        ("09:00", "100", "after_breakfast"),
        ("19:00", "200", "after_dinner"),
    ]:
        add(alice, "glucose", measured_at=f"2026-11-28T{clock}", value=value, timing=timing)
    page = report(alice, date(2026, 11, 28), date(2026, 11, 28))

    def row(label: str) -> str:
        start = page.index(f">{label}")
        return page[start : page.index("</tr>", start)].rsplit(">", 2)[-2].removesuffix("</td")

    assert row("Readings") == "3"
    assert row("Mean") == "120 mg/dL"
    assert row("Standard deviation") == "72 mg/dL"  # sqrt(((-60)² + (-20)² + 80²) / (3 - 1))
    assert row("Coefficient of variation") == "60.1 %"  # 72.11 / 120
    assert row("In range 70-180") == "33.3 %"
    assert row("Below 70") == "33.3 %"
    assert row("Below 54") == "0.0 %"
    assert row("Above 180") == "33.3 %"
    assert row("Mean fasting and before meals") == "60 mg/dL"
    assert row("Mean after meals") == "150 mg/dL"
    assert row("GMI") == "–"  # 3 readings on one day: not enough for a GMI


def test_report_is_self_contained_and_has_the_numbers(
    make_user: Callable[..., int], add: Callable[..., None], report: Callable[..., str]
) -> None:
    alice = make_user("alice")
    for day, value in [("2026-11-27", "100"), ("2026-11-28", "200")]:
        add(alice, "glucose", measured_at=f"{day}T08:00", value=value, timing="fasting")
    add(alice, "bp", measured_at="2026-11-28T08:00", systolic="135", diastolic="85", pulse="70")
    add(alice, "bp", measured_at="2026-11-28T20:00", systolic="145", diastolic="95")
    add(alice, "hba1c", measured_on="2026-10-01", percent="7.5")
    add(alice, "exercise", started_at="2026-11-28T18:00", kind="walking", duration_min="30",
        intensity="moderate")  # fmt: skip
    page = report(alice, date(2026, 11, 22), date(2026, 11, 28))
    assert page.startswith("<!DOCTYPE html>")
    assert "@media print" in page
    assert "<script" not in page
    assert "<link" not in page
    assert "src=" not in page
    assert page.count("<svg") == 2
    assert 'class="band"' in page  # the 70-180 target band
    assert "Health report" in page
    assert "150 mg/dL" in page  # mean of 100 and 200
    assert "140/90 mmHg" in page  # mean blood pressure
    assert "Stage 1 hypertension" in page
    assert "Stage 2 hypertension" in page
    assert "7.5 % · Diabetes" in page
    assert "169 mg/dL" in page  # eAG of 7.5 %: 28.7 x 7.5 - 46.7 = 168.55
    assert "30 min" in page
    assert "report.print." not in page  # every key translated
    korean = report(alice, date(2026, 11, 22), date(2026, 11, 28), lang="ko")
    assert "혈당" in korean
    assert '<html lang="ko">' in korean


def test_report_of_an_empty_period_says_so(
    make_user: Callable[..., int], report: Callable[..., str]
) -> None:
    alice = make_user("alice")
    page = report(alice, date(2026, 1, 1), date(2026, 1, 7))
    assert page.count("No readings in this period.") == 3  # glucose, blood pressure, meals
    assert "No HbA1c result" in page
    assert "<svg" not in page
    with pytest.raises(ValueError, match="end"):
        report(alice, date(2026, 1, 7), date(2026, 1, 1))
