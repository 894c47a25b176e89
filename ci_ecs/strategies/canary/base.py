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
    """How every canary mode starts: inspect, check the image, render, replace, record, register.

    The canary is recorded in the service's tags (`record` when the mode records more) before this job
    starts anything of its own — its revision included —, so a killed job can be finished or ended; its
    undo is the mode's `remove` of that canary. The revision is added to the record once registered.
    """
    return (
        inspect,
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        replace,
        Step(
            "record the canary in the service's tags",
            record or (lambda: record_canary(ctx, job, mode)),
            lambda: _remove_ours(ctx, remove),
        ),
        Step("register the task definition", lambda: _register(ctx, job)),
    )


def _remove_ours(ctx: Context, remove: EndCanary) -> str:
    """Undo of recording the canary: remove it — unless another job's canary has replaced it since."""
    service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
    found, version = state.canary_of(service), ctx.require_release().version
    if found is not None and found.version != version:
        return f"left as it is: the canary is {found.version} now, not {version}"
    return remove(ctx, service)


def _render(ctx: Context, job: State) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, job: State) -> str:
    reuse = job.arn or state.canary_revision(job.live.service, ctx.require_release().version)
    job.arn, done = register_revision(ctx, job.live, job.new, reuse)
    if state.canary_revision(job.live.service, ctx.require_release().version) != job.arn:
        ecs.tag(ctx.aws, job.live.service["serviceArn"], {state.CANARY_TASK_DEFINITION: job.arn})
    return done


def record_canary(ctx: Context, job: State, mode: str) -> str:
    """Record this release's canary of `mode` (with its revision when known) in the service's tags."""
    version = ctx.require_release().version
    tags = {k: v for k, v in state.canary_tags(Canary(mode, version, job.arn)).items() if v}
    ecs.tag(ctx.aws, job.live.service["serviceArn"], tags)
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
