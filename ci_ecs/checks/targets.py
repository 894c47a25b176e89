"""Waits and gates on load-balancer targets: healthy, drained, enough of them; the traffic share."""

from __future__ import annotations

from ci_ecs.aws import elbv2
from ci_ecs.aws.clients import Aws
from ci_ecs.aws.launches import Launch
from ci_ecs.checks.base import CheckResult, Clock, Endpoint, watch
from ci_ecs.checks.first_sign import TaskWatch
from ci_ecs.output import Console, counted
from ci_ecs.settings import WaitSettings


def watch_targets(
    aws: Aws,
    targets: dict[str, list[Endpoint]],
    wait: WaitSettings,
    console: Console,
    *,
    gone: bool = False,
    timeout: float | None = None,
    clock: Clock | None = None,
    behind: Launch | None = None,
) -> CheckResult:
    """Until the targets are healthy (`gone`: drained); an unhealthy one or a failed task `behind` fails."""
    tasks = _task_watch(aws, list(targets), console, behind)

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
        bad = unhealthy([t for _, t in ours if t is not None])
        if bad is not None:
            return tasks.failure() or bad  # a stopped task behind it says more than the load balancer
        healthy = ours and all(t is not None and t.state == "healthy" for _, t in ours)
        return CheckResult(True, "targets healthy") if healthy else tasks.failure()

    return watch(wait, probe, "the targets", timeout=timeout, clock=clock)


def watch_healthy_count(
    aws: Aws,
    target_group: str,
    count: int,
    wait: WaitSettings,
    console: Console,
    *,
    behind: Launch | None = None,
) -> CheckResult:
    """Until `count` targets of the group are healthy; an unhealthy one or a failed task `behind` fails."""
    name = elbv2.target_group_name(target_group)
    tasks = _task_watch(aws, [target_group], console, behind)

    def probe() -> CheckResult | None:
        targets = elbv2.target_health(aws, target_group)
        healthy = sum(t.state == "healthy" for t in targets)
        console.progress(f"targets {name} {healthy}/{len(targets)} healthy")
        bad = unhealthy(targets)
        if bad is not None:
            return tasks.failure() or bad
        if healthy >= count:
            return CheckResult(True, f"{counted(healthy, 'healthy target')} in {name}")
        return tasks.failure()

    return watch(wait, probe, f"{counted(count, 'healthy target')} in {name}")


def _task_watch(aws: Aws, groups: list[str], console: Console, behind: Launch | None) -> TaskWatch:
    """A watch on `behind`, else on what this job started behind the groups (aws/launches.py)."""
    return TaskWatch(aws, [behind], console) if behind else TaskWatch.of_groups(aws, groups, console)


def healthy_at_least(aws: Aws, target_group: str, count: int) -> CheckResult:
    """A gate, read once: at least `count` targets of the group are healthy."""
    targets = elbv2.target_health(aws, target_group)
    healthy = sum(t.state == "healthy" for t in targets)
    shown = f"{healthy}/{len(targets)} healthy"
    if healthy < count:
        name = elbv2.target_group_name(target_group)
        return CheckResult(False, f"{name} has {counted(healthy, 'healthy target')}, {count} needed")
    return CheckResult(True, shown)


def unhealthy(targets: list[elbv2.Target]) -> CheckResult | None:
    """A failed result naming the first unhealthy target, or None when there is none."""
    bad = [t for t in targets if t.state == "unhealthy"]
    if not bad:
        return None
    why = ": ".join(filter(None, (bad[0].reason, bad[0].description))) or "no reason given"
    return CheckResult(False, f"target {bad[0].id}:{bad[0].port} is unhealthy ({why})")


def traffic_share(aws: Aws, groups: list[str], ours: set[Endpoint]) -> float | None:
    """The share of healthy targets that are `ours` across the groups (an ALB spreads requests evenly)."""
    healthy = [
        (t.id, t.port or 0) for arn in groups for t in elbv2.target_health(aws, arn) if t.state == "healthy"
    ]
    if not healthy:
        return None
    return sum(endpoint in ours for endpoint in healthy) / len(healthy)
