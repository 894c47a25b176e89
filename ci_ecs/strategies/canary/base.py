"""What every canary mode shares: how its plan starts, its record in the service's tags, its job record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs
from ci_ecs.checks import Endpoint
from ci_ecs.model import DeploymentRecord, Status, TechniqueName
from ci_ecs.runner import Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, EndCanary, Live
from ci_ecs.strategies.revision import pin_image, register_revision, render_revision
from ci_ecs.strategies.state import Canary, Moved


@dataclass
class State:
    """What the first steps of a canary plan learn: the live service, the rendered revision, its ARN."""

    live: Live = field(default_factory=Live)
    new: dict[str, Any] = field(default_factory=dict)
    arn: str = ""


def first_steps(
    ctx: Context,
    job: State,
    *,
    inspect: Step,
    replace: Step,
    mode: str,
    remove: EndCanary,
    record: Callable[[], str] | None = None,
) -> tuple[Step, ...]:
    """How every canary mode starts: inspect, check the image, render, replace, register, record the canary.

    Recording writes the canary into the service's tags (`record` when the mode records more) before
    anything starts, so a killed job can be finished; its undo is the mode's `remove` of that canary.
    """
    return (
        inspect,
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        replace,
        Step("register the task definition", lambda: _register(ctx, job)),
        Step(
            "record the canary in the service's tags",
            record or (lambda: record_canary(ctx, job, mode)),
            lambda: remove(ctx, ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)),
        ),
    )


def _render(ctx: Context, job: State) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, job: State) -> str:
    reuse = state.canary_revision(job.live.service, ctx.require_release().version)
    job.arn, done = register_revision(ctx, job.live, job.new, reuse)
    return done


def record_canary(ctx: Context, job: State, mode: str) -> str:
    """Record this release's canary of `mode` (revision `job.arn`) in the service's tags."""
    version = ctx.require_release().version
    ecs.tag(ctx.aws, job.live.service["serviceArn"], state.canary_tags(Canary(mode, version, job.arn)))
    return f"{state.CANARY_VERSION}={version}"


def deploy_record(ctx: Context, mode: str, job: State) -> Callable[[Status, str | None], DeploymentRecord]:
    """The record of a `canary-deploy`: the canary's version beside the stable one."""

    def record(status: Status, reason: str | None) -> DeploymentRecord:
        release, live = ctx.require_release(), job.live
        moved = Moved(release.version, job.arn, live.version(release.image), live.arn)
        technique = technique_of(mode)
        return state.deployment_record(
            ctx.job("canary-deploy", technique),
            moved,
            status,
            reason,
            ctx.aws.calls,
            {"image": release.reference},
        )

    return record


def technique_of(mode: str) -> TechniqueName:
    """The technique name a canary of `mode` reports: canary-task, canary-service or canary-taskset."""
    names: dict[str, TechniqueName] = {
        "task": "canary-task",
        "service": "canary-service",
        "taskset": "canary-taskset",
    }
    return names[mode]


def even_share(ctx: Context, service: dict[str, Any], targets: dict[str, list[Endpoint]]) -> float | None:
    """The canary's share of the traffic: its part of the healthy targets (an ALB spreads requests evenly)."""
    ours = {e for endpoints in targets.values() for e in endpoints}
    return checks.traffic_share(ctx.aws, sorted(targets), ours) if targets else None
