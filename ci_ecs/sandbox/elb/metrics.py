"""CloudWatch `AWS/ApplicationELB` metrics from the simulated traffic, per load balancer and target group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

NAMESPACE = "AWS/ApplicationELB"
# moto stores one object per counted value of Values/Counts (and scans them all on every read), so each
# period's response times go in as a proportional sample of at most this many values.
SAMPLE_SIZE = 20


@dataclass
class Period:
    """What one (load balancer, target group) served since the last publication."""

    requests: int = 0
    target_5xx: int = 0
    response_times: dict[float, int] = field(default_factory=dict)  # seconds → requests answered in them


# (account, region, load balancer ARN, target group ARN) → what it served since the last publication
Pending = dict[tuple[str, str, str, str], Period]


def load_balancer_dimension(arn: str) -> str:
    """The `LoadBalancer` dimension: `app/<name>/<id>`, the ARN's final portion."""
    return arn.split(":loadbalancer/", 1)[-1]


def target_group_dimension(arn: str) -> str:
    """The `TargetGroup` dimension: `targetgroup/<name>/<id>`, the ARN's final portion."""
    return arn.split(":", 5)[-1]


def sample(counts: Mapping[float, int], size: int = SAMPLE_SIZE) -> list[tuple[float, int]]:
    """(value, count) pairs in proportion to `counts`, at most `size` in all, each value at least once."""
    present = sorted((value, count) for value, count in counts.items() if count > 0)
    total = sum(count for _, count in present)
    if total <= size or len(present) >= size:
        return present if total <= size else [(value, 1) for value, _ in present]
    # Largest remainders, so the sample's shares never differ from the real ones by a whole value.
    quotas = [count * size / total for _, count in present]
    shares = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(present)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: size - sum(shares)]:
        shares[i] += 1
    for i, share in enumerate(shares):
        if share == 0:  # a rare value still shows (in a percentile, for instance): taken from the largest
            largest = max(range(len(shares)), key=lambda j: (shares[j], -j))
            shares[largest] -= 1
            shares[i] = 1
    return [(value, share) for (value, _), share in zip(present, shares, strict=True)]


def datapoints(
    balancer: str,
    group: str,
    requests: int,
    errors: int,
    response_times: Mapping[float, int] | None = None,
) -> list[dict[str, Any]]:
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
    picked = sample(response_times or {})
    if picked:
        found.append(
            {
                "MetricName": "TargetResponseTime",
                "Values": [value for value, _ in picked],
                "Counts": [float(count) for _, count in picked],
                "Unit": "Seconds",
                "Dimensions": dimensions,
            }
        )
    return found


def publish(pending: Pending) -> None:
    """Store what was served since the last publication in moto's CloudWatch, timestamped now."""
    for (account, region, balancer, group), period in pending.items():
        data = datapoints(balancer, group, period.requests, period.target_5xx, period.response_times)
        if data:
            cloudwatch_backends[account][region].put_metric_data(NAMESPACE, data)
    pending.clear()
