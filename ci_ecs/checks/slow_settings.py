"""Where a job's time went at the load balancer, and the settings that made it slow.

Measured from the target-health reads the job's waits made anyway (elbv2.sightings): a target's first
sighting as `initial` until it is seen `healthy`, and as `draining` until it is seen gone. Settings are read
only for what cost time, so a quick job makes no call here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.base import format_duration
from ci_ecs.errors import CiEcsError
from ci_ecs.model import Hint, Phase

Kind = Literal["healthy", "draining"]
MIN_SHARE = 0.25  # a phase that took less of the job is not worth a hint
MIN_SECONDS = 1.0  # nor one shorter than this, whatever its share
# Values at or under these are already short: nothing to gain from a hint.
SHORT_DELAY = 30.0  # deregistration_delay.timeout_seconds
SHORT_INTERVAL = 10  # HealthCheckIntervalSeconds
_NAMES: dict[Kind, str] = {"healthy": "new targets turning healthy", "draining": "targets draining"}


@dataclass(frozen=True)
class Span:
    """A stretch of time (seconds after the job started) when targets of one group were doing `kind`."""

    group: str
    kind: Kind
    start: float
    seconds: float


def spans(sightings: Iterable[elbv2.Sighting], origin: float) -> list[Span]:
    """The stretches when targets turned healthy or drained, per target group, overlapping ones merged."""
    intervals: dict[tuple[str, Kind], list[tuple[float, float]]] = {}
    by_group: dict[str, list[elbv2.Sighting]] = {}
    for sighting in sorted(sightings, key=lambda s: s.at):
        by_group.setdefault(sighting.group, []).append(sighting)
    for group, seen in by_group.items():
        for kind, found in _per_target(seen).items():
            intervals[(group, kind)] = found
    merged = [
        Span(group, kind, round(start - origin, 2), round(end - start, 2))
        for (group, kind), found in intervals.items()
        for start, end in _merge(found)
        if end > start
    ]
    return sorted(merged, key=lambda s: (s.start, s.group, s.kind))


def _per_target(seen: list[elbv2.Sighting]) -> dict[Kind, list[tuple[float, float]]]:
    """Each target's wait to turn healthy (initial → healthy) and its drain (draining → gone)."""
    started: dict[tuple[Kind, tuple[str, int]], float] = {}  # when the target was first seen so
    ended: dict[tuple[Kind, tuple[str, int]], float] = {}
    for sighting in seen:
        present = {(t.id, t.port or 0): t.state for t in sighting.targets}
        for target, state in present.items():
            if state == "initial":
                started.setdefault(("healthy", target), sighting.at)
            elif state == "healthy" and ("healthy", target) in started:
                ended.setdefault(("healthy", target), sighting.at)
            elif state == "draining" and ("draining", target) not in ended:
                started.setdefault(("draining", target), sighting.at)
        for kind, target in started:
            if kind == "draining" and target not in present:
                ended.setdefault((kind, target), sighting.at)  # gone: the drain ended by this read
    last = seen[-1].at if seen else 0.0
    found: dict[Kind, list[tuple[float, float]]] = {"healthy": [], "draining": []}
    for (kind, target), start in started.items():
        if (kind, target) in ended:
            found[kind].append((start, ended[(kind, target)]))
        elif kind == "draining":
            found[kind].append((start, last))  # still draining at the last read: at least this long
    return found


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping intervals joined, in order."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def where_time_went(
    aws: Aws, origin: float, job_seconds: float, rolled: tuple[str, str] | None = None
) -> tuple[tuple[Phase, ...], tuple[Hint, ...]]:
    """What the job's targets were seen doing (timeline phases), and the settings that made it slow."""
    found = spans(elbv2.sightings(aws), origin)
    return phases(found), hints(aws, found, job_seconds, rolled)


def phases(found: Iterable[Span]) -> tuple[Phase, ...]:
    """The spans as timeline phases: what the load balancer was seen doing, beside the job's steps."""
    return tuple(
        Phase(f"{_NAMES[s.kind]} in {elbv2.target_group_name(s.group)}", s.start, s.seconds, "observed")
        for s in found
    )


def costly(found: Iterable[Span], job_seconds: float) -> dict[tuple[str, Kind], float]:
    """Seconds per (group, kind) that cost enough of the job to be worth a hint."""
    totals: dict[tuple[str, Kind], float] = {}
    for span in found:
        totals[(span.group, span.kind)] = totals.get((span.group, span.kind), 0.0) + span.seconds
    floor = max(MIN_SECONDS, MIN_SHARE * job_seconds)
    return {key: seconds for key, seconds in totals.items() if seconds >= floor}


def hints(
    aws: Aws,
    found: Iterable[Span],
    job_seconds: float,
    rolled: tuple[str, str] | None = None,
) -> tuple[Hint, ...]:
    """The settings behind what cost this job the most time, biggest first (reads only those settings).

    `rolled`: (cluster, service) when the job waited for an ECS rolling update of it, for its batch size.
    Never fails the job: a setting that cannot be read gives no hint.
    """
    cost = costly(found, job_seconds)
    if not cost:
        return ()
    try:
        service = ecs.describe_service(aws, *rolled) if rolled else None
        found_hints = [
            *_drain_hints(aws, {g: s for (g, k), s in cost.items() if k == "draining"}, job_seconds),
            *_health_hints(aws, {g: s for (g, k), s in cost.items() if k == "healthy"}, job_seconds),
            *_batch_hints(service, sum(cost.values()), job_seconds),
        ]
    except CiEcsError:
        return ()
    return tuple(sorted(found_hints, key=lambda h: -h.seconds))


def _share(seconds: float, job_seconds: float) -> str:
    """`3.1s, 62% of the job`."""
    percent = min(100, round(100 * seconds / job_seconds)) if job_seconds else 100
    shown = f"{seconds:.1f}s" if seconds < 10 else format_duration(seconds)
    return f"{shown}, {percent}% of the job"


def _drain_hints(aws: Aws, drained: dict[str, float], job_seconds: float) -> list[Hint]:
    found = []
    for group, seconds in sorted(drained.items()):
        delay = elbv2.deregistration_delay(aws, group)
        if delay <= SHORT_DELAY:
            continue
        name = elbv2.target_group_name(group)
        found.append(
            Hint(
                f"deregistration delay of target group {name}",
                f"{delay:g}s",
                seconds,
                f"old targets drained for {_share(seconds, job_seconds)}; ECS stops a task only after it "
                f"drained. Set the target group attribute deregistration_delay.timeout_seconds to what your "
                f"longest request needs (often 5–30s)",
            )
        )
    return found


def _health_hints(aws: Aws, waited: dict[str, float], job_seconds: float) -> list[Hint]:
    if not waited:
        return []
    groups = elbv2.describe_target_groups(aws, sorted(waited))
    found = []
    for group, seconds in sorted(waited.items()):
        interval = int(groups.get(group, {}).get("HealthCheckIntervalSeconds") or 30)
        if interval <= SHORT_INTERVAL:
            continue
        name = elbv2.target_group_name(group)
        found.append(
            Hint(
                f"health check interval of target group {name}",
                f"{interval}s",
                seconds,
                f"new targets waited {_share(seconds, job_seconds)} to turn healthy; a new target needs one "
                f"passing check. Lower HealthCheckIntervalSeconds (e.g. 10s, with HealthCheckTimeoutSeconds "
                f"under it) if your app answers its health check soon after it starts",
            )
        )
    return found


def batches(desired: int, minimum_percent: int, maximum_percent: int) -> int:
    """How many rounds an ECS rolling update needs to replace `desired` tasks within its percentages."""
    if desired <= 0:
        return 1
    room = math.floor(desired * maximum_percent / 100) - desired  # tasks it may start on top
    spare = desired - math.ceil(desired * minimum_percent / 100)  # tasks it may stop first
    return math.ceil(desired / max(1, room + spare))


def _batch_hints(service: Mapping[str, Any] | None, seconds: float, job_seconds: float) -> list[Hint]:
    if service is None:
        return []
    config = service.get("deploymentConfiguration") or {}
    desired = int(service.get("desiredCount") or 0)
    low, high = int(config.get("minimumHealthyPercent", 100)), int(config.get("maximumPercent", 200))
    rounds = batches(desired, low, high)
    if rounds <= 1:
        return []
    cost = seconds * (rounds - 1) / rounds  # each round repeats the start, the health check and the drain
    return [
        Hint(
            f"minimumHealthyPercent/maximumPercent of service {service.get('serviceName', '?')}",
            f"{low}%/{high}%",
            round(cost, 2),
            f"with {desired} tasks ECS replaced them in {rounds} rounds (about {_share(cost, job_seconds)} "
            f"beyond one round); maximumPercent 200 starts all new tasks at once if the cluster has room",
        )
    ]
