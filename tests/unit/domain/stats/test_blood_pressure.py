"""Blood pressure statistics against hand-computed fixtures."""

import pytest

from healthapp.domain import stats


def test_bp_stats_under_both_standards() -> None:
    rows = [
        (118, 76, 60),
        (125, 78, None),
        (135, 85, 70),
        (142, 92, None),
        (185, 100, 80),
        (150, 85, None),
    ]
    sums = stats.bp_sums(rows)
    acc = stats.bp_stats(sums, "acc_aha")
    assert acc.count == 6
    assert acc.systolic_mean == pytest.approx(142.5)  # 855 / 6
    assert acc.diastolic_mean == pytest.approx(86)  # 516 / 6
    assert acc.pulse_mean == pytest.approx(70)
    assert acc.categories == {"normal": 1, "elevated": 1, "stage1": 1, "stage2": 2, "crisis": 1}
    assert acc.levels == {"normal": 1, "borderline": 2, "danger": 3}
    assert acc.crisis_count == 1
    assert acc.mean_category == "stage2"  # 143/86
    ksh = stats.bp_stats(sums, "ksh")
    assert ksh.categories == {
        "normal": 1,
        "elevated": 1,
        "prehypertension": 1,
        "grade1": 1,
        "grade2": 1,
        "isolated_systolic": 1,
    }
    empty = stats.bp_stats(stats.bp_sums([]), "ksh")
    assert empty.count == 0
    assert empty.systolic_mean is None
    assert empty.mean_category == ""
    assert sum(empty.categories.values()) == 0
