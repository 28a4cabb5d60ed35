"""Reading badges: cohort size, best and worst place, ties, opt-out."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from healthapp.models import Glucose, RankMetric
from healthapp.services import ranking
from healthapp.services.ranking import Metric
from tests.unit.services.ranking import helpers
from tests.unit.services.ranking.helpers import NOW, PERIOD, badge, cohort, new_user, prefs


def test_best_worst_and_middle_of_exactly_min_cohort(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(20)])  # 10 ... 200 minutes
    best, worst, middle = badge(db, ids[-1]), badge(db, ids[0]), badge(db, ids[10])
    assert (best.top_percent, best.better, best.cohort, best.reason) == (5, 0, 20, "")
    assert (best.period, best.value) == (PERIOD, 200)
    assert (worst.top_percent, worst.better) == (100, 19)
    assert (middle.value, middle.better, middle.top_percent) == (110, 9, 50)


def test_cohort_below_the_minimum_shows_no_badge(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(19)])
    result = badge(db, ids[-1])
    assert result.top_percent is None
    assert (result.reason, result.cohort, result.better, result.value) == (
        "cohort_too_small",
        19,
        0,
        190,
    )
    assert badge(db, ids[-1], min_cohort=19).top_percent == 6  # ceil(100 / 19)
    assert ranking.DEFAULT_MIN_COHORT == 20


def test_ties_share_the_best_place(db: Session) -> None:
    ids = cohort(db, [300, 300, 300] + [10 * (i + 1) for i in range(17)])
    assert [badge(db, uid).top_percent for uid in ids[:3]] == [5, 5, 5]
    next_best = badge(db, ids[-1])  # 170 minutes: three users are strictly better
    assert (next_best.better, next_best.top_percent) == (3, 20)


def test_all_tied_at_zero_are_all_top(db: Session) -> None:
    ids = cohort(db, [0] * 20)  # all log exercise, nobody did any this week
    result = badge(db, ids[7])
    assert (result.value, result.better, result.cohort, result.top_percent) == (0, 0, 20, 5)


def test_opted_out_users_are_neither_counted_nor_shown(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(21)])  # ids[-1] (210 min) is the best
    assert badge(db, ids[-2]).better == 1
    star = ids[-1]
    ranking.set_rank_opt_out(db, user_id=star, opt_out=True, prefs=prefs(db, star), now=NOW)
    hidden = badge(db, star)
    assert (hidden.reason, hidden.value, hidden.top_percent) == ("opted_out", None, None)
    assert db.exec(select(RankMetric).where(RankMetric.user_id == star)).all() == []
    second = badge(db, ids[-2])
    assert (second.better, second.cohort, second.top_percent) == (0, 20, 5)
    # The periodic job keeps them out too.
    ranking.refresh_all_metrics(db, now=NOW, commit=False)
    assert badge(db, ids[-2]).cohort == 20
    # Back in: counted again at once.
    ranking.set_rank_opt_out(db, user_id=star, opt_out=False, prefs=prefs(db, star), now=NOW)
    assert (badge(db, star).top_percent, badge(db, ids[-2]).better) == (5, 1)
    assert badge(db, ids[-2]).cohort == 21


def glucose_days(db: Session, uid: int, in_range: int, total: int = 14) -> None:
    """`total` readings spread over the last 13 days, `in_range` of them in 70-180."""
    for i in range(total):
        value = 100 if i < in_range else 250
        at = NOW - timedelta(minutes=i * 13 * 24 * 60 // total)
        db.add(Glucose(user_id=uid, measured_at=at, mg_dl=value, timing="other"))


def test_time_in_range_ranks_by_whole_percent(db: Session) -> None:
    ids = []
    for i in range(20):
        uid = new_user(db, f"g{i}")
        glucose_days(db, uid, in_range=i % 14, total=14)
        ids.append(uid)
    a, b = new_user(db, "a"), new_user(db, "b")
    # 11/14 = 78.57 % and 26/33 = 78.79 %: both rank as 79 %, so they tie.
    glucose_days(db, a, in_range=11, total=14)
    glucose_days(db, b, in_range=26, total=33)
    db.flush()
    ranking.refresh_all_metrics(db, now=NOW, commit=False)
    first = badge(db, a, Metric.GLUCOSE_TIR_14D)
    second = badge(db, b, Metric.GLUCOSE_TIR_14D)
    assert first.value == pytest.approx(100 * 11 / 14)  # shown exactly
    assert second.value == pytest.approx(100 * 26 / 33)
    # Better: 12/14 (86 %) and 13/14 (93 %); 11/14 (ids[11]) ties with both.
    assert (first.better, first.cohort) == (second.better, second.cohort) == (2, 22)
    assert badge(db, ids[11], Metric.GLUCOSE_TIR_14D).better == 2
    assert first.top_percent == second.top_percent == 14  # ceil(100 x 3 / 22)
    assert helpers.brute_force(db, a, Metric.GLUCOSE_TIR_14D) == (2, 22)
    helpers.assert_histogram_exact(db)
