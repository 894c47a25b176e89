"""ALB metrics: CloudWatch dimensions from ARNs, and datapoints only for nonzero counts."""

from __future__ import annotations

from ci_ecs.sandbox.elb.metrics import datapoints, load_balancer_dimension, target_group_dimension

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
