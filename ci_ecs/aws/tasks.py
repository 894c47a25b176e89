"""ECS task calls: run, stop, find and describe tasks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from ci_ecs.aws.clients import Aws, call
from ci_ecs.aws.ecs import short_arn
from ci_ecs.errors import CiEcsError
from ci_ecs.output import counted

if TYPE_CHECKING:
    from mypy_boto3_ecs.literals import DesiredStatusType


def run_tasks(
    aws: Aws,
    service: Mapping[str, Any],
    task_definition_arn: str,
    count: int,
    *,
    started_by: str,
    group: str,
    overrides: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Start `count` standalone tasks with the service's launch type, platform version and network."""
    ecs = aws.client("ecs")
    params: dict[str, Any] = {
        "cluster": service["clusterArn"],
        "taskDefinition": task_definition_arn,
        "count": count,
        "startedBy": started_by,
        "group": group,
    }
    if overrides:
        params["overrides"] = dict(overrides)
    for key in ("networkConfiguration", "platformVersion", "launchType", "capacityProviderStrategy"):
        if service.get(key):
            params[key] = service[key]
    if "capacityProviderStrategy" in params:
        params.pop("launchType", None)  # ECS refuses both at once
    reply = call(
        f"running {counted(count, 'task')} of {short_arn(task_definition_arn)}", ecs.run_task, **params
    )
    if reply.get("failures"):
        failure = reply["failures"][0]
        why = f"{failure.get('reason')} {failure.get('detail', '')}".strip()
        raise CiEcsError(f"running {counted(count, 'task')} of {short_arn(task_definition_arn)}: {why}")
    return [dict(task) for task in reply.get("tasks", [])]


def stop_task(aws: Aws, cluster: str, task_arn: str, reason: str) -> None:
    """Stop a task (stopping a stopped task is fine)."""
    ecs = aws.client("ecs")
    call(f"stopping task {short_arn(task_arn)}", ecs.stop_task, cluster=cluster, task=task_arn, reason=reason)


def tasks_started_by(aws: Aws, cluster: str, started_by: str, desired_status: str) -> list[dict[str, Any]]:
    """The tasks with this startedBy and desired status (RUNNING or STOPPED), described."""
    return describe_tasks(aws, cluster, task_arns_started_by(aws, cluster, started_by, desired_status))


def task_arns_started_by(aws: Aws, cluster: str, started_by: str, desired_status: str) -> list[str]:
    """The ARNs of the tasks with this startedBy and desired status (RUNNING or STOPPED)."""
    ecs = aws.client("ecs")
    return call(
        f"listing tasks started by {started_by}",
        ecs.list_tasks,
        cluster=cluster,
        startedBy=started_by,
        desiredStatus=cast("DesiredStatusType", desired_status),
    ).get("taskArns", [])


def private_ip(task: Mapping[str, Any]) -> str | None:
    """The task's private IPv4 address (awsvpc), once ECS has attached its network interface."""
    for attachment in task.get("attachments", []):
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address" and detail.get("value"):
                return str(detail["value"])
    return None


def stopped_tasks(aws: Aws, cluster: str, started_by: str) -> list[dict[str, Any]]:
    """The stopped tasks a deployment started (ECS sets startedBy to the deployment id)."""
    return tasks_started_by(aws, cluster, started_by, "STOPPED")


def describe_tasks(aws: Aws, cluster: str, arns: Iterable[str]) -> list[dict[str, Any]]:
    """Describe tasks, 100 a call (the API's limit)."""
    ecs = aws.client("ecs")
    arns = list(arns)
    tasks: list[dict[str, Any]] = []
    for start in range(0, len(arns), 100):
        batch = arns[start : start + 100]
        described = call(f"describing {len(batch)} tasks", ecs.describe_tasks, cluster=cluster, tasks=batch)
        tasks += [dict(task) for task in described["tasks"]]
    return tasks


def stopped_tasks_of_service(aws: Aws, cluster: str, service: str) -> list[dict[str, Any]]:
    """The service's stopped tasks that ECS still lists (about an hour's worth), described."""
    ecs = aws.client("ecs")
    arns = call(
        f"listing the stopped tasks of {service}",
        ecs.list_tasks,
        cluster=cluster,
        serviceName=service,
        desiredStatus="STOPPED",
    ).get("taskArns", [])
    return describe_tasks(aws, cluster, arns)
