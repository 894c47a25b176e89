"""Why a new revision failed where ECS or CodeDeploy ran its tasks: stopped reasons, logs, ECS's events."""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

from ci_ecs.aws import ecs
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.container_logs import show_logs
from ci_ecs.checks.events import show_events_since
from ci_ecs.errors import CiEcsError
from ci_ecs.output import Console


def explain(
    aws: Aws, console: Console, where: tuple[str, str], task_definition: str, why: str, since: Any = None
) -> str:
    """`why`, with why the revision's tasks stopped; prints the last failed one's logs and ECS's events.

    `where`: (cluster, service). Only on a failure: a ListTasks, DescribeTasks, DescribeServices, and
    DescribeTaskDefinition and GetLogEvents for the failed container. What cannot be read is left out.
    """
    cluster, service = where
    try:
        tasks = [
            t
            for t in ecs_tasks.stopped_tasks_of_service(aws, cluster, service)
            if ecs.short_arn(t.get("taskDefinitionArn", "")) == ecs.short_arn(task_definition)
        ]
    except CiEcsError:
        return why
    tasks.sort(key=lambda t: str(t.get("stoppedAt", "")))
    show_logs(aws, console, tasks)
    with contextlib.suppress(CiEcsError):
        show_events_since(console, ecs.describe_service(aws, cluster, service), since)
    stops = stopped_reasons(tasks)
    return f"{why}; tasks stopped: {stops}" if stops else why


def stopped_reasons(tasks: list[dict[str, Any]]) -> str:
    """Why the tasks stopped, most frequent reason first, with exit codes ('' when none did)."""
    reasons: Counter[str] = Counter()
    for task in tasks:
        exits = ", ".join(
            f"{c['name']} exit {c['exitCode']}" + (f" ({c['reason']})" if c.get("reason") else "")
            for c in task.get("containers", [])
            if c.get("exitCode") not in (None, 0) or c.get("reason")
        )
        reasons[str(task.get("stoppedReason", "no reason given")) + (f" [{exits}]" if exits else "")] += 1
    # Tasks ECS stopped because the rollback scaled them in say nothing about why it failed.
    telling = Counter({r: n for r, n in reasons.items() if not r.startswith("Scaling activity")}) or reasons
    return "; ".join(f"{n}× {reason}" if n > 1 else reason for reason, n in telling.most_common(3))
