"""ALB metrics: CloudWatch dimensions from ARNs, and datapoints only for nonzero counts."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.elb.metrics import (
    SAMPLE_SIZE,
    datapoints,
    load_balancer_dimension,
    sample,
    target_group_dimension,
)

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-ext-canary/89e0a30cdc33e1c6"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/3136dee718b0a386"


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


def test_response_times_are_published_as_a_small_proportional_sample():
    *_, times = datapoints(LB, TG, 1000, 0, {0.05: 750, 2.5: 250})
    assert (times["MetricName"], times["Unit"]) == ("TargetResponseTime", "Seconds")
    assert (times["Values"], times["Counts"]) == ([0.05, 2.5], [15.0, 5.0])
    assert [d["MetricName"] for d in datapoints(LB, TG, 0, 0, {})] == []  # no requests, nothing at all


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({0.05: 7, 2.5: 3}, [(0.05, 7), (2.5, 3)]),  # at most 20 values: as they are
        ({2.5: 2000}, [(2.5, 20)]),
        ({0.05: 999, 2.5: 1}, [(0.05, 19), (2.5, 1)]),  # a rare value still shows once
        ({0.05: 1000, 1.0: 1, 2.5: 1}, [(0.05, 18), (1.0, 1), (2.5, 1)]),
        ({0.05: 1, 0.1: 1, 2.5: 0}, [(0.05, 1), (0.1, 1)]),
        ({float(v): 10 for v in range(25)}, [(float(v), 1) for v in range(25)]),  # each value once
    ],
)
def test_the_sample_is_proportional_bounded_and_keeps_every_value(counts, expected):
    picked = sample(counts)
    assert picked == expected
    assert sum(n for _, n in picked) <= max(SAMPLE_SIZE, len(counts))
