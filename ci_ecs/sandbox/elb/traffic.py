"""Simulated requests: each tick every ALB listener rule gets `requests_per_tick` requests to route."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.elbv2.models import elbv2_backends

from ci_ecs.sandbox.elb import listeners, metrics
from ci_ecs.sandbox.state import RUNTIME, TaskSim, target_sims, task_sim

UNKNOWN = "unknown"  # the version of a target whose IP is no task


@dataclass(frozen=True)
class Counts:
    """Requests, and how many of them got a 5XX from the target (its app) or from the ELB (no answer)."""

    requests: int = 0
    target_5xx: int = 0
    elb_5xx: int = 0


@dataclass(frozen=True)
class Traffic:
    """Requests measured since the last reset, per rule, target group, target (`ip:port`) and version."""

    ticks: int
    by_rule: Mapping[str, Counts]
    by_target_group: Mapping[str, Counts]
    by_target: Mapping[str, Counts]
    by_version: Mapping[str, Counts]
    by_group_version: Mapping[tuple[str, str], Counts]
    unrouted: int  # forwarded requests that found no registered target (the ELB answers 503)

    def share(self, version: str, target_groups: Iterable[str] | None = None) -> float:
        """The percentage of the requests to these target groups (default: all) that `version` served."""
        groups = set(target_groups) if target_groups is not None else None
        total = mine = 0
        for (group, served), counts in self.by_group_version.items():
            if groups is None or group in groups:
                total += counts.requests
                mine += counts.requests if served == version else 0
        return 100.0 * mine / total if total else 0.0


@dataclass
class _Meter:
    ticks: int = 0
    unrouted: int = 0
    tallies: dict[str, dict[Any, list[int]]] = field(default_factory=lambda: defaultdict(dict))
    credits: dict[str, tuple[tuple[tuple[str, int], ...], list[int]]] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)
    answers: dict[str, list[int]] = field(default_factory=dict)  # task ARN → its 5XX:2XX split credits
    pending: metrics.Pending = field(default_factory=lambda: defaultdict(metrics.Period))


METER = _Meter()


def reset(*, counts_only: bool = False) -> None:
    """Forget the counts (and, unless `counts_only`, the routing state and unpublished metrics)."""
    global METER
    if not counts_only:
        METER = _Meter()
        return
    METER.ticks, METER.unrouted = 0, 0
    METER.tallies.clear()


def snapshot() -> Traffic:
    """The counts so far (call with LOCK held)."""

    def table(kind: str) -> dict[Any, Counts]:
        return {key: Counts(*values) for key, values in METER.tallies.get(kind, {}).items()}

    return Traffic(
        METER.ticks,
        table("rule"),
        table("group"),
        table("target"),
        table("version"),
        table("group_version"),
        METER.unrouted,
    )


def split(weights: list[int], requests: int, credits: list[int]) -> list[int]:
    """Requests per weight in exact proportion, remainders carried in `credits` (in 1/Σweights units)."""
    total = sum(weights)
    if total <= 0:
        return [0] * len(weights)
    for i, weight in enumerate(weights):
        credits[i] += requests * weight
    shares = [credit // total for credit in credits]
    for i, share in enumerate(shares):
        credits[i] -= share * total
    for i in sorted(range(len(weights)), key=lambda i: (-credits[i], i))[: requests - sum(shares)]:
        shares[i] += 1
        credits[i] -= total
    return shares


def round_robin(requests: int, targets: int, cursor: int) -> tuple[list[int], int]:
    """Requests per target, taking turns from `cursor`; returns the counts and the next cursor."""
    base, extra = divmod(requests, targets)
    counts = [base] * targets
    for j in range(extra):
        counts[(cursor + j) % targets] += 1
    return counts, (cursor + extra) % targets


def step(tasks_by_ip: dict[tuple[str, str, str], Any]) -> None:
    """Route one tick of requests through every ALB listener rule; publish metrics when due."""
    METER.ticks += 1
    config = RUNTIME.config
    if config.requests_per_tick > 0:
        for account in list(elbv2_backends.values()):
            for backend in list(account.values()):
                for balancer in list(backend.load_balancers.values()):
                    if balancer.type != "application":
                        continue
                    for listener in list(balancer.listeners.values()):
                        for rule in list(listener.rules.values()):
                            _route(backend, balancer, rule, config.requests_per_tick, tasks_by_ip)
    if config.metrics_ticks and RUNTIME.now % config.metrics_ticks == 0:
        metrics.publish(METER.pending)


def _tally(kind: str, key: Any, requests: int, target_5xx: int = 0, elb_5xx: int = 0) -> None:
    values = METER.tallies[kind].setdefault(key, [0, 0, 0])
    values[0] += requests
    values[1] += target_5xx
    values[2] += elb_5xx


def _route(backend: Any, balancer: Any, rule: Any, requests: int, tasks_by_ip: dict[Any, Any]) -> None:
    """One rule's requests → its forward action's target groups by weight (not forwarded: counted only)."""
    _tally("rule", rule.arn, requests)
    action = listeners.forward_action(rule.actions)
    pairs = tuple(listeners.forward_weights(action)) if action else ()
    if not pairs:
        return
    saved = METER.credits.get(rule.arn)
    if saved is None or saved[0] != pairs:
        saved = METER.credits[rule.arn] = (pairs, [0] * len(pairs))
    shares = split([weight for _, weight in pairs], requests, saved[1])
    METER.unrouted += requests - sum(shares)  # every weight 0: nowhere to go
    for (arn, _), share in zip(pairs, shares, strict=True):
        group = backend.target_groups.get(arn)
        if group is None:
            METER.unrouted += share
        elif share:
            _to_group(balancer, group, share, tasks_by_ip)


def _to_group(balancer: Any, group: Any, requests: int, tasks_by_ip: dict[Any, Any]) -> None:
    """A target group's requests → its healthy targets in turn; with none healthy, AWS fails open."""
    records = target_sims(group)
    keys = sorted(group.targets)
    states = {key: records[key].state if key in records else "healthy" for key in keys}
    pool = [key for key in keys if states[key] == "healthy"]
    if not pool:  # ALB: a group with only unhealthy targets routes to all of them, whatever their health
        pool = [key for key in keys if states[key] in ("initial", "unhealthy")]
    if not pool:
        METER.unrouted += requests
        return
    counts, METER.cursors[group.arn] = round_robin(requests, len(pool), METER.cursors.get(group.arn, 0))
    for key, count in zip(pool, counts, strict=True):
        if count:
            _serve(balancer, group, group.targets[key], count, tasks_by_ip)


def _serve(
    balancer: Any, group: Any, target: dict[str, Any], requests: int, tasks_by_ip: dict[Any, Any]
) -> None:
    """Count requests to one target: its app's answers (5XX, response time); a dead task's, the ELB's 5XX."""
    ip, port = str(target["Id"]), int(target["Port"])
    task = tasks_by_ip.get((group.account_id, group.region_name, ip))
    sim = task_sim(task) if task is not None else None
    version = (sim.version if sim is not None else "") or UNKNOWN
    up = task is None or (task.last_status == "RUNNING" and task.desired_status == "RUNNING")
    target_5xx = _app_errors(task, sim, requests) if up else 0
    elb_5xx = 0 if up else requests
    for kind, key in (
        ("group", group.arn),
        ("target", f"{ip}:{port}"),
        ("version", version),
        ("group_version", (group.arn, version)),
    ):
        _tally(kind, key, requests, target_5xx, elb_5xx)
    period = METER.pending[(group.account_id, group.region_name, balancer.arn, group.arn)]
    period.requests += requests
    period.target_5xx += target_5xx
    if up:  # ALB: TargetResponseTime only of requests a target answered
        config = RUNTIME.config
        seconds = config.slow_response_seconds if sim and sim.behaviour.latency else config.response_seconds
        period.response_times[seconds] = period.response_times.get(seconds, 0) + requests


def _app_errors(task: Any, sim: TaskSim | None, requests: int) -> int:
    """How many of these requests a running app answers with 5XX: all (`-unhealthy`), a share (`-errors`)."""
    if sim is None:
        return 0
    if sim.behaviour.unhealthy:
        return requests
    if not sim.behaviour.errors:
        return 0
    percent = RUNTIME.config.error_percent
    credits = METER.answers.setdefault(task.task_arn, [0, 0])
    return split([percent, 100 - percent], requests, credits)[0]
