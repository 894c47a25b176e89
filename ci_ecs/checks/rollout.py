"""Follow one ECS deployment of an ECS-controller service until it completes, fails or times out."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.base import CheckResult, Clock, deadline_after, format_duration, intervals
from ci_ecs.checks.container_logs import show_logs
from ci_ecs.checks.events import show_events
from ci_ecs.checks.stopped import task_id, why_stopped
from ci_ecs.output import Console, counted
from ci_ecs.settings import WaitSettings


def failure_threshold(desired: int) -> int:
    """ECS's circuit-breaker threshold: 0.5 × desired count, rounded up, clamped to 3..200."""
    return min(200, max(3, math.ceil(0.5 * desired)))


def watch_rollout(
    aws: Aws,
    cluster: str,
    service_name: str,
    deployment_id: str,
    wait: WaitSettings,
    console: Console,
    *,
    circuit_breaker: bool,
    previous: str | None = None,
    max_failures: int | None = None,
    clock: Clock | None = None,
) -> CheckResult:
    """Follow deployment `deployment_id` of a service to COMPLETED (ok) or FAILED / timeout (not ok)."""
    clock = clock or Clock()
    deadline = deadline_after(clock, wait.timeout)
    reported_stops: dict[str, str] = {}  # task ARN -> why it stopped
    stopped: list[dict[str, Any]] = []

    def failing(result: CheckResult) -> CheckResult:
        show_logs(aws, console, stopped)
        if result.seen:
            show_events(console, result.seen, deployment_id)
        return with_stops(result, reported_stops)

    health: dict[str, list[elbv2.Target]] = {}
    health_read_at: tuple[Any, ...] | None = None
    for interval in intervals(wait):
        clock.sleep(max(0.0, min(interval, deadline - clock.now())))
        service = ecs.describe_service(aws, cluster, service_name)
        deployments = service.get("deployments", [])
        ours = next((d for d in deployments if d.get("id") == deployment_id), None)
        done = ours is not None and completed(ours)
        # Target health costs a call per target group: read it only when the tasks moved or targets
        # were still settling, and not when ECS already says the rollout completed (it checked health).
        if not done and (_shape(deployments) != health_read_at or _settling(health)):
            health, health_read_at = _target_health(aws, service), _shape(deployments)
        console.progress(progress_line(deployments, {} if done else health))
        if (
            ours is None
            or ours.get("rolloutState") == "FAILED"
            or ours.get("failedTasks", 0) > len(reported_stops)
        ):
            # Say why tasks stopped before anything else: it is the first thing a person needs.
            stopped += report_stopped_tasks(aws, cluster, deployment_id, reported_stops, console)
        if ours is None:
            return failing(_vanished(service, deployment_id, previous))
        if ours.get("rolloutState") == "FAILED":
            rolled_back = ecs.primary_deployment(service).get("id") != deployment_id
            reason = ours.get("rolloutStateReason") or "rolloutState FAILED"
            if circuit_breaker and ours.get("failedTasks"):
                threshold = failure_threshold(ours.get("desiredCount", 0))
                reason += f" (circuit breaker: {ours['failedTasks']} failed tasks, threshold {threshold})"
            return failing(CheckResult(False, reason, service, ecs_rolled_back=rolled_back))
        if done:
            return CheckResult(True, "deployment completed", service)
        # Without the breaker, fail where ECS would have; a canary fails at its first failed task.
        limit = max_failures or (None if circuit_breaker else failure_threshold(ours.get("desiredCount", 0)))
        if limit is not None and ours.get("failedTasks", 0) >= limit:
            failed = CheckResult(False, f"{ours['failedTasks']} tasks of the new version failed", service)
            return failing(failed)
        if clock.now() >= deadline:
            return failing(CheckResult(False, f"timed out after {format_duration(wait.timeout)}", service))
    raise AssertionError("unreachable")  # intervals() never ends


def completed(deployment: Mapping[str, Any]) -> bool:
    """Success: the deployment is PRIMARY, COMPLETED, and runs its desired count."""
    return (
        deployment.get("status") == "PRIMARY"
        and deployment.get("rolloutState") == "COMPLETED"
        and deployment.get("runningCount") == deployment.get("desiredCount")
    )


def _shape(deployments: list[dict[str, Any]]) -> tuple[Any, ...]:
    """What changes when tasks start, stop or fail."""
    keys = ("id", "status", "rolloutState", "runningCount", "pendingCount", "desiredCount", "failedTasks")
    return tuple(tuple(d.get(k) for k in keys) for d in deployments)


def _settling(health: dict[str, list[elbv2.Target]]) -> bool:
    """Whether any target is between states (initial, draining) and so may change by itself."""
    return any(t.state not in ("healthy", "unhealthy") for targets in health.values() for t in targets)


def with_stops(result: CheckResult, stops: dict[str, str]) -> CheckResult:
    """A failure's reason, followed by how many tasks stopped and the last one's reason."""
    if not stops:
        return result
    last = list(stops.values())[-1]
    reason = f"{result.reason} ({counted(len(stops), 'task')} stopped; last: {last})"
    return CheckResult(result.ok, reason, result.seen, result.ecs_rolled_back)


def _vanished(service: dict[str, Any], deployment_id: str, previous: str | None) -> CheckResult:
    """Our deployment is gone: ECS rolled it back (the service is on `previous`) or another replaced it."""
    now_on = ecs.short_arn(ecs.primary_deployment(service).get("taskDefinition", "?"))
    # The failed deployment may drain and disappear between two polls; its reason survives in the events.
    mentions = [
        e.get("message", "") for e in service.get("events", []) if deployment_id in e.get("message", "")
    ]
    why = next((m for m in mentions if "fail" in m), mentions[0] if mentions else None)
    why = why or f"deployment {deployment_id} is no longer on the service"
    if previous is not None and now_on == ecs.short_arn(previous):
        return CheckResult(False, why, service, ecs_rolled_back=True)
    return CheckResult(
        False, f"{why}; the service now runs {now_on} (another deployment replaced ours)", service
    )


def _target_health(aws: Aws, service: dict[str, Any]) -> dict[str, list[elbv2.Target]]:
    """Targets of each of the service's target groups."""
    groups = {lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")}
    return {arn: elbv2.target_health(aws, arn) for arn in sorted(groups)}


def report_stopped_tasks(
    aws: Aws, cluster: str, deployment_id: str, reported: dict[str, str], console: Console
) -> list[dict[str, Any]]:
    """Print why each newly stopped task of the deployment stopped, with container exit codes; those tasks."""
    found: list[dict[str, Any]] = []
    for task in ecs_tasks.stopped_tasks(aws, cluster, deployment_id):
        arn = task["taskArn"]
        if arn in reported:
            continue
        reported[arn] = why_stopped(task)
        found.append(task)
        console.progress(f"task {task_id(task)} stopped: {reported[arn]}")
    return found


def progress_line(deployments: list[dict[str, Any]], health: dict[str, list[elbv2.Target]]) -> str:
    """One line: each deployment's counts and state, then healthy/total targets per target group."""
    parts = []
    for d in deployments:
        counts = f"{d.get('runningCount', 0)}/{d.get('desiredCount', 0)} running"
        if d.get("pendingCount"):
            counts += f", {d['pendingCount']} pending"
        if d.get("failedTasks"):
            counts += f", {d['failedTasks']} failed"
        td = ecs.short_arn(d.get("taskDefinition", "?"))
        parts.append(f"{d.get('status', '?').lower()} {td} {d.get('rolloutState', '?')} {counts}")
    for arn, targets in health.items():
        healthy = sum(t.state == "healthy" for t in targets)
        parts.append(f"targets {elbv2.target_group_name(arn)} {healthy}/{len(targets)} healthy")
    return " | ".join(parts)
