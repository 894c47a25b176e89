"""Simulated traffic by rule weight and healthy targets, and its CloudWatch metrics."""

from __future__ import annotations

import datetime

from ci_ecs.sandbox.elb.metrics import load_balancer_dimension, target_group_dimension
from ci_ecs.sandbox.state import RUNTIME


def _measure(sandbox, aws, ticks):
    """The traffic of `ticks` whole ticks from now."""
    sandbox.reset_traffic()
    return aws.wait_for(lambda: (t := sandbox.traffic()).ticks >= ticks and t, f"{ticks} ticks of traffic")


def test_split_converges_to_the_rule_weights(sandbox, aws, sample):
    canary = aws.create_canary_task_set("v2", 34)
    aws.wait_for(lambda: aws.steady(canary["taskSetArn"], 2), "the canary task set to be steady")
    aws.set_weights(1, 2)  # 33.3 % : 66.7 %, so remainders carry from tick to tick

    traffic = _measure(sandbox, aws, 30)

    groups = [sample.primary_target_group_arn, sample.canary_target_group_arn]
    assert abs(traffic.share("v2", groups) - 200 / 3) < 1
    assert abs(traffic.share("v1", groups) - 100 / 3) < 1
    canary_requests = traffic.by_target_group[sample.canary_target_group_arn].requests
    per_target = [traffic.by_target[f"{ip}:8080"].requests for ip, _ in aws.targets(groups[1])]
    assert sum(per_target) == canary_requests and max(per_target) - min(per_target) <= 1  # round robin
    assert traffic.by_rule[sample.listener_rule_arn].requests == 100 * traffic.ticks
    assert traffic.share("v1", [sample.target_group_arn]) == 100.0  # the default rule is untouched


def test_traffic_follows_healthy_targets(sandbox, aws, sample):
    _, ip = aws.run_standalone("v2")
    aws.elbv2.register_targets(TargetGroupArn=sample.target_group_arn, Targets=[{"Id": ip, "Port": 8080}])
    aws.wait_for(lambda: aws.targets()[(ip, 8080)]["State"] == "healthy", "the canary target to be healthy")

    traffic = _measure(sandbox, aws, 20)

    # 3 stable targets and 1 canary target in one group: the canary serves a quarter.
    assert abs(traffic.share("v2", [sample.target_group_arn]) - 25) < 1
    assert traffic.by_target[f"{ip}:8080"].requests == traffic.by_version["v2"].requests > 0
    assert traffic.by_version["v2"].target_5xx == 0


def test_group_without_healthy_targets_fails_open_and_reports_5xx(sandbox, aws, sample):
    _, ip = aws.run_standalone("v2-unhealthy")
    canary = sample.canary_target_group_arn
    aws.elbv2.register_targets(TargetGroupArn=canary, Targets=[{"Id": ip, "Port": 8080}])
    aws.set_weights(50, 50)
    aws.wait_for(lambda: aws.targets(canary)[(ip, 8080)]["State"] == "unhealthy", "the target to fail checks")

    traffic = _measure(sandbox, aws, 20)

    # AWS: a target group with only unhealthy targets routes to all of them ("fails open").
    served = traffic.by_target_group[canary]
    assert served.requests == 50 * traffic.ticks and served.target_5xx == served.requests
    assert traffic.by_version["v2-unhealthy"] == served
    assert traffic.unrouted == 0

    def errors():
        end = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
        reply = aws.cloudwatch.get_metric_data(
            MetricDataQueries=[aws.alb_query("errors", "HTTPCode_Target_5XX_Count", canary)],
            StartTime=end - datetime.timedelta(minutes=30),
            EndTime=end,
        )
        return sum(reply["MetricDataResults"][0]["Values"])

    assert aws.wait_for(errors, "HTTPCode_Target_5XX_Count of the canary target group") > 0


def test_cloudwatch_has_request_count_per_target_group_with_alb_dimensions(sandbox, aws, sample):
    balancer = sample.load_balancer_arn.split(":loadbalancer/")[1]
    assert balancer.startswith("app/demo/") and load_balancer_dimension(sample.load_balancer_arn) == balancer
    assert target_group_dimension(sample.target_group_arn).startswith("targetgroup/web/")
    end = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
    window = {"StartTime": end - datetime.timedelta(minutes=30), "EndTime": end}

    def statistics():
        reply = aws.cloudwatch.get_metric_statistics(
            Namespace="AWS/ApplicationELB",
            MetricName="RequestCount",
            Dimensions=aws.alb_query("q", "RequestCount", sample.target_group_arn)["MetricStat"]["Metric"][
                "Dimensions"
            ],
            Period=60,
            Statistics=["Sum"],
            **window,
        )
        return sum(p["Sum"] for p in reply["Datapoints"])

    before = sandbox.traffic().by_target_group[sample.target_group_arn].requests
    published = aws.wait_for(statistics, "RequestCount of the web target group")
    after = sandbox.traffic().by_target_group[sample.target_group_arn].requests
    # Sums since the sandbox reset, published every METRICS_TICKS ticks (100 requests a tick here).
    assert before - 100 * RUNTIME.config.metrics_ticks <= published <= after
    assert published % 100 == 0

    def both():
        reply = aws.cloudwatch.get_metric_data(
            MetricDataQueries=[
                aws.alb_query("web", "RequestCount", sample.target_group_arn),
                aws.alb_query("primary", "RequestCount", sample.primary_target_group_arn),
            ],
            **window,
        )
        return all(sum(r["Values"]) > 0 for r in reply["MetricDataResults"])

    aws.wait_for(both, "RequestCount of the listener's default action and of the /ext/* rule")
    names = {
        tuple(sorted(d["Name"] for d in m["Dimensions"]))
        for m in aws.cloudwatch.list_metrics(Namespace="AWS/ApplicationELB")["Metrics"]
    }
    assert names == {("LoadBalancer", "TargetGroup")}
