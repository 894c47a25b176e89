"""Waits on tasks outside a service's own deployments: task sets, standalone tasks, a service scaling in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_ecs.aws import ecs, elbv2, tasksets
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.aws.clients import Aws
from ci_ecs.aws.launches import Launch
from ci_ecs.checks.base import CheckResult, watch
from ci_ecs.checks.container_logs import show_logs
from ci_ecs.checks.first_sign import TaskWatch
from ci_ecs.checks.stopped import task_id, why_stopped
from ci_ecs.checks.targets import unhealthy
from ci_ecs.output import Console, counted
from ci_ecs.settings import WaitSettings


def watch_task_set(
    aws: Aws, service: Mapping[str, Any], task_set_id: str, wait: WaitSettings, console: Console
) -> CheckResult:
    """Until the task set runs its computed count in STEADY_STATE (seen: the task set).

    ECS keeps replacing tasks that fail their health checks and never reaches STEADY_STATE: the targets
    are judged at each poll, and an unhealthy one, or a task of the set that stopped failing, fails at
    once instead of at the timeout.
    """
    launch = Launch(str(service["clusterArn"]), task_set=task_set_id, owner=str(service["serviceName"]))
    tasks = TaskWatch(aws, [launch], console)

    def probe() -> CheckResult | None:
        found = next((t for t in tasksets.task_sets(aws, service) if t["id"] == task_set_id), None)
        if found is None:
            return CheckResult(False, f"task set {task_set_id} disappeared")
        running, wanted = found.get("runningCount", 0), found.get("computedDesiredCount", 0)
        group = tasksets.target_group(found)
        targets = elbv2.target_health(aws, group) if group else []
        healthy = sum(t.state == "healthy" for t in targets)
        console.progress(
            f"task set {task_set_id}: {running}/{wanted} running, {found.get('stabilityStatus')}; "
            f"targets {healthy}/{len(targets)} healthy"
        )
        bad = unhealthy(targets)
        if bad is not None:
            return tasks.failure() or bad
        steady = found.get("stabilityStatus") == "STEADY_STATE" and running == wanted
        return CheckResult(True, f"{counted(running, 'task')} steady", found) if steady else tasks.failure()

    return watch(wait, probe, f"task set {task_set_id} to be steady")


def watch_task_addresses(
    aws: Aws, cluster: str, task_arns: list[str], wait: WaitSettings, console: Console
) -> CheckResult:
    """Until every task has its private IP (seen: {"tasks": the described tasks}); a stopped one fails."""

    def probe() -> CheckResult | None:
        tasks = ecs_tasks.describe_tasks(aws, cluster, task_arns)
        stopped = [t for t in tasks if t.get("lastStatus") == "STOPPED"]
        if stopped:
            show_logs(aws, console, stopped)
            why = f"canary task {task_id(stopped[0])} stopped: {why_stopped(stopped[0])}"
            return CheckResult(False, why, {"tasks": tasks})
        console.progress(", ".join(f"{ecs.short_arn(t['taskArn'])} {t.get('lastStatus')}" for t in tasks))
        ips = [ecs_tasks.private_ip(t) for t in tasks]
        if not all(ips):
            return None
        return CheckResult(True, "addresses " + ", ".join(ip for ip in ips if ip), {"tasks": tasks})

    return watch(wait, probe, "the canary tasks' addresses")


def watch_scaled_in(
    aws: Aws, cluster: str, service: str, wait: WaitSettings, console: Console
) -> CheckResult:
    """Until the service runs and starts no task."""

    def probe() -> CheckResult | None:
        current = ecs.describe_service(aws, cluster, service)
        console.progress(f"{service}: {current.get('runningCount', 0)} running")
        idle = current.get("runningCount", 0) == 0 and current.get("pendingCount", 0) == 0
        return CheckResult(True, f"{service} runs no task", current) if idle else None

    return watch(wait, probe, f"{service} to run no task")
