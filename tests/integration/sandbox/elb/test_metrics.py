"""ALB metrics a canary analysis reads: 5XX share and response time of `-errors` and `-latency` apps."""

from __future__ import annotations

import datetime

import pytest

from ci_ecs.sandbox.state import RUNTIME


@pytest.mark.parametrize(
    ("tag", "error_share", "p99"),
    [("v2-errors", 0.5, 0.05), ("v2-latency", 0.0, 2.5)],
    ids=["errors", "latency"],
)
def test_canary_metrics_show_the_apps_errors_and_response_time(sandbox, aws, sample, tag, error_share, p99):
    config = RUNTIME.config
    assert (config.error_percent, config.response_seconds, config.slow_response_seconds) == (50, 0.05, 2.5)
    _, ip = aws.run_standalone(tag)
    canary, primary = sample.canary_target_group_arn, sample.primary_target_group_arn
    aws.elbv2.register_targets(TargetGroupArn=canary, Targets=[{"Id": ip, "Port": 8080}])
    aws.set_weights(50, 50)
    aws.wait_for(
        lambda: aws.targets(canary)[(ip, 8080)]["State"] == "healthy", f"the {tag} target to be healthy"
    )
    start = datetime.datetime.now(datetime.UTC)
    queries = [
        aws.alb_query(f"{name}_{ident}", metric, group, stat)
        for name, group in (("canary", canary), ("primary", primary))
        for ident, metric, stat in (
            ("requests", "RequestCount", "Sum"),
            ("errors", "HTTPCode_Target_5XX_Count", "Sum"),
            ("p99", "TargetResponseTime", "p99"),
            ("average", "TargetResponseTime", "Average"),
        )
    ]

    def read():
        reply = aws.cloudwatch.get_metric_data(
            MetricDataQueries=queries, StartTime=start, EndTime=start + datetime.timedelta(minutes=5)
        )
        return {r["Id"]: r["Values"] for r in reply["MetricDataResults"]}

    # Three publications of the canary's requests (50 a tick) since the target was healthy.
    least = 3 * config.metrics_ticks * 50
    values = aws.wait_for(
        lambda: (v := read()) and sum(v["canary_requests"]) >= least and v, "canary metrics"
    )

    requests, errors = sum(values["canary_requests"]), sum(values["canary_errors"])
    assert abs(errors - error_share * requests) <= 1  # an exact share: no randomness
    assert values["canary_p99"] and set(values["canary_p99"]) == {p99}
    assert values["canary_average"] == pytest.approx([p99] * len(values["canary_average"]))
    assert sum(values["primary_requests"]) > 0 and values["primary_errors"] == []  # 0 errors: not reported
    assert values["primary_p99"] and set(values["primary_p99"]) == {0.05}
    assert values["primary_average"] == pytest.approx([0.05] * len(values["primary_average"]))
    assert aws.targets(canary)[(ip, 8080)]["State"] == "healthy"  # neither app fails its health checks


def test_extended_statistics_from_a_bounded_sample_and_no_datapoints_without_requests(sandbox, aws, sample):
    canary = sample.canary_target_group_arn
    end = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
    window = {"StartTime": end - datetime.timedelta(minutes=10), "EndTime": end}
    _, ip = aws.run_standalone("v3-latency")
    aws.elbv2.register_targets(TargetGroupArn=canary, Targets=[{"Id": ip, "Port": 8080}])
    aws.set_weights(90, 10)

    def statistics(name, **stats):
        metric = aws.alb_query("q", name, canary)["MetricStat"]["Metric"]
        return aws.cloudwatch.get_metric_statistics(**metric, **window, Period=60, **stats)["Datapoints"]

    def sampled():
        points = statistics(
            "TargetResponseTime", Statistics=["SampleCount"], ExtendedStatistics=["p99", "p50"]
        )
        return sum(p["SampleCount"] for p in points) >= 60 and points

    points = aws.wait_for(sampled, "three publications of TargetResponseTime of the canary group")
    assert all(p["ExtendedStatistics"] == {"p99": 2.5, "p50": 2.5} and p["Unit"] == "Seconds" for p in points)
    # At most 20 values a publication are stored, however many requests it counted (100 here).
    stored = sum(p["SampleCount"] for p in points)
    assert sum(p["Sum"] for p in statistics("RequestCount", Statistics=["Sum"])) >= 3 * stored
    # A target group no rule forwards to has no datapoints at all (ALB publishes nothing either).
    green = sample.green_target_group_arn
    reply = aws.cloudwatch.get_metric_data(
        MetricDataQueries=[aws.alb_query("g", "TargetResponseTime", green, "p99")], **window
    )
    assert reply["MetricDataResults"][0]["Values"] == []
