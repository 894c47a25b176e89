"""The sample's second region: the three services of one image run there on their own tasks, targets and
metrics (the simulator keys everything by region, although both VPCs use the same addresses)."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.many_sample import SERVICES
from ci_ecs.settings import load_settings

WEST = "us-west-2"


@pytest.fixture
def two_regions(sandbox: sandboxes.Sandbox) -> sandboxes.Sample:
    sample = sandbox.reset(seed=True, second_region=True)
    assert sample is not None
    return sample


def _client(sandbox: sandboxes.Sandbox, service: str, region: str) -> Any:
    factory: Any = boto3.client  # its overloads take each service's literal name only
    return factory(
        service,
        endpoint_url=sandbox.endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _web_ips(ecs: Any) -> set[str]:
    """The private IPs of shop-web's running tasks."""
    arns = ecs.list_tasks(cluster="demo", serviceName="shop-web", desiredStatus="RUNNING")["taskArns"]
    return {
        detail["value"]
        for task in ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"]
        for attachment in task["attachments"]
        for detail in attachment["details"]
        if detail["name"] == "privateIPv4Address"
    }


def _healthy(elbv2: Any, group: str) -> set[str]:
    health = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    return {d["Target"]["Id"] for d in health if d["TargetHealth"]["State"] == "healthy"}


def test_the_three_services_run_in_the_second_region_each_on_its_own_tasks_and_targets(
    sandbox: sandboxes.Sandbox, two_regions: sandboxes.Sample
) -> None:
    assert two_regions.second_region == WEST
    for region in (two_regions.region, WEST):
        ecs, elbv2 = _client(sandbox, "ecs", region), _client(sandbox, "elbv2", region)
        services = ecs.describe_services(cluster="demo", services=list(SERVICES))["services"]
        assert {s["serviceName"]: s["runningCount"] for s in services} == {
            name: desired for name, (_, _, desired) in SERVICES.items()
        }, region
        assert all(s["taskDefinition"].endswith(f"task-definition/{s['serviceName']}:1") for s in services)
        assert [d["rolloutState"] for s in services for d in s["deployments"]] == ["COMPLETED"] * 3, region
        (web,) = [s for s in services if s["serviceName"] == "shop-web"]
        group = web["loadBalancers"][0]["targetGroupArn"]
        assert f":{region}:" in group
        assert _healthy(elbv2, group) == _web_ips(ecs), region  # its own tasks' targets, healthy


def test_the_second_region_s_load_balancer_publishes_its_metrics_in_its_own_region(
    sandbox: sandboxes.Sandbox, two_regions: sandboxes.Sample
) -> None:
    def groups(region: str) -> set[str]:
        metrics = _client(sandbox, "cloudwatch", region).list_metrics(
            Namespace="AWS/ApplicationELB", MetricName="RequestCount"
        )["Metrics"]
        return {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "TargetGroup"}

    deadline = time.monotonic() + 10
    while not any(g.startswith("targetgroup/shop-web/") for g in groups(WEST)):
        assert time.monotonic() < deadline, "no metrics of shop-web's target group in the second region"
        time.sleep(0.1)

    assert {g.split("/")[1] for g in groups(WEST)} == {"shop-web"}  # the only group behind its ALB
    assert not groups(WEST) & groups(two_regions.region), "each region's metrics stay in it"


def test_the_regions_config_lists_the_three_services_in_both_regions(
    sandbox: sandboxes.Sandbox, two_regions: sandboxes.Sample, tmp_path: Any
) -> None:
    written = {path.name for path in sandbox.write_configs(tmp_path)}

    settings = load_settings(tmp_path / "ci-ecs-regions.yml", environment=None, env={}, flags={})

    assert {"ci-ecs-services.yml", "ci-ecs-regions.yml"} <= written
    assert [(s.service, s.region) for s in settings.each_service] == [
        *((name, two_regions.region) for name in SERVICES),
        *((name, WEST) for name in SERVICES),
    ]
    assert f"CI_ECS_REGION={WEST}" in (tmp_path / "ci-ecs-services.yml").read_text()


def test_without_the_option_the_sample_has_one_region_and_no_regions_config(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, tmp_path: Any
) -> None:
    written = {path.name for path in sandbox.write_configs(tmp_path)}

    assert sample.second_region == ""
    assert "ci-ecs-regions.yml" not in written
    assert _client(sandbox, "ecs", WEST).list_clusters()["clusterArns"] == []
