"""Several services of one job by rolling update: inspected, registered, updated and followed together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ci_ecs.aws import ecs
from ci_ecs.checks.rollouts import Followed, by_place, watch_rollouts
from ci_ecs.errors import AwsError, DeploymentFailed
from ci_ecs.model import ServiceState, Status
from ci_ecs.output import counted
from ci_ecs.runner import Step
from ci_ecs.strategies import canary, state
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.rolling import rollout
from ci_ecs.strategies.rolling.deploy import inspect_live, record, register, render_new
from ci_ecs.strategies.rolling.rollout import Job
from ci_ecs.strategies.state import Moved


@dataclass
class Member:
    """One service of the job deployed by rolling update: its own context and what its steps learn."""

    ctx: Context
    job: Job
    updated: bool = False  # this job pointed it at the new revision
    done: bool = False  # its rollout completed
    recorded: bool = False

    @property
    def name(self) -> str:
        """The service as output names it (with its region when another service has its name)."""
        return self.ctx.settings.name

    @property
    def takes_traffic(self) -> bool:
        """Whether a load balancer sends it traffic (as found before the job)."""
        return bool(self.job.live.service.get("loadBalancers"))


def member(ctx: Context) -> Member:
    """A service of the job (`ctx`: its own context) before anything is known of it."""
    return Member(ctx, Job(Moved(ctx.require_release().version)))


def each(
    ctx: Context, members: list[Member], do: Callable[[Context, Job], str], *, named: bool = True
) -> str:
    """Do a step of the one-service deploy for every service, a line each (`named`: by the service's name,
    unless the line starts with it already)."""
    for m in members:
        ctx.console.line(f"    {m.name}: {do(m.ctx, m.job)}" if named else f"    {do(m.ctx, m.job)}")
    return counted(len(members), "service")


def inspect_all(ctx: Context, members: list[Member]) -> str:
    """Read the services 10 a call (per region, account and cluster), then each one's live revision."""
    for ours in by_place(members, lambda m: (m.ctx.aws, m.ctx.settings.cluster)):
        first = ours[0].ctx
        try:
            names = [m.ctx.settings.service for m in ours]
            found = ecs.describe_services(first.aws, first.settings.cluster, names)
        except AwsError:
            found = {}  # each service's own DescribeServices then says what is wrong, as for one service
        for m in ours:
            service = found.get(m.ctx.settings.service, {})
            m.job.live.service = service if service.get("status") == "ACTIVE" else {}
    return each(ctx, members, inspect_live, named=False)  # its summary starts with the service's name


def render_all(ctx: Context, members: list[Member]) -> str:
    """Render each service's new revision."""
    return each(ctx, members, render_new)


def register_all(ctx: Context, members: list[Member]) -> str:
    """Register (or reuse) each service's revision."""
    return each(ctx, members, register)


def update_step(ctx: Context, wave: list[Member]) -> Step:
    """Point the wave's services at their new revisions at once; its undo puts them back, those that take
    traffic first."""
    names = ", ".join(m.name for m in wave)
    label = f"update service{'s' if len(wave) > 1 else ''} {names}"
    return Step(label, lambda: _update(ctx, wave), lambda: _undo(ctx, wave))


def _update(ctx: Context, wave: list[Member]) -> str:
    for m in wave:
        m.updated = True  # before the call: a call that fails may have moved it all the same
        ctx.console.line(f"    {m.name}: {rollout.update(m.ctx, m.job)}")
    return f"{len(wave)} updated"


def _undo(ctx: Context, wave: list[Member]) -> str:
    """Put the wave's services back (unless `keep` keeps those that rolled out), traffic first."""
    keep = ctx.settings.on_failure == "keep"
    for m in sorted((m for m in wave if m.updated), key=lambda m: not m.takes_traffic):
        if keep and m.done:
            ctx.console.line(f"    {m.name}: kept on {m.job.moved.version} (on_failure: keep)")
        else:
            ctx.console.line(f"    {m.name}: {rollout.restore(m.ctx, m.job)}")
    return ""


def wait_step(ctx: Context, wave: list[Member], on_failure: Callable[[], object]) -> Step:
    """Follow the wave's rollouts together (`on_failure`: what `keep` records before the job fails)."""
    names = ", ".join(m.name for m in wave)
    return Step(f"wait for the rollout of {names}", lambda: _wait(ctx, wave, on_failure))


def _wait(ctx: Context, wave: list[Member], on_failure: Callable[[], object]) -> str:
    """Follow the rollouts; a failure tags the failed service and, with `keep`, records the release on
    the services that made it."""
    s = ctx.settings
    keep = s.on_failure == "keep"
    followed = tuple(following(m.ctx, m.job.moved) for m in wave)
    results = watch_rollouts(
        ctx.aws, followed, s.wait, ctx.console, circuit_breaker=s.circuit_breaker, fail_fast=not keep
    )
    failed = []
    for m, f in zip(wave, followed, strict=True):
        result = results.get(f)
        if result is not None and result.ok:
            m.done = True
        elif result is not None:
            arn = result.seen.get("serviceArn") or m.job.live.service["serviceArn"]
            tags = {state.FAILED_VERSION: m.job.moved.version, state.FAILED_AT: state.now()}
            ecs.tag(m.ctx.aws, arn, tags)
            failed.append(f"{m.name}: {result.reason}")
    if failed:
        if keep:
            on_failure()
        raise DeploymentFailed("; ".join(failed))
    version = wave[0].job.moved.version
    return f"{version} is live on " + ", ".join(ecs.short_arn(m.job.moved.task_definition) for m in wave)


def following(one: Context, moved: Moved) -> Followed:
    """The deployment `moved` started on the service (`one`: its own context), to follow."""
    s = one.settings
    return Followed(s.cluster, s.service, moved.deployment, moved.previous_task_definition, one.aws, s.name)


def record_all(members: list[Member]) -> str:
    """Record the release in the tags of each service that rolled out (once)."""
    lines = []
    for m in members:
        if m.done and not m.recorded:
            lines.append(f"{m.name}: {record(m.ctx, m.job)}")
            m.recorded = True
    return "; ".join(lines) or "nothing to record"


def end_canaries(ctx: Context, members: list[Member]) -> str:
    """Remove the canary each service that rolled out records (by its own mode): its revision is live."""
    ended = [m for m in members if m.done and state.canary_of(m.job.live.service) is not None]
    for m in ended:
        ctx.console.line(f"    {m.name}: {canary.end_recorded(m.ctx, m.job.live.service)}")
    return f"{counted(len(ended), 'canary', 'canaries')} removed" if ended else "no canary"


def finish(ctx: Context, members: list[Member]) -> str:
    """What ends the deploy of the services that rolled out: their release recorded, their canaries
    removed (with `keep`, before the job fails)."""
    recorded = record_all(members)
    end_canaries(ctx, members)
    return recorded


def where(m: Member, status: Status, keep: bool) -> tuple[ServiceState, str]:
    """Where a service is at the end of the job, and which version that is in words."""
    moved = m.job.moved
    new = f"{moved.version} ({ecs.short_arn(moved.task_definition)})"
    previous = moved.previous_version or "the previous version"
    old = f"{previous} ({ecs.short_arn(moved.previous_task_definition)})"
    if status == "success":
        return "deployed", new
    if m.done and keep:
        return "kept", f"{new}, kept"
    return ("rolled back", f"{old}, rolled back") if m.updated else ("not deployed", f"{old}, not deployed")
