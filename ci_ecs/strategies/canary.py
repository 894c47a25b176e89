"""What every canary technique shares: its state in the service's tags, and finding who ends it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs
from ci_ecs.errors import ConfigError
from ci_ecs.model import DeploymentRecord
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies.common import (
    Context,
    Live,
    inspect_service,
    pin_image,
    register_revision,
    render_revision,
)
from ci_ecs.strategies.rollout import now

MODE, VERSION, TASK_DEFINITION, STARTED = (
    "ci-ecs:canary-mode",
    "ci-ecs:canary-version",
    "ci-ecs:canary-task-definition",
    "ci-ecs:canary-started-at",
)
TAGS = (MODE, VERSION, TASK_DEFINITION, STARTED)


@dataclass(frozen=True)
class Canary:
    """A canary recorded on a service."""

    mode: str
    version: str
    task_definition: str


def recorded(service: Mapping[str, Any]) -> Canary | None:
    """The canary the service's tags record, if any."""
    tags = ecs.tags_of(service)
    if MODE not in tags:
        return None
    return Canary(tags[MODE], tags.get(VERSION, ""), tags.get(TASK_DEFINITION, ""))


def record(ctx: Context, service: Mapping[str, Any], canary: Canary) -> None:
    """Write the canary into the service's tags, before anything starts: a killed job can be finished."""
    tags = {
        MODE: canary.mode,
        VERSION: canary.version,
        TASK_DEFINITION: canary.task_definition,
        STARTED: now(),
    }
    ecs.tag(ctx.aws, service["serviceArn"], tags)


def revision_of(service: Mapping[str, Any], version: str) -> str:
    """The canary's revision if the recorded canary is `version` (else ''): what to promote or reuse."""
    found = recorded(service)
    return found.task_definition if found is not None and found.version == version else ""


@dataclass
class State:
    """What the first steps of a canary plan learn: the live service, the rendered revision, its ARN."""

    live: Live = field(default_factory=Live)
    new: dict[str, Any] = field(default_factory=dict)
    arn: str = ""


def first_steps(
    ctx: Context,
    state: State,
    *,
    inspect: Step,
    replace: Step,
    record: Callable[[], str],
    remove: Callable[[Context, dict[str, Any]], str],
) -> tuple[Step, ...]:
    """How every canary mode starts: inspect, check the image, render, replace, register, record the canary.

    `record` writes the canary into the service's tags; its undo is the mode's `remove` of that canary.
    """
    return (
        inspect,
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        Step("render the task definition", lambda: _render(ctx, state), read_only=True),
        replace,
        Step("register the task definition", lambda: _register(ctx, state)),
        Step(
            "record the canary in the service's tags",
            record,
            lambda: remove(ctx, ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)),
        ),
    )


def _render(ctx: Context, state: State) -> str:
    state.new = render_revision(ctx, state.live)
    return f"{state.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, state: State) -> str:
    reuse = revision_of(state.live.service, ctx.require_release().version)
    state.arn, done = register_revision(ctx, state.live, state.new, reuse)
    return done


def record_canary(ctx: Context, state: State, mode: str) -> str:
    """Record this release's canary of `mode` (revision `state.arn`) in the service's tags."""
    version = ctx.require_release().version
    record(ctx, state.live.service, Canary(mode, version, state.arn))
    return f"ci-ecs:canary-version={version}"


def forget(ctx: Context, service: Mapping[str, Any]) -> None:
    """Remove the canary's tags (after everything it started is gone)."""
    ecs.untag(ctx.aws, service["serviceArn"], TAGS)


def mode_module(mode: str) -> Any:
    """The module of a canary mode: task, service or taskset."""
    from ci_ecs.strategies import canary_service, canary_task, canary_taskset

    modules = {"task": canary_task, "service": canary_service, "taskset": canary_taskset}
    if mode not in modules:
        raise ConfigError(f"canary.mode: {mode!r} is not one of: {', '.join(modules)}")
    return modules[mode]


def deploy_plan(ctx: Context) -> Plan:
    """The plan of `canary-deploy` for the configured mode."""
    mode = ctx.settings.canary.mode
    if mode is None:
        raise ConfigError("canary.mode: not set — set `canary: {mode: task|service|taskset}` in ci-ecs.yml")
    plan: Plan = mode_module(mode).plan(ctx)
    return plan


def removal_step(ctx: Context, live_service: Any) -> Step:
    """A step that removes whatever canary the service records (nothing when there is none)."""

    def remove() -> str:
        service = live_service()
        canary = recorded(service)
        if canary is None:
            return "no canary"
        result: str = mode_module(canary.mode).remove(ctx, service)
        return result

    return Step("remove the canary", remove)


def deploy_record(
    ctx: Context, mode: str, live: Live, arn: Callable[[], str]
) -> Callable[..., DeploymentRecord]:
    """The record of a `canary-deploy`: the canary's version beside the stable one."""

    def record(status: str, reason: str | None) -> DeploymentRecord:
        release = ctx.require_release()
        return DeploymentRecord(
            command="canary-deploy",
            technique=f"canary-{mode}",
            service=ctx.settings.service,
            cluster=ctx.settings.cluster,
            version=release.version,
            task_definition=arn(),
            previous_version=live.version(release.image),
            previous_task_definition=live.arn or None,
            status=status,
            reason=reason,
            details={"image": release.reference},
            api_calls=dict(ctx.aws.calls),
        )

    return record


def end_plan(ctx: Context, service: dict[str, Any], found: Canary) -> Plan:
    """`rollback` during a canary: remove it; the stable version was never touched."""
    s, live = ctx.settings, Live()

    def record(status: str, reason: str | None) -> DeploymentRecord:
        return DeploymentRecord(
            command="rollback",
            technique=f"canary-{found.mode}",
            service=s.service,
            cluster=s.cluster,
            version=live.version(s.image) or ecs.short_arn(live.arn),
            task_definition=live.arn,
            previous_version=found.version,
            previous_task_definition=found.task_definition or None,
            status=status,
            reason=reason,
            details={"rolled_back_from": found.version},
            api_calls=dict(ctx.aws.calls),
        )

    return Plan(
        title=f"end the {found.mode} canary {found.version} of {s.service} (cluster {s.cluster})",
        steps=(
            Step(
                f"inspect service {s.service}",
                lambda: inspect_service(ctx, live, controller=None),
                read_only=True,
            ),
            removal_step(ctx, lambda: service),
        ),
        record=record,
    )


def status(ctx: Context, service: dict[str, Any]) -> dict[str, Any] | None:
    """The canary on a service: mode, version, revision, its targets and their share of healthy targets."""
    found = recorded(service)
    if found is None:
        return None
    module = mode_module(found.mode)
    groups: dict[str, list[Any]] = module.targets(ctx, service)
    ours = {e for endpoints in groups.values() for e in endpoints}
    if hasattr(module, "share"):  # weighted target groups: the share is the rules' weight
        share = module.share(ctx, service)
    else:  # one target group: the load balancer spreads requests evenly over healthy targets
        share = checks.traffic_share(ctx.aws, sorted(groups), ours) if groups else None
    return {
        "mode": found.mode,
        "version": found.version,
        "task_definition": found.task_definition,
        "targets": sorted(f"{ip}:{port}" for ip, port in ours),
        "share": None if share is None else round(share, 4),
    }
