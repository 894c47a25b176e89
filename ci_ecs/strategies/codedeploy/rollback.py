"""`rollback` by CodeDeploy: stop the deployment under way with rollback, else redeploy an older revision."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from ci_ecs.aws import ecs
from ci_ecs.errors import PreconditionError
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.codedeploy import group as groups
from ci_ecs.strategies.codedeploy import steps
from ci_ecs.strategies.codedeploy.appspec import primary_task_definition
from ci_ecs.strategies.codedeploy.steps import TECHNIQUE, Job
from ci_ecs.strategies.context import (
    Context,
    Live,
    check_rollback_scope,
    inspect_service,
    previous_in_forge,
)
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
    """Stop the deployment under way (production back on the original), or deploy the previous revision."""
    s = ctx.settings
    back = _Rollback(Job(Moved(to or "the previous version")), to)
    job = back.job
    return Plan(
        title=f"roll {s.service} (cluster {s.cluster}) back by CodeDeploy blue/green",
        steps=(
            Step(f"inspect service {s.service}", lambda: _choose(ctx, back), read_only=True),
            Step("stop the deployment under way with rollback", lambda: _stop(ctx, back)),
            Step(
                "start a deployment of the earlier revision",
                lambda: steps.start(ctx, job, "rollback") if back.action == "redeploy" else None,
                lambda: steps.stop(ctx, job),
            ),
            Step("wait until the replacement is ready", lambda: steps.wait_ready(ctx, job)),
            Step("shift production traffic", lambda: steps.shift(ctx, job)),
            Step("record the rollback in the service's tags", lambda: _record(ctx, back)),
        ),
        record=lambda status, reason: state.unchanged_if(
            back.unchanged,
            steps.deployment_record(ctx, job, "rollback", status, reason, back.rolled_back_from),
        ),
    )


def _choose(ctx: Context, back: _Rollback) -> str:
    job = back.job
    summary = inspect_service(ctx, job.live, controller="CODE_DEPLOY")
    job.group, _ = groups.read(ctx.aws, ctx.settings, hold=False)
    found = steps.find_active(ctx, job)
    check_rollback_scope(ctx, ecs.tags_of(job.live.service))
    recorded = state.Recorded.of(job.live.service)
    current, current_arn = recorded.version, recorded.task_definition or job.live.arn
    if job.active is not None and back.to in (None, current):
        back.action, back.rolled_back_from = "stop", job.active.version
        return f"{summary}; {found}: stopping it"
    if (back.to is None and recorded.rolled_back_from) or (back.to is not None and back.to == current):
        # Converge: a second rollback keeps what the first one did.
        job.moved = Moved(
            current, current_arn, recorded.previous_version or None, recorded.previous_task_definition
        )
        back.rolled_back_from, back.unchanged = recorded.rolled_back_from, True
        return f"{summary}; already on {current}: nothing to roll back (use --to VERSION to go further)"
    if job.active is not None:
        raise PreconditionError(
            f"rollback: deployment {job.active.id} of {job.active.version} is under way — "
            "run `ci-ecs rollback` without --to first to stop it"
        )
    back.action, back.rolled_back_from = "redeploy", current or ecs.short_arn(current_arn)
    to, arn = back.to, ""
    if to is None and not recorded.previous_task_definition:
        # Nothing recorded in AWS: the forge may remember the previous good deployment.
        to, arn = previous_in_forge(ctx, job.live)
    if recorded.previous_task_definition and to in (None, recorded.previous_version):
        target = Moved(recorded.previous_version or "previous", recorded.previous_task_definition)
    else:
        assert to is not None
        family = job.live.task_definition["family"]
        arn = arn or find_revision(ctx, family, to) or ""
        if not arn:
            raise PreconditionError(f"rollback: no revision of {family} is tagged {state.VERSION}={to}")
        target = Moved(to, arn)
    job.moved = target.replacing((current or None, current_arn))
    revision = ecs.short_arn(target.task_definition)
    return f"{summary}; rolling back from {current} to {target.version} ({revision})"


def _stop(ctx: Context, back: _Rollback) -> str | None:
    """Stop with rollback; then learn from AWS which revision production runs again."""
    job, stopped = back.job, back.job.active
    if back.action != "stop" or stopped is None:
        return None
    job.moved = Moved(job.moved.version, deployment=stopped.id)
    said = steps.stop(ctx, job)
    job.active = None  # nothing left to wait for
    job.live.service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
    back_on = primary_task_definition(job.live.service)
    recorded = state.Recorded.of(job.live.service)
    was = (stopped.version, stopped.task_definition)
    if ecs.short_arn(back_on) == ecs.short_arn(stopped.task_definition):
        # CodeDeploy had already removed the original task set: deploy the release before it again.
        if recorded.task_definition and ecs.short_arn(recorded.task_definition) != ecs.short_arn(back_on):
            target = Moved(recorded.version, recorded.task_definition)
        else:
            target = Moved(recorded.previous_version or "previous", recorded.previous_task_definition)
        if not target.task_definition:
            raise PreconditionError(f"rollback: {said}, but no earlier revision is recorded to deploy again")
        job.moved = target.replacing(was)
        back.action = "redeploy"
        revision = ecs.short_arn(target.task_definition)
        return f"{said}; its original task set was already gone: deploying {revision} again"
    if ecs.short_arn(back_on) == ecs.short_arn(recorded.task_definition):
        # A canary (or a deploy not recorded yet) ended: the recorded release never stopped being live.
        job.moved = Moved(
            recorded.version, back_on, recorded.previous_version or None, recorded.previous_task_definition
        )
    elif ecs.short_arn(back_on) == ecs.short_arn(recorded.previous_task_definition):
        # Stopped in the termination wait: the release before it is live again.
        job.moved = Moved(recorded.previous_version, back_on).replacing(was)
    else:
        job.moved = Moved("", back_on).replacing(was)
    if not job.moved.version:
        described = Live({}, *ecs.describe_task_definition(ctx.aws, back_on))
        version = described.version(ctx.settings.image) or ecs.short_arn(back_on)
        job.moved = dataclasses.replace(job.moved, version=version)
    return f"{said}; production runs {ecs.short_arn(back_on)} ({job.moved.version}) again"


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
        clear=state.CODEDEPLOY_PENDING,
    )
