"""`deploy` of `services:`: one release to several services by rolling update, wave by wave, all or none."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ci_ecs.aws import ecs
from ci_ecs.checks.rollouts import Followed, watch_rollouts
from ci_ecs.errors import AwsError, DeploymentFailed
from ci_ecs.model import DeploymentRecord, Status
from ci_ecs.runner import Plan, Step
from ci_ecs.settings import of_service
from ci_ecs.settings.services import ServiceEntry, waves
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.revision import pin_image
from ci_ecs.strategies.rolling import rollout
from ci_ecs.strategies.rolling.deploy import _inspect, _record, _register, _render
from ci_ecs.strategies.rolling.rollout import Job
from ci_ecs.strategies.state import Moved


@dataclass
class Member:
    """One service of the job: its own context (settings of that service) and what its steps learn."""

    ctx: Context
    job: Job
    updated: bool = False  # this job pointed it at the new revision
    done: bool = False  # its rollout completed
    recorded: bool = False


def member(ctx: Context, entry: ServiceEntry) -> Member:
    """The service's context: the top-level settings with its own service, cluster and container."""
    own = dataclasses.replace(ctx, settings=of_service(ctx.settings, entry))
    return Member(own, Job(Moved(ctx.require_release().version)))


def plan(ctx: Context) -> Plan:
    """Pin the image once, register a revision per service, roll each wave out at once, record each."""
    release = ctx.require_release()
    groups = waves(ctx.settings.services)
    members = {e.service: member(ctx, e) for wave in groups for e in wave}
    names = ", ".join(members)
    steps: list[Step] = [
        Step(f"inspect services {names}", lambda: _inspect_all(ctx, members), read_only=True),
        Step("check the image", lambda: _pin(ctx, members), read_only=True),
        Step("render the task definitions", lambda: _each(ctx, members, _render), read_only=True),
        Step("register the task definitions", lambda: _each(ctx, members, _register)),
    ]
    for wave in groups:
        ours = tuple(members[e.service] for e in wave)
        steps += [_update_step(ctx, m) for m in ours]
        steps.append(Step(f"wait for the rollout of {_names(ours)}", partial(_wait, ctx, ours, members)))
    steps.append(Step("record the release in each service's tags", lambda: _record_all(members)))
    return Plan(
        title=f"deploy {release.version} to services {names} by rolling update "
        f"({len(groups)} wave{'s' if len(groups) > 1 else ''}, on failure {ctx.settings.on_failure})",
        steps=tuple(steps),
        record=lambda status, reason: _deployment_record(ctx, members, status, reason),
    )


def _update_step(ctx: Context, m: Member) -> Step:
    """Point one service at its new revision; its undo puts it back (see `_undo`)."""
    return Step(f"update service {m.ctx.settings.service}", partial(_update, m), partial(_undo, ctx, m))


def _names(members: tuple[Member, ...] | list[Member]) -> str:
    return ", ".join(m.ctx.settings.service for m in members)


def _each(ctx: Context, members: dict[str, Member], do: Callable[[Context, Job], str]) -> str:
    """Do a step of the one-service deploy for every service, a line each."""
    for name, m in members.items():
        ctx.console.line(f"    {name}: {do(m.ctx, m.job)}")
    return f"{len(members)} services"


def _inspect_all(ctx: Context, members: dict[str, Member]) -> str:
    """Read the services 10 a call, then each one's live revision."""
    for cluster in dict.fromkeys(m.ctx.settings.cluster for m in members.values()):
        ours = [m for m in members.values() if m.ctx.settings.cluster == cluster]
        try:
            found = ecs.describe_services(ctx.aws, cluster, [m.ctx.settings.service for m in ours])
        except AwsError:
            found = {}  # each service's own DescribeServices then says what is wrong, as for one service
        for m in ours:
            service = found.get(m.ctx.settings.service, {})
            m.job.live.service = service if service.get("status") == "ACTIVE" else {}
    return _each(ctx, members, _inspect)


def _pin(ctx: Context, members: dict[str, Member]) -> str:
    done = pin_image(ctx)
    for m in members.values():  # one release, pinned once, for every service
        m.ctx.release = ctx.release
    return done


def _update(m: Member) -> str:
    done = rollout.update(m.ctx, m.job)
    m.updated = True
    return done


def _undo(ctx: Context, m: Member) -> str:
    """Undo of a service's update: put it back, unless `keep` keeps a service that rolled out."""
    if ctx.settings.on_failure == "keep" and m.done:
        return f"kept on {m.job.moved.version} (on_failure: keep)"
    return rollout.restore(m.ctx, m.job)


def _wait(ctx: Context, wave: tuple[Member, ...], members: dict[str, Member]) -> str:
    """Follow the wave's rollouts together; a failure tags the failed service and, with `keep`,
    records the release on the services that made it."""
    s = ctx.settings
    followed = tuple(
        Followed(
            m.ctx.settings.cluster,
            m.ctx.settings.service,
            m.job.moved.deployment,
            m.job.moved.previous_task_definition,
        )
        for m in wave
    )
    keep = s.on_failure == "keep"
    results = watch_rollouts(
        ctx.aws, followed, s.wait, ctx.console, circuit_breaker=s.circuit_breaker, fail_fast=not keep
    )
    failed = []
    for m in wave:
        result = results.get(m.ctx.settings.service)
        if result is not None and result.ok:
            m.done = True
        elif result is not None:
            arn = result.seen.get("serviceArn") or m.job.live.service["serviceArn"]
            ecs.tag(ctx.aws, arn, {state.FAILED_VERSION: m.job.moved.version, state.FAILED_AT: state.now()})
            failed.append(f"{m.ctx.settings.service}: {result.reason}")
    if failed:
        if keep:
            _record_all(members)
        raise DeploymentFailed("; ".join(failed))
    version = wave[0].job.moved.version
    return f"{version} is live on " + ", ".join(ecs.short_arn(m.job.moved.task_definition) for m in wave)


def _record_all(members: dict[str, Member]) -> str:
    lines = []
    for name, m in members.items():
        if m.done and not m.recorded:
            lines.append(f"{name}: {_record(m.ctx, m.job)}")
            m.recorded = True
    return "; ".join(lines) or "nothing to record"


def where(ctx: Context, m: Member, status: Status) -> str:
    """Which version a service is on at the end of the job, in words."""
    moved = m.job.moved
    new = f"{moved.version} ({ecs.short_arn(moved.task_definition)})"
    previous = moved.previous_version or "the previous version"
    old = f"{previous} ({ecs.short_arn(moved.previous_task_definition)})"
    if status == "success":
        return new
    if m.done and ctx.settings.on_failure == "keep":
        return f"{new}, kept"
    return f"{old}, rolled back" if m.updated else f"{old}, not deployed"


def _deployment_record(
    ctx: Context, members: dict[str, Member], status: Status, reason: str | None
) -> DeploymentRecord:
    first = next(iter(members.values()))
    record = rollout.record(first.ctx, first.job, "deploy", status, reason)
    started = status != "in_progress"
    on = "; ".join(f"{name} {where(ctx, m, status)}" for name, m in members.items()) if started else ""
    clusters = ", ".join(dict.fromkeys(m.ctx.settings.cluster for m in members.values()))
    return dataclasses.replace(
        record,
        service=", ".join(members),
        cluster=clusters,
        task_definition="",
        details={**record.details, "services": on, "deployment": ""},
        api_calls=dict(ctx.aws.calls),
    )
