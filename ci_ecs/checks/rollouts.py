"""Follow the rolling deployments of several services at once, with batched DescribeServices calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from ci_ecs.aws import ecs
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.base import CheckResult, Clock, deadline_after, format_duration, intervals
from ci_ecs.checks.rollout import (
    completed,
    failure_threshold,
    progress_line,
    report_stopped_tasks,
    with_stops,
)
from ci_ecs.output import Console
from ci_ecs.settings import WaitSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Followed:
    """One service's deployment to follow: where it is, which deployment, the revision it replaced."""

    cluster: str
    service: str
    deployment: str
    previous: str = ""
    aws: Aws | None = None  # the gateway of its region and account (None: the watcher's)
    label: str = ""  # as output names it ("": by its name; the same name may be in another region)


def watch_rollouts(
    aws: Aws,
    followed: tuple[Followed, ...],
    wait: WaitSettings,
    console: Console,
    *,
    circuit_breaker: bool,
    fail_fast: bool = True,
    clock: Clock | None = None,
) -> dict[Followed, CheckResult]:
    """Each service's result (by what is followed: a name may be in several regions) once all are done;
    with `fail_fast`, as soon as one failed (the services still rolling out then have no result)."""
    clock = clock or Clock()
    deadline = deadline_after(clock, wait.timeout)
    results: dict[Followed, CheckResult] = {}
    stops: dict[Followed, dict[str, str]] = {f: {} for f in followed}
    for interval in intervals(wait):
        clock.sleep(max(0.0, min(interval, deadline - clock.now())))
        pending = [f for f in followed if f not in results]
        for group in by_place(pending, lambda f: (f.aws or aws, f.cluster)):
            gateway = group[0].aws or aws
            seen = ecs.describe_services(gateway, group[0].cluster, [f.service for f in group])
            for f in group:
                found = seen.get(f.service, {})
                result = _judge(gateway, f, found, circuit_breaker, stops[f], console)
                if result is not None:
                    results[f] = result
        if len(results) == len(followed) or (fail_fast and any(not r.ok for r in results.values())):
            return results
        if clock.now() >= deadline:
            timed_out = CheckResult(False, f"timed out after {format_duration(wait.timeout)}")
            return {**{f: timed_out for f in followed}, **results}
    raise AssertionError("unreachable")  # intervals() never ends


def by_place(items: Iterable[T], place: Callable[[T], tuple[Aws, str]]) -> list[list[T]]:
    """Items by region, account and cluster (`place`: an item's gateway and cluster), in their order:
    the services one DescribeServices call (per 10) reads."""
    groups: dict[tuple[str | None, str | None, str], list[T]] = {}
    for item in items:
        gateway, cluster = place(item)
        groups.setdefault((gateway.region, gateway.role_arn, cluster), []).append(item)
    return list(groups.values())


def _judge(
    aws: Aws,
    f: Followed,
    service: dict[str, Any],
    circuit_breaker: bool,
    reported: dict[str, str],
    console: Console,
) -> CheckResult | None:
    """The service's result if its deployment ended, else None (and a progress line)."""
    deployments = service.get("deployments", [])
    ours = next((d for d in deployments if d.get("id") == f.deployment), None)
    console.progress(f"{f.label or f.service}: {progress_line(deployments, {})}")
    if ours is None or ours.get("rolloutState") == "FAILED" or ours.get("failedTasks", 0) > len(reported):
        report_stopped_tasks(aws, f.cluster, f.deployment, reported, console)
    if ours is None:
        now_on = ecs.short_arn(ecs.primary_deployment(service).get("taskDefinition", "?"))
        back = bool(f.previous) and now_on == ecs.short_arn(f.previous)
        why = f"deployment {f.deployment} is no longer on the service; it now runs {now_on}"
        return with_stops(CheckResult(False, why, service, ecs_rolled_back=back), reported)
    if ours.get("rolloutState") == "FAILED":
        rolled_back = ecs.primary_deployment(service).get("id") != f.deployment
        reason = ours.get("rolloutStateReason") or "rolloutState FAILED"
        return with_stops(CheckResult(False, reason, service, ecs_rolled_back=rolled_back), reported)
    if completed(ours):
        return CheckResult(True, "deployment completed", service)
    limit = None if circuit_breaker else failure_threshold(ours.get("desiredCount", 0))
    if limit is not None and ours.get("failedTasks", 0) >= limit:
        failed = CheckResult(False, f"{ours['failedTasks']} tasks of the new version failed", service)
        return with_stops(failed, reported)
    return None
