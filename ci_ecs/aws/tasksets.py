"""ECS task-set calls, for services with the EXTERNAL deployment controller."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_ecs.aws import launches
from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.aws.ecs import short_arn


def task_sets(aws: Aws, service: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The service's task sets (PRIMARY, ACTIVE and DRAINING)."""
    ecs = aws.client("ecs")
    reply = call(
        f"describing the task sets of {service['serviceName']}",
        ecs.describe_task_sets,
        cluster=service["clusterArn"],
        service=service["serviceArn"],
    )
    return [dict(task_set) for task_set in reply.get("taskSets", [])]


def create(
    aws: Aws,
    service: Mapping[str, Any],
    like: Mapping[str, Any],
    task_definition_arn: str,
    target_group_arn: str,
    percent: float,
    external_id: str,
) -> dict[str, Any]:
    """A task set of a revision on a target group, networked like the task set `like`."""
    ecs = aws.client("ecs")
    balancer = dict(like["loadBalancers"][0])
    balancer["targetGroupArn"] = target_group_arn
    params: dict[str, Any] = {
        "cluster": service["clusterArn"],
        "service": service["serviceArn"],
        "taskDefinition": task_definition_arn,
        "externalId": external_id,
        "loadBalancers": [balancer],
        "scale": {"value": percent, "unit": "PERCENT"},
    }
    for key in ("networkConfiguration", "launchType", "platformVersion", "capacityProviderStrategy"):
        if like.get(key):
            params[key] = like[key]
    if "capacityProviderStrategy" in params:
        params.pop("launchType", None)
    group = target_group_arn.split("/")[-2]
    reply = call(
        f"creating a task set of {short_arn(task_definition_arn)} at {percent:g}% on {group}",
        ecs.create_task_set,
        **params,
    )
    launches.remember_task_set(aws, reply["taskSet"])
    return dict(reply["taskSet"])


def make_primary(aws: Aws, service: Mapping[str, Any], task_set_arn: str) -> None:
    """Make a task set the service's PRIMARY one."""
    ecs = aws.client("ecs")
    call(
        f"making task set {short_arn(task_set_arn)} primary",
        ecs.update_service_primary_task_set,
        cluster=service["clusterArn"],
        service=service["serviceArn"],
        primaryTaskSet=task_set_arn,
    )


def delete(aws: Aws, service: Mapping[str, Any], task_set_arn: str) -> None:
    """Delete a task set (ECS drains its targets and stops its tasks); already gone is fine."""
    ecs = aws.client("ecs")
    call_unless(
        ("TaskSetNotFoundException",),
        f"deleting task set {short_arn(task_set_arn)}",
        ecs.delete_task_set,
        cluster=service["clusterArn"],
        service=service["serviceArn"],
        taskSet=task_set_arn,
        force=True,
    )


def primary(service: Mapping[str, Any]) -> dict[str, Any] | None:
    """The service's PRIMARY task set as described with it, or None."""
    found = [t for t in service.get("taskSets", []) if t.get("status") == "PRIMARY"]
    return dict(found[0]) if found else None


def target_group(task_set: Mapping[str, Any]) -> str:
    """The target group a task set registers its tasks in ('' when it has none)."""
    balancers = task_set.get("loadBalancers") or [{}]
    return str(balancers[0].get("targetGroupArn", ""))
