"""Pure rules behind task sets, weighted routing and ALB metrics."""

from __future__ import annotations

import pytest
from moto.elbv2.exceptions import ValidationError

from ci_ecs.sandbox.listeners import check_weights, forward_weights, normalize
from ci_ecs.sandbox.metrics import datapoints, load_balancer_dimension, target_group_dimension
from ci_ecs.sandbox.tasksets import computed_count
from ci_ecs.sandbox.traffic import Counts, Traffic, round_robin, split

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-ext-canary/89e0a30cdc33e1c6"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/3136dee718b0a386"


@pytest.mark.parametrize(
    ("desired", "percent", "expected"),
    [(3, 34, 2), (3, 33.4, 2), (3, 100, 3), (10, 70, 7), (10, 10, 1), (10, 0, 0), (0, 50, 0), (5, 1, 1)],
)
def test_computed_desired_count_rounds_up_exactly(desired, percent, expected):
    assert computed_count(desired, {"value": percent, "unit": "PERCENT"}) == expected


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


def test_alb_metric_dimensions_are_the_arn_final_portions():
    assert load_balancer_dimension(LB) == "app/demo/3136dee718b0a386"
    assert target_group_dimension(TG) == "targetgroup/web-ext-canary/89e0a30cdc33e1c6"
    [requests] = datapoints(LB, TG, 120, 0)  # zero counts are not reported, as ALB does
    assert (requests["MetricName"], requests["Value"], requests["Unit"]) == ("RequestCount", 120.0, "Count")
    assert [d["Name"] for d in requests["Dimensions"]] == ["LoadBalancer", "TargetGroup"]
    assert [d["MetricName"] for d in datapoints(LB, TG, 5, 5)] == [
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
    ]


def test_forward_to_one_target_group_also_reads_as_forward_config_weight_1():
    action = {"Type": "forward", "TargetGroupArn": TG}
    normalize(action)
    assert action["ForwardConfig"] == {
        "TargetGroups": [{"TargetGroupArn": TG, "Weight": 1}],
        "TargetGroupStickinessConfig": {"Enabled": False},
    }
    assert forward_weights(action) == [(TG, 1)]
    weighted = {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": TG, "Weight": 0}]}}
    normalize(weighted)
    assert "TargetGroupArn" not in weighted and forward_weights(weighted) == [(TG, 0)]


def test_weights_outside_0_999_are_refused_naming_the_member():
    check_weights(
        [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"Weight": 999}, {"Weight": 0}]}}], "x"
    )
    bad = [
        {"Type": "fixed-response"},
        {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"Weight": 1000}]}},
    ]
    with pytest.raises(ValidationError) as error:
        check_weights(bad, "actions")
    assert "'actions.2.member.forwardConfig.targetGroups.1.member.weight'" in error.value.message
    assert "less than or equal to 999" in error.value.message
