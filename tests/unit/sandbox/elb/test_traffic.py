"""Simulated traffic: requests split exactly by weight, round robin over targets, shares per version."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.elb.traffic import Counts, Traffic, round_robin, split


@pytest.mark.parametrize("weights", [[90, 10], [1, 2], [3, 3, 1], [999, 1], [1, 0], [7]])
def test_weighted_split_is_exact_per_tick_and_converges(weights):
    credits = [0] * len(weights)
    totals = [0] * len(weights)
    for _ in range(301):
        shares = split(weights, 100, credits)
        assert sum(shares) == 100
        totals = [t + s for t, s in zip(totals, shares, strict=True)]
    for total, weight in zip(totals, weights, strict=True):
        assert abs(total - 30100 * weight / sum(weights)) < 1
    assert totals[weights.index(min(weights))] >= 0


def test_all_zero_weights_route_nothing():
    assert split([0, 0], 100, [0, 0]) == [0, 0]


def test_round_robin_spreads_evenly_and_takes_turns():
    counts, cursor = round_robin(10, 4, 0)
    assert (counts, cursor) == ([3, 3, 2, 2], 2)
    counts, cursor = round_robin(10, 4, cursor)
    assert (counts, cursor) == ([2, 2, 3, 3], 0)


def test_share_is_per_target_group_set():
    traffic = Traffic(
        ticks=1,
        by_rule={},
        by_target_group={},
        by_target={},
        by_version={},
        by_group_version={("a", "v1"): Counts(75), ("a", "v2"): Counts(25), ("b", "v1"): Counts(100)},
        unrouted=0,
    )
    assert traffic.share("v2", ["a"]) == 25.0
    assert traffic.share("v2") == 12.5
    assert traffic.share("v3", ["c"]) == 0.0
