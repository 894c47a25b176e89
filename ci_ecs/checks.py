"""Waits and gates: follow one ECS deployment until it completes, fails or times out."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.aws.clients import Aws
from ci_ecs.output import Console
from ci_ecs.settings import WaitSettings

T = TypeVar("T")


@dataclass(frozen=True)
class CheckResult:
    """How a wait ended: ok, or why not, with the last thing we saw."""

    ok: bool
    reason: str
    service: dict[str, Any] = field(default_factory=dict)
    ecs_rolled_back: bool = False


@dataclass(frozen=True)
class Clock:
    """Time as the waits see it (tests and benchmarks may replace it)."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def failure_threshold(desired: int) -> int:
    """ECS's circuit-breaker threshold: 0.5 × desired count, rounded up, clamped to 3..200."""
    return min(200, max(3, math.ceil(0.5 * desired)))


def intervals(wait: WaitSettings) -> Any:
    """Poll intervals: `poll_first`, growing by half each time up to `poll_cap`."""
    interval = wait.poll_first
    while True:
        yield interval
        interval = min(wait.poll_cap, interval * 1.5)


def poll(
    wait: WaitSettings,
    probe: Callable[[], T | None],
    *,
    timeout: float | None = None,
    clock: Clock | None = None,
) -> T | None:
    """Call `probe` now and then at the poll intervals until it returns something; None after the timeout."""
    clock = clock or Clock()
    deadline = clock.now() + (wait.timeout if timeout is None else timeout)
    for interval in intervals(wait):
        found = probe()
        if found is not None:
            return found
        if clock.now() >= deadline:
            return None
        clock.sleep(max(0.0, min(interval, deadline - clock.now())))
    raise AssertionError("unreachable")  # intervals() never ends


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
    deadline = clock.now() + wait.timeout
    reported_stops: dict[str, str] = {}  # task ARN -> why it stopped
    health: dict[str, list[elbv2.Target]] = {}
    health_read_at: tuple[Any, ...] | None = None
    for interval in intervals(wait):
        clock.sleep(max(0.0, min(interval, deadline - clock.now())))
        service = ecs.describe_service(aws, cluster, service_name)
        deployments = service.get("deployments", [])
        ours = next((d for d in deployments if d.get("id") == deployment_id), None)
        done = ours is not None and _completed(ours)
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
            _report_stopped_tasks(aws, cluster, deployment_id, reported_stops, console)
        if ours is None:
            return _with_stops(_vanished(service, deployment_id, previous), reported_stops)
        if ours.get("rolloutState") == "FAILED":
            rolled_back = ecs.primary_deployment(service).get("id") != deployment_id
            reason = ours.get("rolloutStateReason") or "rolloutState FAILED"
            return _with_stops(CheckResult(False, reason, service, rolled_back), reported_stops)
        if done:
            return CheckResult(True, "deployment completed", service)
        # Without the breaker, fail where ECS would have; a canary fails at its first failed task.
        limit = max_failures or (None if circuit_breaker else failure_threshold(ours.get("desiredCount", 0)))
        if limit is not None and ours.get("failedTasks", 0) >= limit:
            failed = CheckResult(False, f"{ours['failedTasks']} tasks of the new version failed", service)
            return _with_stops(failed, reported_stops)
        if clock.now() >= deadline:
            return CheckResult(False, f"timed out after {format_duration(wait.timeout)}", service)
    raise AssertionError("unreachable")  # intervals() never ends


def _completed(deployment: dict[str, Any]) -> bool:
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


def _with_stops(result: CheckResult, stops: dict[str, str]) -> CheckResult:
    """A failure's reason, followed by how many tasks stopped and the last one's reason."""
    if not stops:
        return result
    last = list(stops.values())[-1]
    reason = f"{result.reason} ({len(stops)} task(s) stopped; last: {last})"
    return CheckResult(result.ok, reason, result.service, result.ecs_rolled_back)


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


def _report_stopped_tasks(
    aws: Aws, cluster: str, deployment_id: str, reported: dict[str, str], console: Console
) -> None:
    """Print why each newly stopped task of the deployment stopped, with container exit codes."""
    for task in ecs_tasks.stopped_tasks(aws, cluster, deployment_id):
        arn = task["taskArn"]
        if arn in reported:
            continue
        exits = ", ".join(
            f"{c['name']} exit {c['exitCode']}" + (f" ({c['reason']})" if c.get("reason") else "")
            for c in task.get("containers", [])
            if c.get("exitCode") is not None or c.get("reason")
        )
        reported[arn] = task.get("stoppedReason", "no reason given") + (f" [{exits}]" if exits else "")
        console.progress(f"task {arn.rsplit('/', 1)[-1]} stopped: {reported[arn]}")


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


def format_duration(seconds: float) -> str:
    """`15m`, `1m30s`, `45s`."""
    minutes, secs = divmod(round(seconds), 60)
    if minutes and secs:
        return f"{minutes}m{secs}s"
    return f"{minutes}m" if minutes else f"{secs}s"


Endpoint = tuple[str, int]  # a target: IP and port


def watch_targets(
    aws: Aws,
    targets: dict[str, list[Endpoint]],
    wait: WaitSettings,
    console: Console,
    *,
    gone: bool = False,
    timeout: float | None = None,
    clock: Clock | None = None,
) -> CheckResult:
    """Wait until the targets are healthy in their groups (or, with `gone`, drained away); unhealthy fails."""

    def probe() -> CheckResult | None:
        states = {
            arn: {(t.id, t.port or 0): t for t in elbv2.target_health(aws, arn)} for arn in sorted(targets)
        }
        ours = [
            (endpoint, states[arn].get(endpoint))
            for arn, endpoints in targets.items()
            for endpoint in endpoints
        ]
        shown = ", ".join(f"{ip}:{port} {t.state if t else 'gone'}" for (ip, port), t in ours)
        console.progress(f"targets {shown}" if shown else "no targets")
        if gone:
            return CheckResult(True, "targets drained") if all(t is None for _, t in ours) else None
        bad = [(e, t) for e, t in ours if t is not None and t.state == "unhealthy"]
        if bad:
            (ip, port), target = bad[0]
            return CheckResult(
                False, f"target {ip}:{port} is unhealthy ({target.reason or 'no reason given'})"
            )
        healthy = ours and all(t is not None and t.state == "healthy" for _, t in ours)
        return CheckResult(True, "targets healthy") if healthy else None

    limit = wait.timeout if timeout is None else timeout
    found = poll(wait, probe, timeout=limit, clock=clock)
    return found or CheckResult(False, f"timed out after {format_duration(limit)} waiting for the targets")


def traffic_share(aws: Aws, groups: list[str], ours: set[Endpoint]) -> float | None:
    """The share of healthy targets that are `ours` across the groups (an ALB spreads requests evenly)."""
    healthy = [
        (t.id, t.port or 0) for arn in groups for t in elbv2.target_health(aws, arn) if t.state == "healthy"
    ]
    if not healthy:
        return None
    return sum(endpoint in ours for endpoint in healthy) / len(healthy)
