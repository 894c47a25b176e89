"""Task sets of the EXTERNAL-controller service `web-ext`: scale, registration, stability, primary, delete."""

from __future__ import annotations

import re

import botocore.exceptions
import pytest


def _task_ips(aws, task_set_id):
    tasks = aws.tasks(
        aws.ecs.list_tasks(cluster=aws.sample.cluster, startedBy=task_set_id, desiredStatus="RUNNING")[
            "taskArns"
        ]
    )
    return {aws.detail(t, "privateIPv4Address") for t in tasks if t["lastStatus"] == "RUNNING"}, tasks


def test_seeded_external_service_is_steady_on_its_primary_task_set(aws, sample):
    service = aws.external_service()
    assert (service["deploymentController"], service["desiredCount"]) == ({"type": "EXTERNAL"}, 3)
    assert (service["runningCount"], service["pendingCount"], service["deployments"]) == (3, 0, [])
    [primary] = service["taskSets"]
    assert primary["taskSetArn"] == sample.primary_task_set_arn
    assert re.fullmatch(r"ecs-svc/\d{19}", primary["id"])
    assert primary["taskSetArn"].endswith(f":task-set/{sample.cluster}/web-ext/{primary['id']}")
    assert (primary["status"], primary["stabilityStatus"], primary["scale"]) == (
        "PRIMARY",
        "STEADY_STATE",
        {"value": 100.0, "unit": "PERCENT"},
    )
    assert (primary["computedDesiredCount"], primary["runningCount"], primary["pendingCount"]) == (3, 3, 0)
    assert primary["platformVersion"] == "1.4.0"

    ips, tasks = _task_ips(aws, primary["id"])
    assert {(t["group"], t["startedBy"]) for t in tasks} == {("service:web-ext", primary["id"])}
    health = aws.targets(sample.primary_target_group_arn)
    assert {(ip, state["State"]) for (ip, port), state in health.items()} == {(ip, "healthy") for ip in ips}
    assert {port for _, port in health} == {8080}
    assert aws.targets(sample.canary_target_group_arn) == {}
    listed = aws.ecs.list_tasks(cluster=sample.cluster, serviceName=sample.external_service)["taskArns"]
    assert sorted(listed) == sorted(t["taskArn"] for t in tasks)  # ListTasks by serviceName, as AWS


def test_scale_starts_ceil_percent_tasks_registers_them_and_follows_rescales(aws, sample):
    created = aws.create_canary_task_set("v2", 34)

    # AWS: computedDesiredCount = desiredCount × scale, rounded up (3 × 34 % = 1.02 → 2).
    assert (created["status"], created["stabilityStatus"], created["externalId"]) == (
        "ACTIVE",
        "STABILIZING",
        "canary-v2",
    )
    assert (created["computedDesiredCount"], created["runningCount"], created["pendingCount"]) == (2, 0, 0)
    arn = created["taskSetArn"]
    steady = aws.wait_for(lambda: aws.steady(arn, 2), "the canary task set to be steady")
    assert (steady["computedDesiredCount"], steady["pendingCount"]) == (2, 0)
    ips, _ = _task_ips(aws, created["id"])
    health = aws.targets(sample.canary_target_group_arn)
    assert set(health) == {(ip, 8080) for ip in ips} and len(ips) == 2
    assert {h["State"] for h in health.values()} == {"healthy"}
    service = aws.external_service()
    assert (service["runningCount"], service["pendingCount"], len(service["taskSets"])) == (5, 0, 2)

    reply = aws.ecs.update_task_set(
        cluster=sample.cluster,
        service="web-ext",
        taskSet=created["id"],
        scale={"value": 100, "unit": "PERCENT"},
    )["taskSet"]
    assert (reply["computedDesiredCount"], reply["stabilityStatus"]) == (3, "STABILIZING")
    aws.wait_for(lambda: aws.steady(arn, 3), "the canary to scale out to 3")
    assert len(aws.targets(sample.canary_target_group_arn)) == 3

    aws.ecs.update_service(cluster=sample.cluster, service="web-ext", desiredCount=4)
    # Every task set follows the service's desired count by its own percentage.
    aws.wait_for(lambda: aws.steady(arn, 4) and aws.steady(sample.primary_task_set_arn, 4), "both at 4")
    assert aws.external_service()["runningCount"] == 8

    _, canaries = _task_ips(aws, created["id"])
    aws.ecs.update_task_set(
        cluster=sample.cluster, service="web-ext", taskSet=arn, scale={"value": 0, "unit": "PERCENT"}
    )
    aws.wait_for(lambda: aws.steady(arn, 0), "the canary to scale in to 0")
    arns = [t["taskArn"] for t in canaries]
    aws.wait_for(lambda: {t["lastStatus"] for t in aws.tasks(arns)} == {"STOPPED"}, "the canaries to stop")
    assert aws.targets(sample.canary_target_group_arn) == {}
    assert aws.task_set(arn)["computedDesiredCount"] == 0
    # Scale-in deregisters first: the targets drain while their tasks are DEACTIVATING, then they stop.
    events = [e["message"] for e in aws.external_service()["events"]]
    prefix = f"(service web-ext, taskSet {created['id']})"
    assert f"{prefix} has begun draining connections on 4 tasks." in events
    deregistered = [m for m in events if m.startswith(f"{prefix} deregistered 1 targets in")]
    assert len(deregistered) == 4
    assert events.index(f"{prefix} has begun draining connections on 4 tasks.") > events.index(
        deregistered[0]
    )


def test_primary_switch_then_delete_drains_and_removes_the_old_task_set(aws, sample):
    new = aws.create_canary_task_set("v2", 100)
    aws.wait_for(lambda: aws.steady(new["taskSetArn"], 3), "the new task set to be steady")
    old_ips, old_tasks = _task_ips(aws, aws.task_set(sample.primary_task_set_arn)["id"])

    reply = aws.ecs.update_service_primary_task_set(
        cluster=sample.cluster, service="web-ext", primaryTaskSet=new["id"]
    )["taskSet"]

    assert (reply["taskSetArn"], reply["status"]) == (new["taskSetArn"], "PRIMARY")
    statuses = {t["taskSetArn"]: t["status"] for t in aws.task_sets()}
    assert statuses == {new["taskSetArn"]: "PRIMARY", sample.primary_task_set_arn: "ACTIVE"}
    with pytest.raises(botocore.exceptions.ClientError, match="scaled down to zero"):
        aws.ecs.delete_task_set(
            cluster=sample.cluster, service="web-ext", taskSet=sample.primary_task_set_arn
        )

    deleted = aws.ecs.delete_task_set(
        cluster=sample.cluster, service="web-ext", taskSet=sample.primary_task_set_arn, force=True
    )["taskSet"]

    assert (deleted["status"], deleted["computedDesiredCount"]) == ("DRAINING", 0)
    assert aws.task_set(sample.primary_task_set_arn)["status"] == "DRAINING"
    aws.wait_for(lambda: aws.task_set(sample.primary_task_set_arn) is None, "the old task set to go")
    stopped = aws.tasks([t["taskArn"] for t in old_tasks])
    assert {(t["lastStatus"], t["stopCode"]) for t in stopped} == {("STOPPED", "ServiceSchedulerInitiated")}
    assert not old_ips & {ip for ip, _ in aws.targets(sample.primary_target_group_arn)}
    service = aws.external_service()
    assert [t["taskSetArn"] for t in service["taskSets"]] == [new["taskSetArn"]]
    assert (service["runningCount"], service["pendingCount"]) == (3, 0)


def test_task_sets_belong_to_external_services_only(aws, sample):
    with pytest.raises(botocore.exceptions.ClientError, match="external deployment controllers"):
        aws.ecs.create_task_set(
            cluster=sample.cluster, service=sample.service, taskDefinition=sample.task_family
        )
    with pytest.raises(botocore.exceptions.ClientError, match="TaskDefinition must be blank"):
        aws.ecs.create_service(
            cluster=sample.cluster,
            serviceName="ext2",
            taskDefinition=sample.task_family,
            desiredCount=1,
            deploymentController={"type": "EXTERNAL"},
        )
    with pytest.raises(botocore.exceptions.ClientError, match="task set does not exist"):
        aws.ecs.update_task_set(
            cluster=sample.cluster,
            service="web-ext",
            taskSet="ecs-svc/1",
            scale={"value": 1, "unit": "PERCENT"},
        )
