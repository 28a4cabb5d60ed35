from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from healthapp.domain.errors import ValidationError
from healthapp.services import forms

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_local_datetime_is_read_in_the_users_zone() -> None:
    value = forms.local_datetime({"t": "2026-11-28T23:30"}, "t", tz=SEOUL, now=NOW)
    assert value == datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
    assert forms.to_local_input(value, SEOUL) == "2026-11-28T23:30"


def test_local_datetime_across_a_dst_change() -> None:
    # New York leaves DST on 2026-11-01: 01:30 happens twice; 12:00 either side differs by 1 h.
    before = forms.local_datetime({"t": "2026-10-31T12:00"}, "t", tz=NEW_YORK, now=NOW)
    after = forms.local_datetime({"t": "2026-11-02T12:00"}, "t", tz=NEW_YORK, now=NOW)
    assert before.hour == 16
    assert after.hour == 17


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "error.datetime_required"),
        ("yesterday", "error.datetime_invalid"),
        ("2026-11-28T25:00", "error.datetime_invalid"),
        ("2026-11-28T10:00+99:00", "error.datetime_invalid"),
        ("1800-01-01T00:00Z", "error.datetime_invalid"),
        ("2026-11-29T12:06Z", "error.in_future"),
        ("1800-01-01T00:00", "error.datetime_invalid"),
        ("2026-11-29T21:06", "error.in_future"),  # 12:06 UTC: beyond the 5-minute skew
    ],
)
def test_local_datetime_errors(raw: str, key: str) -> None:
    with pytest.raises(ValidationError) as info:
        forms.local_datetime({"t": raw}, "t", tz=SEOUL, now=NOW)
    assert (info.value.key, info.value.field) == (key, "t")


def test_a_value_with_an_offset_is_that_instant_whatever_the_zone() -> None:
    value = forms.local_datetime({"t": "2026-11-01T01:30:07-05:00"}, "t", tz=SEOUL, now=NOW)
    assert value == datetime(2026, 11, 1, 6, 30, 7, tzinfo=UTC)  # the fall-back's second 01:30


def test_small_clock_skew_is_accepted() -> None:
    value = forms.local_datetime({"t": "2026-11-29T21:04"}, "t", tz=SEOUL, now=NOW)
    assert value > NOW


def test_local_date_future_is_judged_in_the_users_zone() -> None:
    # 12:00 UTC is already 21:00 in Seoul but 07:00 in New York: "tomorrow" differs.
    assert forms.local_date({"d": "2026-11-29"}, "d", tz=SEOUL, now=NOW) == date(2026, 11, 29)
    with pytest.raises(ValidationError, match="error.in_future"):
        forms.local_date({"d": "2026-11-30"}, "d", tz=NEW_YORK, now=NOW)


def test_day_bounds_are_local_midnights() -> None:
    low, high = forms.day_bounds(date(2026, 11, 28), date(2026, 11, 28), SEOUL)
    assert low == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert high == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert forms.day_bounds(None, None, SEOUL) == (None, None)


def test_integer_and_number_rules() -> None:
    assert forms.integer({"n": " 120 "}, "n", low=50, high=300) == 120
    assert forms.integer({"n": ""}, "n", low=1, high=2, required=False) is None
    assert forms.number({"n": "5,5"}, "n", low=3, high=20) == Decimal("5.5")
    for raw, key in [("120.5", "error.whole_number"), ("301", "error.out_of_range"),
                     ("abc", "error.number_invalid"), ("", "error.value_required")]:  # fmt: skip
        with pytest.raises(ValidationError) as info:
            forms.integer({"n": raw}, "n", low=50, high=300, unit="mmHg")
        assert info.value.key == key
    with pytest.raises(ValidationError) as info:
        forms.integer({"n": "49"}, "n", low=50, high=300, unit="mmHg")
    assert info.value.params == {"min": 50, "max": 300, "unit": "mmHg"}


def test_collect_reports_every_bad_field() -> None:
    form = {"a": "x", "b": "7", "c": ""}
    with pytest.raises(forms.FormInvalid) as info:
        forms.collect(
            {
                "a": lambda: forms.integer(form, "a", low=1, high=9),
                "b": lambda: forms.integer(form, "b", low=1, high=9),
                "c": lambda: forms.integer(form, "c", low=1, high=9),
            }
        )
    assert sorted(info.value.errors) == ["a", "c"]


def test_note_and_choice() -> None:
    from healthapp.domain.clinical import GlucoseTiming

    assert forms.note({"note": "  after a walk "}) == "after a walk"
    with pytest.raises(ValidationError, match="error.note_too_long"):
        forms.note({"note": "x" * 501})
    assert forms.choice({"t": "bedtime"}, "t", GlucoseTiming) is GlucoseTiming.BEDTIME
    with pytest.raises(ValidationError, match="error.choice_invalid"):
        forms.choice({"t": "brunch"}, "t", GlucoseTiming)
    with pytest.raises(ValidationError, match="error.choice_required"):
        forms.choice({}, "t", GlucoseTiming)


FALL_BACK_EST = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, the second 01:30


def test_an_unchanged_fall_back_time_keeps_the_stored_instant() -> None:
    form = {"t": forms.to_local_input(FALL_BACK_EST, NEW_YORK)}
    assert form["t"] == "2026-11-01T01:30"
    value = forms.local_datetime(form, "t", tz=NEW_YORK, now=NOW, stored=FALL_BACK_EST)
    assert value == FALL_BACK_EST
    # Read fresh (no stored row), the ambiguous wall time is always its first occurrence (EDT).
    assert forms.local_datetime(form, "t", tz=NEW_YORK, now=NOW) == FALL_BACK_EST - timedelta(
        hours=1
    )
    assert forms.keep_shown(FALL_BACK_EST - timedelta(hours=1), FALL_BACK_EST, NEW_YORK) == (
        FALL_BACK_EST
    )
    # Seconds the form does not show are kept too; a changed minute is read as typed.
    precise = FALL_BACK_EST + timedelta(seconds=42)
    assert forms.local_datetime(form, "t", tz=NEW_YORK, now=NOW, stored=precise) == precise
    moved = forms.local_datetime(
        {"t": "2026-11-01T01:31"}, "t", tz=NEW_YORK, now=NOW, stored=FALL_BACK_EST
    )
    assert moved == datetime(2026, 11, 1, 5, 31, tzinfo=UTC)


@pytest.mark.parametrize("tz", [NEW_YORK, SEOUL, ZoneInfo("Pacific/Kiritimati")])
def test_dates_at_the_end_of_the_calendar_are_refused_not_overflowed(tz: ZoneInfo) -> None:
    with pytest.raises(ValidationError) as info:
        forms.local_datetime({"t": "9999-12-31T23:30"}, "t", tz=tz, now=NOW)
    assert info.value.key == "error.in_future"
    with pytest.raises(ValidationError) as info:
        forms.local_date({"d": "9999-12-31"}, "d", tz=tz, now=NOW)
    assert info.value.key == "error.in_future"
    low, high = forms.day_bounds(date(9999, 12, 31), date(9999, 12, 31), tz)
    assert low is not None
    assert high is None  # the day after 9999-12-31 is not a date: no upper bound
    assert forms.day_bounds(date.min, date(2026, 11, 28), tz)[1] is not None
