"""`rollback` of `services:`: each service of the job, what it runs, and the version it goes back to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ci_ecs.aws import ecs
from ci_ecs.checks.rollouts import watch_rollouts
from ci_ecs.errors import CiEcsError, DeploymentFailed, NothingToDo
from ci_ecs.model import ServiceState, Status
from ci_ecs.runner import Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, Live, check_rollback_scope, inspect_service
from ci_ecs.strategies.rolling import many, rollout
from ci_ecs.strategies.rolling.rollback import choose_target, stay
from ci_ecs.strategies.rolling.rollout import Job
from ci_ecs.strategies.several.own import Own
from ci_ecs.strategies.state import Moved


@dataclass
class Back:
    """One service of the rollback: by the batched rolling update (`member`) or by its technique's own
    rollback plan (`own`), and how far the job got with it."""

    ctx: Context
    how: str
    traffic: bool  # a load balancer sends it traffic: it goes back first
    member: many.Member | None = None
    own: Own | None = None
    left: str = ""  # why this job leaves it alone
    error: CiEcsError | None = None  # why its rollback failed
    interrupted: str = ""  # member: the version of a deploy that moved it but never recorded it
    ran: list[Step] = field(default_factory=list)  # own: its steps that ran, newest last

    @property
    def name(self) -> str:
        """The service as output names it (with its region when another service has its name)."""
        return self.ctx.settings.name

    @property
    def busy(self) -> bool:
        """Whether the job still has something to do with it (not left alone, not failed)."""
        return not self.left and self.error is None

    def fail(self, error: CiEcsError) -> str:
        """Mark its rollback failed; the others go on."""
        self.error = error
        return f"failed: {error}"


def inspect_members(ctx: Context, backs: list[Back], to: str | None) -> str:
    """Read each rolling service's live revision; choose which go back, and to which version."""
    summaries = {}
    for b in backs:
        try:
            summaries[b.name] = _inspect(b)
        except CiEcsError as exc:
            ctx.console.line(f"    {b.name}: {b.fail(exc)}")
    ours = [b for b in backs if b.busy]
    interrupted = {b.interrupted for b in ours if b.interrupted}
    rolled = {_recorded(b).version for b in ours if _recorded(b).rolled_back_from}
    for b in ours:
        try:
            line = _choose(b, to, interrupted, rolled, summaries[b.name])  # it starts with the name
        except CiEcsError as exc:
            line = f"{b.name}: {b.fail(exc)}"
        ctx.console.line(f"    {line}")
    going = [b for b in ours if b.busy and b.member is not None and not b.member.job.unchanged]
    return f"{len(going)} of {len(backs)} rolling service{'s' if len(backs) != 1 else ''} to roll back"


def _inspect(b: Back) -> str:
    """Read the live revision (the service was read already); learn of a deploy that never recorded."""
    assert b.member is not None
    live = b.member.job.live
    summary = inspect_service(b.ctx, live, controller="ECS")
    recorded = _recorded(b)
    if recorded.task_definition and ecs.short_arn(recorded.task_definition) != ecs.short_arn(live.arn):
        revision = Live({}, live.task_definition, live.task_definition_tags)
        b.interrupted = revision.version(None) or ecs.short_arn(live.arn)
    return summary


def _recorded(b: Back) -> state.Recorded:
    assert b.member is not None
    return state.Recorded.of(b.member.job.live.service)


def _choose(b: Back, to: str | None, interrupted: set[str], rolled: set[str], summary: str) -> str:
    """The version the service goes back to, or why it is left alone (raises what the one-service
    rollback would)."""
    assert b.member is not None
    job, recorded = b.member.job, _recorded(b)
    if to is None:
        b.left = _out_of_scope(b, interrupted)
        if b.left:
            return f"{summary}; left alone: {b.left}"
        if not b.interrupted and not recorded.rolled_back_from and recorded.version in rolled:
            # Another service of this release records its rollback: this one never moved (a killed deploy).
            arn = recorded.task_definition or job.live.arn
            return f"{summary}; {stay(job, recorded, arn)}"
    if b.interrupted and to in (None, recorded.version):
        job.rolled_back_from = b.interrupted
        job.moved = Moved(recorded.version, recorded.task_definition, b.interrupted, job.live.arn)
        return (
            f"{summary}; a deploy of {b.interrupted} moved it but never recorded it: rolling back to "
            f"{recorded.version} ({ecs.short_arn(recorded.task_definition)})"
        )
    return choose_target(b.ctx, job, to, summary)


def _out_of_scope(b: Back, interrupted: set[str]) -> str:
    """Why a rollback without --to leaves the service alone: in a pipeline, its release is not the
    pipeline's; else, a deploy of the job was interrupted and the service is not on its version ('': it
    goes back)."""
    assert b.member is not None
    live = b.member.job.live
    if b.ctx.pipeline_release is not None:
        try:
            check_rollback_scope(b.ctx, ecs.tags_of(live.service))
            return ""
        except NothingToDo as exc:
            if not b.interrupted:
                return str(exc)
            try:  # the revision the killed deploy moved it to: ci-ecs tagged it with its release
                check_rollback_scope(b.ctx, {t["key"]: t["value"] for t in live.task_definition_tags})
                return ""
            except NothingToDo:
                return str(exc)
    version = b.interrupted or _recorded(b).version
    if interrupted and version not in interrupted:
        half_way = ", ".join(sorted(interrupted))
        return f"on {version}, not on {half_way}, the release a killed deploy left half-way"
    return ""


def each(ctx: Context, members: list[Back], do: Callable[[Context, Job], str]) -> str:
    """Do a step of the one-service rollback for each rolling service that goes back, a line each."""
    for b in going_back(members):
        assert b.member is not None
        ctx.console.line(f"    {b.name}: {do(b.ctx, b.member.job)}")
    return ""


def going_back(members: list[Back]) -> list[Back]:
    """The rolling services that go back (not left alone, failed or already back)."""
    return [b for b in members if b.busy and b.member is not None and not b.member.job.unchanged]


def update_step(ctx: Context, ours: list[Back]) -> Step:
    """Point these rolling services at the versions they go back to, at once; undo (a failed or cancelled
    job): put back those that have not completed."""
    names = ", ".join(b.name for b in ours)

    def run() -> str:
        moving = going_back(ours)
        for b in moving:
            assert b.member is not None
            ctx.console.line(f"    {b.name}: {rollout.update(b.ctx, b.member.job)}")
            b.member.updated = True
        return f"{len(moving)} updated" + ("" if moving else " (none goes back)")

    def undo() -> str:
        for b in ours:
            m = b.member
            if m is not None and m.updated and not m.done:
                ctx.console.line(f"    {b.name}: {rollout.restore(b.ctx, m.job)}")
        return ""

    return Step(f"roll back service{'s' if len(ours) > 1 else ''} {names}", run, undo)


def wait(ctx: Context, members: list[Back]) -> str:
    """Follow every rolling service going back at once (DescribeServices 10 a call); a failed one is
    tagged and failed, the others still complete."""
    moving = going_back(members)
    if not moving:
        return "none to follow"
    followed = []
    for b in moving:
        assert b.member is not None
        followed.append(many.following(b.ctx, b.member.job.moved))
    results = watch_rollouts(
        ctx.aws,
        tuple(followed),
        ctx.settings.wait,
        ctx.console,
        circuit_breaker=ctx.settings.circuit_breaker,
        fail_fast=False,
    )
    for b, f in zip(moving, followed, strict=True):
        m, result = b.member, results.get(f)
        assert m is not None
        if result is not None and result.ok:
            m.done = True
            continue
        reason = result.reason if result is not None else "no result"
        arn = (result.seen.get("serviceArn") if result is not None else None) or m.job.live.service[
            "serviceArn"
        ]
        ecs.tag(b.ctx.aws, arn, {state.FAILED_VERSION: m.job.moved.version, state.FAILED_AT: state.now()})
        b.fail(DeploymentFailed(reason))
    failed = [b.name for b in moving if not b.busy]
    return f"{len(moving) - len(failed)} back" + (f"; {', '.join(failed)} failed" if failed else "")


def unchanged(b: Back) -> bool:
    """Whether the job found the service already back."""
    if b.member is not None:
        return b.member.job.unchanged
    record = b.own.record("success", None) if b.own is not None else None
    return record is not None and record.unchanged


def where(b: Back, status: Status) -> tuple[ServiceState, str]:
    """Where the service is at the end of the job, and which version that is in words."""
    failed = f": {b.error}" if b.error is not None else ""
    if b.left:
        return "left alone", f"left alone ({b.left})"
    if b.member is not None:
        job_ = b.member.job
        on = f"{job_.moved.version} ({ecs.short_arn(job_.moved.task_definition)})"
        back = b.member.done
        was = job_.rolled_back_from or ecs.short_arn(job_.moved.previous_task_definition)
    elif b.own is not None:
        record = b.own.record("success" if b.error is None else "failed", None)
        if record is None:
            return (
                ("rolled back", "rolled back")
                if b.own.done
                else ("not rolled back", f"not rolled back{failed}")
            )
        on = f"{record.version} ({ecs.short_arn(record.task_definition)})"
        back, was = b.own.done, record.details.get("rolled_back_from") or record.previous_version or ""
    else:
        return "not rolled back", f"not rolled back{failed}"
    if unchanged(b):
        return "already rolled back", f"{on}, already rolled back"
    if b.error is not None or (status != "success" and not back):
        return "not rolled back", f"{was or 'as it was'}, not rolled back{failed}"
    return "rolled back", f"{on}, rolled back" + (f" from {was}" if was else "")
