"""The sandbox's ECS scheduler: seeded state, rolling updates, min/max percent, scaling — over HTTP."""

from __future__ import annotations

import ipaddress
import math
import re

import pytest

DEPLOYMENT_ID = re.compile(r"^ecs-svc/\d{19}$")


def test_seeded_service_is_completed_with_three_healthy_tasks_in_its_subnets(aws, sample):
    service = aws.service()
    assert (service["status"], service["desiredCount"], service["runningCount"], service["pendingCount"]) == (
        "ACTIVE",
        3,
        3,
        0,
    )
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }
    [deployment] = service["deployments"]
    assert deployment["status"] == "PRIMARY"
    assert deployment["rolloutState"] == "COMPLETED"
    assert deployment["rolloutStateReason"] == f"ECS deployment {deployment['id']} completed."
    assert DEPLOYMENT_ID.match(deployment["id"])
    assert deployment["taskDefinition"].endswith(":task-definition/web:1")
    assert (deployment["desiredCount"], deployment["runningCount"], deployment["failedTasks"]) == (3, 3, 0)
    assert any(e["message"] == "(service web) has reached a steady state." for e in service["events"])

    tasks = aws.live_tasks()
    assert len(tasks) == 3
    cidrs = {
        s["SubnetId"]: s["CidrBlock"]
        for s in aws.ec2.describe_subnets(SubnetIds=list(sample.subnets))["Subnets"]
    }
    for task in tasks:
        assert (task["lastStatus"], task["desiredStatus"]) == ("RUNNING", "RUNNING")
        assert task["startedBy"] == deployment["id"]
        assert task["group"] == "service:web"
        assert task["taskDefinitionArn"] == deployment["taskDefinition"]
        assert task["containers"][0]["image"] == f"{sample.repository}:v1"
        assert task["containers"][0]["lastStatus"] == "RUNNING"
        ip = ipaddress.IPv4Address(aws.detail(task, "privateIPv4Address"))
        assert ip in ipaddress.IPv4Network(cidrs[aws.detail(task, "subnetId")])
    task_targets = {(aws.detail(t, "privateIPv4Address"), sample.container_port) for t in tasks}
    assert aws.targets() == {target: {"State": "healthy"} for target in task_targets}


def test_update_to_new_image_starts_new_primary_and_replaces_the_old_tasks(aws, sample):
    [before] = aws.service()["deployments"]
    old_tasks = aws.live_tasks()
    revision = aws.register_revision(f"{sample.repository}:v2")

    returned = aws.update(taskDefinition=revision)

    for service in (returned, aws.service()):  # visible in the reply and right after it
        primary, active = service["deployments"]
        assert (primary["status"], primary["rolloutState"], primary["taskDefinition"]) == (
            "PRIMARY",
            "IN_PROGRESS",
            revision,
        )
        assert DEPLOYMENT_ID.match(primary["id"]) and primary["id"] != before["id"]
        assert primary["rolloutStateReason"] == f"ECS deployment {primary['id']} in progress."
        assert primary["createdAt"] and primary["updatedAt"]
        assert (active["status"], active["id"], active["taskDefinition"]) == (
            "ACTIVE",
            before["id"],
            before["taskDefinition"],
        )
        assert service["taskDefinition"] == revision

    done = aws.wait_for(aws.settled, "the v2 rollout to finish")
    [deployment] = done["deployments"]
    assert deployment["id"] == primary["id"] and deployment["rolloutState"] == "COMPLETED"
    assert (done["runningCount"], deployment["runningCount"], done["desiredCount"]) == (3, 3, 3)
    new_tasks = aws.live_tasks()
    assert {t["taskDefinitionArn"] for t in new_tasks} == {revision}
    assert {t["startedBy"] for t in new_tasks} == {primary["id"]}
    new_targets = {(aws.detail(t, "privateIPv4Address"), sample.container_port) for t in new_tasks}
    assert aws.targets() == {target: {"State": "healthy"} for target in new_targets}
    for task in aws.tasks([t["taskArn"] for t in old_tasks]):
        assert (task["lastStatus"], task["desiredStatus"], task["stopCode"]) == (
            "STOPPED",
            "STOPPED",
            "ServiceSchedulerInitiated",
        )
        assert task["stoppedReason"] == f"Scaling activity initiated by (deployment {primary['id']})"


@pytest.mark.parametrize(("maximum", "minimum"), [(200, 100), (150, 100), (100, 50)])
def test_rollout_keeps_within_maximum_percent_and_minimum_healthy_percent(aws, sample, maximum, minimum):
    desired = 3
    ceiling, floor = math.floor(desired * maximum / 100), math.ceil(desired * minimum / 100)
    revision = aws.register_revision(f"{sample.repository}:v2")
    aws.update(
        taskDefinition=revision,
        deploymentConfiguration={"maximumPercent": maximum, "minimumHealthyPercent": minimum},
    )
    mixed_seen = False
    while not aws.settled():
        live = aws.live_tasks()  # one DescribeTasks: a consistent view
        assert len(live) <= ceiling, [t["lastStatus"] for t in live]
        running = [t for t in live if t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING"]
        assert len(running) >= floor
        healthy = [h for h in aws.targets().values() if h["State"] == "healthy"]
        assert len(healthy) >= floor
        service = aws.service()
        in_flight = sum(d["runningCount"] + d["pendingCount"] for d in service["deployments"])
        assert in_flight <= ceiling
        mixed_seen = mixed_seen or len({t["taskDefinitionArn"] for t in live}) == 2
    assert mixed_seen, "never saw old and new tasks side by side"
    assert {t["taskDefinitionArn"] for t in aws.live_tasks()} == {revision}


def test_desired_count_change_scales_without_a_new_deployment(aws, sample):
    [before] = aws.service()["deployments"]

    aws.update(desiredCount=5)

    [deployment] = aws.service()["deployments"]
    assert (deployment["id"], deployment["desiredCount"]) == (before["id"], 5)

    def scaled(count):
        service = aws.service()
        healthy = [h for h in aws.targets().values() if h["State"] == "healthy"]
        return service["runningCount"] == count and len(healthy) == count and len(aws.live_tasks()) == count

    aws.wait_for(lambda: scaled(5), "5 running, healthy tasks")
    aws.update(desiredCount=2)
    aws.wait_for(lambda: scaled(2), "2 running, healthy tasks")
    [deployment] = aws.service()["deployments"]
    assert (deployment["id"], deployment["rolloutState"], deployment["runningCount"]) == (
        before["id"],
        "COMPLETED",
        2,
    )


def test_force_new_deployment_replaces_tasks_on_the_same_task_definition(aws, sample):
    [before] = aws.service()["deployments"]
    old_arns = {t["taskArn"] for t in aws.live_tasks()}

    aws.update(forceNewDeployment=True)

    primary, active = aws.service()["deployments"]
    assert primary["id"] != before["id"] and active["id"] == before["id"]
    assert primary["taskDefinition"] == before["taskDefinition"]
    aws.wait_for(aws.settled, "the forced deployment to finish")
    assert not old_arns & {t["taskArn"] for t in aws.live_tasks()}


def test_tasks_report_the_image_digest_their_tag_resolved_to(aws, sample):
    for task in aws.live_tasks():
        assert task["containers"][0]["imageDigest"] == sample.images["v1"]
