"""What every canary mode shares: how its plan starts, its record in the service's tags, its job record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.analysis import metrics as analysis
from ci_ecs.aws import ecs, elbv2
from ci_ecs.checks import Endpoint
from ci_ecs.errors import PreconditionError
from ci_ecs.model import DeploymentRecord, Status, TechniqueName
from ci_ecs.runner import Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, EndCanary, Live
from ci_ecs.strategies.judged import judge_step
from ci_ecs.strategies.revision import pin_image, register_revision, render_revision
from ci_ecs.strategies.state import Canary, Moved


@dataclass
class State:
    """What the first steps of a canary plan learn: the live service, the rendered revision, its ARN."""

    live: Live = field(default_factory=Live)
    new: dict[str, Any] = field(default_factory=dict)
    arn: str = ""
    subject: analysis.Subject | None = None  # what the canary analysis measures (when configured)


def first_steps(
    ctx: Context,
    job: State,
    *,
    inspect: Step,
    replace: Step,
    mode: str,
    remove: EndCanary,
    record: Callable[[], str] | None = None,
    measured: Callable[[], tuple[list[str], list[str]]] | None = None,
) -> tuple[Step, ...]:
    """How every canary mode starts: inspect, check the image (and the analysis), render, replace, record,
    register.

    `measured` gives the canary's and the baseline's target groups once the service is inspected (no
    baseline: the canary shares the stable version's); the analysis is checked before anything changes.

    The canary is recorded in the service's tags (`record` when the mode records more) before this job
    starts anything of its own — its revision included —, so a killed job can be finished or ended; its
    undo is the mode's `remove` of that canary. The revision is added to the record once registered.
    """
    return (
        inspect,
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        *(
            [Step("check the canary analysis", lambda: _check_analysis(ctx, job, measured), read_only=True)]
            if measured is not None and ctx.settings.analysis.enabled
            else []
        ),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        replace,
        Step(
            "record the canary in the service's tags",
            record or (lambda: record_canary(ctx, job, mode)),
            lambda: _remove_ours(ctx, remove),
        ),
        Step("register the task definition", lambda: _register(ctx, job)),
    )


def _check_analysis(ctx: Context, job: State, measured: Callable[[], tuple[list[str], list[str]]]) -> str:
    """Find what the analysis measures and check that it can be read: load balancers, alarms."""
    settings = ctx.settings.analysis
    canary, baseline = measured()
    if settings.load_balancer_checks and not canary:
        raise PreconditionError(
            f"analysis: service {ctx.settings.service} has no target group — error_rate and p99_latency "
            "measure a load balancer's; judge this canary by `queries` or `alarms`"
        )
    version = ctx.require_release().version
    job.subject = analysis.subject(ctx.aws, version, canary, baseline, shared=not baseline)
    alarms = analysis.check_alarms(ctx.aws, settings.alarms)
    names = [elbv2.target_group_name(group) for group in canary]
    against = (
        f" against {', '.join(elbv2.target_group_name(g) for g in baseline)}"
        if baseline
        else " (shared with the stable version: no baseline of its own)"
    )
    groups = f"target group {', '.join(names)}{against}" if settings.load_balancer_checks else ""
    return (
        "; ".join(part for part in (groups, f"alarms {alarms}" if alarms else "") if part) or "custom queries"
    )


def shared_groups(job: State) -> tuple[list[str], list[str]]:
    """Task and service modes: the canary serves from the stable version's target groups, no baseline."""
    balancers = job.live.service.get("loadBalancers", [])
    return [lb["targetGroupArn"] for lb in balancers if lb.get("targetGroupArn")], []


def analysis_steps(ctx: Context, job: State, step: str) -> tuple[Step, ...]:
    """The step that measures the canary at `step` (none when no analysis is configured)."""
    if not ctx.settings.analysis.enabled:
        return ()

    def subject() -> analysis.Subject:
        assert job.subject is not None  # found by the check before the first change
        return job.subject

    return (judge_step(ctx, subject, step),)


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
