"""The charts' words: dated axis ticks, legends with units and summaries in both languages."""

import pytest

from healthapp.i18n import CATALOGUES
from healthapp.state import chart_text

POINTS = [{"t": "2026-11-28T07:05", "v": 98.0}, {"t": "2026-11-29T21:40", "v": 181.0}]


@pytest.mark.parametrize(
    ("lang", "with_time", "expected"),
    [
        ("en", True, "11/29 21:40"),
        ("ko", True, "11월 29일 21:40"),
        ("en", False, "11/29"),
        ("ko", False, "11월 29일"),
    ],
)
def test_ticks_carry_the_local_date(lang: str, with_time: bool, expected: str) -> None:
    assert chart_text.tick(lang, "2026-11-29T21:40", with_time=with_time) == expected


def test_a_date_only_row_gets_a_date_tick_even_with_time() -> None:
    assert chart_text.tick("en", "2026-03-08", with_time=True) == "3/8"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_legends_are_translated_with_units(lang: str) -> None:
    names = chart_text.legend_names(lang, "mmol/L")
    assert names["glucose"] == CATALOGUES[lang]["chart.legend.glucose"].format(unit="mmol/L")
    assert "mmHg" in names["systolic"]
    assert "mmHg" in names["diastolic"]
    assert all("kcal" in names[k] for k in ("carb", "protein", "fat"))
    # None of the old abbreviations is left.
    assert not {"SYS", "DIA", "C", "P", "F", "min"} & set(names.values())
    if lang == "ko":
        assert names["systolic"].startswith("수축기")
        assert names["carb"].startswith("탄수화물")


def test_summaries_name_the_range_and_the_latest_value() -> None:
    en = chart_text.glucose_summary("en", POINTS, "mg/dL")
    assert (
        en
        == "2 readings from 11/28 07:05 to 11/29 21:40: lowest 98, highest 181, latest 181 mg/dL."
    )
    ko = chart_text.glucose_summary("ko", POINTS, "mg/dL")
    assert "11월 28일 07:05" in ko
    assert "2회" in ko
    assert chart_text.glucose_summary("ko", [], "mg/dL") == CATALOGUES["ko"]["chart.summary.none"]
    bp = chart_text.bp_summary("en", [{"t": "2026-11-29T08:00", "sys": 128, "dia": 82}])
    assert bp.endswith("latest 128/82 mmHg.")
    weeks = [{"t": "2026-11-16", "minutes": 90}, {"t": "2026-11-23", "minutes": 160}]
    assert "160" in chart_text.exercise_summary("ko", weeks)
    assert "11/16" in chart_text.exercise_summary("en", weeks)


def test_rows_get_labels_and_tables_get_strings() -> None:
    rows = chart_text.with_ticks("ko", POINTS, with_time=True)
    assert [r["label"] for r in rows] == ["11월 28일 07:05", "11월 29일 21:40"]
    assert rows[0]["v"] == 98.0
    assert chart_text.table_rows("en", POINTS, ["v"], with_time=True) == [
        ["11/28 07:05", "98"],
        ["11/29 21:40", "181"],
    ]
