"""What a job started behind each target group, so that a wait on the targets can watch their tasks too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from ci_ecs.aws.clients import Aws

_LAUNCHED: WeakKeyDictionary[Aws, dict[str, Launch]] = WeakKeyDictionary()


@dataclass(frozen=True)
class Launch:
    """New tasks behind targets: an ECS-controller service's deployment, a task set, or standalone tasks."""

    cluster: str
    service: str = ""  # a service whose deployment `deployment` starts the tasks (failedTasks, rollout)
    deployment: str = ""  # that deployment's id
    task_set: str = ""  # a task set's id: the startedBy of its tasks
    tasks: tuple[str, ...] = ()  # standalone tasks' ARNs
    owner: str = ""  # the task set's service, whose events say what ECS did with it

    def started_by(self) -> str:
        """The startedBy ECS gives the tasks ('' for standalone tasks: we know their ARNs)."""
        return self.task_set or self.deployment


def remember_service(aws: Aws, service: Mapping[str, Any]) -> None:
    """A service just created or updated: its PRIMARY deployment's tasks go behind its target groups."""
    primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
    if primary is None or not primary.get("id"):
        return  # another controller: its tasks come from task sets
    launch = Launch(str(service["clusterArn"]), str(service["serviceName"]), deployment=str(primary["id"]))
    _remember(aws, service.get("loadBalancers", []), launch)


def remember_task_set(aws: Aws, task_set: Mapping[str, Any]) -> None:
    """A task set just created: its tasks go behind its target groups."""
    owner = str(task_set.get("serviceArn", "")).rsplit("/", 1)[-1]
    launch = Launch(str(task_set["clusterArn"]), task_set=task_set["id"], owner=owner)
    _remember(aws, task_set.get("loadBalancers", []), launch)


def behind(aws: Aws, target_group: str) -> Launch | None:
    """What this job last started behind the target group (None: nothing, or not through this gateway)."""
    return _LAUNCHED.get(aws, {}).get(target_group)


def _remember(aws: Aws, balancers: list[dict[str, Any]], launch: Launch) -> None:
    found = _LAUNCHED.setdefault(aws, {})
    for balancer in balancers:
        if balancer.get("targetGroupArn"):
            found[str(balancer["targetGroupArn"])] = launch
