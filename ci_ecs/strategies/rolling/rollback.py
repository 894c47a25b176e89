"""`rollback` by a rolling update: choose the version to return to, then roll the service to it."""

from __future__ import annotations

import dataclasses

from ci_ecs.aws import ecs
from ci_ecs.errors import PreconditionError
from ci_ecs.model import Release
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, inspect_service, previous_in_forge
from ci_ecs.strategies.revision import find_revision, pin_image, provenance_of, render_revision
from ci_ecs.strategies.rolling import rollout
from ci_ecs.strategies.rolling.rollout import Job
from ci_ecs.strategies.state import Moved


def plan(ctx: Context, to: str | None) -> Plan:
    """Return the service to the previous good version (or `to`), by a rolling update."""
    s = ctx.settings
    job = Job(Moved(to or "the previous version"))
    return Plan(
        title=f"roll {s.service} (cluster {s.cluster}) back to {job.moved.version}",
        steps=(
            Step(f"inspect service {s.service}", lambda: _inspect(ctx, job, to), read_only=True),
            Step("register the task definition", lambda: register_target(ctx, job)),
            *rollout.steps(ctx, job),
            Step("record the rollback in the service's tags", lambda: record_rollback(ctx, job)),
        ),
        record=lambda status, reason: rollout.record(ctx, job, "rollback", status, reason),
    )


def _inspect(ctx: Context, job: Job, to: str | None) -> str:
    return choose_target(ctx, job, to, inspect_service(ctx, job.live, controller="ECS"))


def choose_target(ctx: Context, job: Job, to: str | None, summary: str) -> str:
    """Choose the version to return to (or `to`) for the inspected service (`summary`: what it runs)."""
    recorded = state.Recorded.of(job.live.service)
    current, current_arn = recorded.version, recorded.task_definition or job.live.arn
    if (to is None and recorded.rolled_back_from) or (to is not None and to == current):
        # Converge: a second rollback (or one to the live version) keeps what the first one recorded.
        return f"{summary}; {stay(job, recorded, current_arn)}"
    job.rolled_back_from = current or ecs.short_arn(current_arn)
    back = Moved("", "", current or None, current_arn)
    arn = ""
    if to is None and not recorded.previous_task_definition:
        # Nothing recorded in AWS: the forge may remember the previous good deployment.
        to, arn = previous_in_forge(ctx, job.live)
    if to is None or to == recorded.previous_version:
        job.moved = dataclasses.replace(
            back,
            version=recorded.previous_version or "previous",
            task_definition=recorded.previous_task_definition,
        )
        return (
            f"{summary}; rolling back from {current} to {job.moved.version} "
            f"({ecs.short_arn(job.moved.task_definition)})"
        )
    job.moved = dataclasses.replace(back, version=to, task_definition=arn)
    if arn:
        return f"{summary}; the forge's previous good deployment is {to} ({ecs.short_arn(arn)})"
    found = find_revision(ctx, job.live.task_definition["family"], to)
    if found:
        job.moved = job.moved.at(found)
        return f"{summary}; {to} is {ecs.short_arn(found)}"
    if ctx.settings.image is None:
        raise PreconditionError(
            f"rollback: no revision of {job.live.task_definition['family']} is tagged "
            f"{state.VERSION}={to}, and no `image` repository is configured to find the image tag in"
        )
    ctx.release = Release(dataclasses.replace(ctx.settings.image, tag=to, digest=None), to)
    pin_image(ctx)
    job.new = render_revision(ctx, job.live)
    return f"{summary}; no revision is tagged {to}: registering one for {ctx.release.reference}"


def stay(job: Job, recorded: state.Recorded, arn: str) -> str:
    """Keep the service on the recorded version (its revision `arn`): nothing to roll back."""
    job.moved = Moved(
        recorded.version, arn, recorded.previous_version or None, recorded.previous_task_definition
    )
    job.rolled_back_from, job.unchanged = recorded.rolled_back_from, True
    return f"already on {recorded.version}: nothing to roll back (use --to VERSION to go further)"


def register_target(ctx: Context, job: Job) -> str:
    """Register the revision of the version to return to, when none exists yet."""
    if not job.new:
        return f"not needed: {ecs.short_arn(job.moved.task_definition)} exists"
    registered = ecs.register_task_definition(ctx.aws, job.new)
    job.moved = job.moved.at(registered["taskDefinitionArn"])
    return f"registered {ecs.short_arn(job.moved.task_definition)}"


def record_rollback(ctx: Context, job: Job) -> str:
    """Record the rollback in the service's tags."""
    return state.write_release(
        ctx.aws,
        job.live.service,
        rollout.TECHNIQUE,
        job.moved,
        provenance_of(ctx, job.moved.task_definition),
        rolled_back_from=job.rolled_back_from,
    )
