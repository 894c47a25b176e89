"""CloudWatch `AWS/ApplicationELB` metrics from the simulated traffic, per load balancer and target group."""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

NAMESPACE = "AWS/ApplicationELB"
# (account, region, load balancer ARN, target group ARN) → [RequestCount, HTTPCode_Target_5XX_Count]
Pending = dict[tuple[str, str, str, str], list[int]]


def load_balancer_dimension(arn: str) -> str:
    """The `LoadBalancer` dimension: `app/<name>/<id>`, the ARN's final portion."""
    return arn.split(":loadbalancer/", 1)[-1]


def target_group_dimension(arn: str) -> str:
    """The `TargetGroup` dimension: `targetgroup/<name>/<id>`, the ARN's final portion."""
    return arn.split(":", 5)[-1]


def datapoints(balancer: str, group: str, requests: int, errors: int) -> list[dict[str, Any]]:
    """PutMetricData entries for one interval; ALB reports these metrics only when nonzero."""
    dimensions = [
        {"Name": "LoadBalancer", "Value": load_balancer_dimension(balancer)},
        {"Name": "TargetGroup", "Value": target_group_dimension(group)},
    ]
    found = []
    for name, value in (("RequestCount", requests), ("HTTPCode_Target_5XX_Count", errors)):
        if value:
            found.append(
                {"MetricName": name, "Value": float(value), "Unit": "Count", "Dimensions": dimensions}
            )
    return found


def publish(pending: Pending) -> None:
    """Store the sums since the last publication in moto's CloudWatch, timestamped now."""
    for (account, region, balancer, group), (requests, errors) in pending.items():
        data = datapoints(balancer, group, requests, errors)
        if data:
            cloudwatch_backends[account][region].put_metric_data(NAMESPACE, data)
    pending.clear()
