"""`rollback` by ECS: roll back the deployment under way (at its pause or by stopping it), else deploy the
revision before."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from ci_ecs.aws import ecs
from ci_ecs.checks.native import short
from ci_ecs.errors import NothingToDo, PreconditionError
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import (
    Context,
    Live,
    check_rollback_scope,
    inspect_service,
    nothing_to_roll_back,
    previous_in_forge,
)
from ci_ecs.strategies.native import configuration as configs
from ci_ecs.strategies.native import pauses, steps
from ci_ecs.strategies.native.deploy import read_configuration
from ci_ecs.strategies.native.steps import TECHNIQUE, Job
from ci_ecs.strategies.revision import find_revision, provenance_of
from ci_ecs.strategies.state import Moved


@dataclass
class _Rollback:
    """The shared job, and what this rollback does: stop, redeploy, or nothing (already rolled back)."""

    job: Job
    to: str | None
    action: Literal["stop", "redeploy", ""] = ""
    rolled_back_from: str = ""
    unchanged: bool = False  # already rolled back: nothing to do


def plan(ctx: Context, to: str | None) -> Plan:
    """Roll back the deployment under way (production first), or deploy the previous revision."""
    s = ctx.settings
    back = _Rollback(Job(Moved(to or "the previous version")), to)
    job = back.job
    return Plan(
        title=f"roll {s.service} (cluster {s.cluster}) back by an ECS deployment",
        steps=(
            Step(f"inspect service {s.service}", lambda: _choose(ctx, back), read_only=True),
            Step("roll back the deployment under way", lambda: _stop(ctx, back)),
            Step(
                "start a deployment of the earlier revision",
                lambda: steps.start(ctx, job, pause=False) if back.action == "redeploy" else None,
                lambda: steps.stop(ctx, job) if back.action == "redeploy" else None,
            ),
            Step(
                "shift traffic",
                lambda: pauses.complete(ctx, job) if back.action == "redeploy" else None,
            ),
            Step("record the rollback in the service's tags", lambda: _record(ctx, back)),
        ),
        record=lambda status, reason: state.unchanged_if(
            back.unchanged,
            steps.deployment_record(ctx, job, "rollback", status, reason, back.rolled_back_from),
        ),
    )


def _choose(ctx: Context, back: _Rollback) -> str:
    job = back.job
    summary = inspect_service(ctx, job.live, controller="ECS")
    job.configuration, _ = read_configuration(ctx, job)
    configs.check(job.live.service, job.configuration, pause=False)
    found = steps.find_under_way(ctx, job)
    tags = ecs.tags_of(job.live.service)
    check_rollback_scope(ctx, tags)
    recorded = state.Recorded.of(job.live.service)
    current, current_arn = recorded.version, recorded.task_definition or job.live.arn
    under_way = job.under_way
    if under_way is not None and back.to in (None, current):
        back.action, back.rolled_back_from = "stop", under_way.version
        # What serves once it is rolled back: the recorded release (else learnt after the rollback).
        job.moved = Moved(
            current,
            recorded.task_definition,
            recorded.previous_version or None,
            recorded.previous_task_definition,
            deployment=under_way.arn,
        )
        return f"{summary}; {found}: rolling it back"
    if under_way is not None:
        raise PreconditionError(
            f"rollback: deployment {short(under_way.arn)} of {under_way.version} is under way — "
            "run `ci-ecs rollback` without --to first to roll it back"
        )
    unrecorded = bool(recorded.task_definition) and ecs.short_arn(job.live.arn) != ecs.short_arn(
        recorded.task_definition
    )
    # A deploy killed after its deployment began, which ECS then finished: live, never recorded.
    pending = tags.get(state.NATIVE_TASK_DEFINITION, "")
    pending_live = bool(pending) and ecs.short_arn(pending) == ecs.short_arn(job.live.arn)
    if pending_live and back.to is None and not recorded.task_definition:
        back.action, back.rolled_back_from = "redeploy", tags.get(state.NATIVE_VERSION, "")
        job.moved = _before(ctx, job).replacing((back.rolled_back_from, job.live.arn))
        return f"{summary}; rolling back from {back.rolled_back_from} to {job.moved.version}"
    if tags.get(state.NATIVE_VERSION) and not (unrecorded or pending_live) and back.to is None:
        # A canary that ended without a job (ECS rolled it back: an alarm, its pause's timeout; or a
        # rollback killed before it cleared them): the recorded release serves; clear the marks.
        if not ctx.dry_run:
            state.forget(ctx.aws, job.live.service, state.NATIVE_PENDING)
        raise NothingToDo(
            f"rollback: {tags[state.NATIVE_VERSION]} is not live and nothing of it is under way "
            "(its deployment ended)"
        )
    if (back.to is None and recorded.rolled_back_from and not unrecorded) or (
        back.to is not None and back.to == current and not unrecorded
    ):
        # Converge: a second rollback keeps what the first one did.
        job.moved = Moved(
            current, current_arn, recorded.previous_version or None, recorded.previous_task_definition
        )
        back.rolled_back_from, back.unchanged = recorded.rolled_back_from, True
        return f"{summary}; already on {current}: nothing to roll back (use --to VERSION to go further)"
    back.action = "redeploy"
    back.rolled_back_from = job.live.version(None) or ecs.short_arn(job.live.arn)
    job.moved = _target(ctx, job, back, recorded, unrecorded).replacing((back.rolled_back_from, job.live.arn))
    return f"{summary}; rolling back from {back.rolled_back_from} to {job.moved.version}"


def _target(ctx: Context, job: Job, back: _Rollback, recorded: state.Recorded, unrecorded: bool) -> Moved:
    """The release to deploy again: --to, the recorded one (when the live one never got recorded), or
    the one before it."""
    if back.to is None and unrecorded:
        return Moved(recorded.version, recorded.task_definition)
    to, arn = back.to, ""
    if to is None and not recorded.previous_task_definition:
        # Nothing recorded in AWS: the forge may remember the previous good deployment.
        to, arn = previous_in_forge(ctx, job.live)
    if recorded.previous_task_definition and to in (None, recorded.previous_version):
        return Moved(recorded.previous_version or "previous", recorded.previous_task_definition)
    if to is None:
        raise nothing_to_roll_back(ctx.settings.service)
    family = job.live.task_definition["family"]
    arn = arn or find_revision(ctx, family, to) or ""
    if not arn:
        raise PreconditionError(f"rollback: no revision of {family} is tagged {state.VERSION}={to}")
    return Moved(to, arn)


def _before(ctx: Context, job: Job) -> Moved:
    """What served before the service's last deployment (its source revision), when nothing is recorded."""
    source = steps.source_of_last(ctx, job)
    if not source:
        raise nothing_to_roll_back(ctx.settings.service)
    described = Live({}, *ecs.describe_task_definition(ctx.aws, source))
    return Moved(described.version(ctx.settings.image) or ecs.short_arn(source), source)


def _stop(ctx: Context, back: _Rollback) -> str | None:
    """Roll back the deployment under way; the recorded release serves again."""
    job = back.job
    if back.action != "stop" or job.under_way is None:
        return None
    said = steps.roll_back(ctx, job.under_way.arn, job.under_way.pause)
    # The pending marks stay until the record replaces them: a rerun after a kill here still knows.
    job.live.service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
    serving = str(job.live.service.get("taskDefinition", ""))
    if not job.moved.version:
        described = Live({}, *ecs.describe_task_definition(ctx.aws, serving))
        version = described.version(ctx.settings.image) or ecs.short_arn(serving)
        job.moved = dataclasses.replace(job.moved, version=version, task_definition=serving)
    return f"{said}; the service runs {ecs.short_arn(serving)} again"


def _record(ctx: Context, back: _Rollback) -> str:
    if not back.action:
        return "nothing to record"
    job = back.job
    return state.write_release(
        ctx.aws,
        job.live.service,
        TECHNIQUE,
        job.moved,
        provenance_of(ctx, job.moved.task_definition),
        rolled_back_from=back.rolled_back_from,
        clear=state.NATIVE_PENDING,
    )
