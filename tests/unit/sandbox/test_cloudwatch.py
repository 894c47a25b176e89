"""Percentile statistics the sandbox answers for moto: nearest rank over a period's single values."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.cloudwatch import nearest_rank, percentile_of


@pytest.mark.parametrize(
    ("stat", "percent"),
    [
        ("p99", 99.0),
        ("p90.5", 90.5),
        ("p0", 0.0),
        ("p100", 100.0),
        ("p101", None),
        ("Sum", None),
        ("tm99", None),
    ],
)
def test_percentile_statistics_are_p_and_a_number_up_to_100(stat, percent):
    assert percentile_of(stat) == percent


def test_nearest_rank_is_the_smallest_value_with_that_share_at_or_below_it():
    values = [0.05] * 19 + [2.5]  # 5 % slow
    assert nearest_rank(values, 95) == 0.05  # rank 19 of 20
    assert nearest_rank(values, 95.5) == nearest_rank(values, 99) == 2.5  # rank 20
    assert nearest_rank([3.0, 1.0, 2.0], 50) == 2.0
    assert nearest_rank([3.0, 1.0, 2.0], 0) == 1.0
    assert nearest_rank([], 99) is None
