"""Move a service to a revision by a rolling update and follow it: the steps deploy and rollback share."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs
from ci_ecs.errors import DeploymentFailed
from ci_ecs.model import Command, DeploymentRecord, Status, TechniqueName
from ci_ecs.runner import Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, Live
from ci_ecs.strategies.state import Moved

TECHNIQUE: TechniqueName = "rolling"


@dataclass
class Job:
    """What a rolling plan's steps learn from each other; `moved` is replaced as they learn more."""

    moved: Moved
    live: Live = field(default_factory=Live)
    new: dict[str, Any] = field(default_factory=dict)  # a revision to register ({}: none needed)
    rolled_back_from: str = ""  # the newer version this job replaces by an older one
    unchanged: bool = False  # a rollback that found the service already rolled back


def steps(ctx: Context, job: Job) -> tuple[Step, Step]:
    """Update the service to `job.moved` (undone by putting back the revision it replaced), then follow it."""
    service = ctx.settings.service
    return (
        Step(f"update service {service}", lambda: update(ctx, job), lambda: restore(ctx, job)),
        Step("wait for the rollout", lambda: wait(ctx, job)),
    )


def update(ctx: Context, job: Job) -> str:
    """Point the service at the revision, or follow the deployment that already does (a re-run)."""
    moved, primary = job.moved, ecs.primary_deployment(job.live.service)
    if ecs.short_arn(primary.get("taskDefinition", "")) == ecs.short_arn(moved.task_definition):
        job.moved = dataclasses.replace(moved, deployment=primary["id"])
        revision = ecs.short_arn(moved.task_definition)
        return f"the service is already on {revision}: following deployment {primary['id']}"
    service = ecs.update_service(
        ctx.aws, job.live.service, moved.task_definition, circuit_breaker=ctx.settings.circuit_breaker
    )
    job.moved = dataclasses.replace(moved, deployment=ecs.primary_deployment(service).get("id", ""))
    breaker = "on" if ctx.settings.circuit_breaker else "off"
    return f"deployment {job.moved.deployment} started (circuit breaker {breaker})"


def wait(ctx: Context, job: Job) -> str:
    """Follow the deployment; on failure record it in the service's tags and raise DeploymentFailed."""
    s, moved = ctx.settings, job.moved
    result = checks.watch_rollout(
        ctx.aws,
        s.cluster,
        s.service,
        moved.deployment,
        s.wait,
        ctx.console,
        circuit_breaker=s.circuit_breaker,
        previous=moved.previous_task_definition or None,
    )
    if result.ok:
        return f"{moved.version} is live on {ecs.short_arn(moved.task_definition)}"
    service_arn = result.seen.get("serviceArn") or job.live.service["serviceArn"]
    ecs.tag(ctx.aws, service_arn, {state.FAILED_VERSION: moved.version, state.FAILED_AT: state.now()})
    if result.ecs_rolled_back:
        back_to = ecs.short_arn(result.seen.get("taskDefinition", moved.previous_task_definition))
        raise DeploymentFailed(f"{result.reason} — ECS is rolling the service back to {back_to}")
    raise DeploymentFailed(result.reason)


def restore(ctx: Context, job: Job) -> str:
    """Undo of `update`: put the service back on the revision it replaced, unless ECS already did."""
    s, moved = ctx.settings, job.moved
    previous = moved.previous_task_definition
    if not previous or ecs.short_arn(previous) == ecs.short_arn(moved.task_definition):
        return "nothing to restore: no earlier revision"
    service = ecs.describe_service(ctx.aws, s.cluster, s.service)
    now_on = ecs.short_arn(service.get("taskDefinition", ""))
    if now_on == ecs.short_arn(previous):
        return f"the service is back on {ecs.short_arn(previous)}"
    if now_on != ecs.short_arn(moved.task_definition):
        # Someone else moved the service since: their change stands, ours is no longer there to undo.
        return f"left as it is: the service now runs {now_on}, which this job did not deploy"
    updated = ecs.update_service(ctx.aws, service, previous, circuit_breaker=s.circuit_breaker)
    deployment = ecs.primary_deployment(updated).get("id")
    return f"rolling back to {ecs.short_arn(previous)}: deployment {deployment}"


def record(ctx: Context, job: Job, command: Command, status: Status, reason: str | None) -> DeploymentRecord:
    """The DeploymentRecord of a rolling deploy or rollback."""
    details = {"deployment": job.moved.deployment, "rolled_back_from": job.rolled_back_from}
    if ctx.release is not None:
        details["image"] = ctx.release.reference
    return state.unchanged_if(
        job.unchanged,
        state.deployment_record(
            ctx.job(command, TECHNIQUE), job.moved, status, reason, ctx.aws.calls, details
        ),
    )
