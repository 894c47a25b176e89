"""Steps the CodeDeploy plans share: find the deployment under way, start one, wait, shift, stop."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import codedeploy, ecs
from ci_ecs.errors import DeploymentFailed, PreconditionError
from ci_ecs.model import DeploymentRecord
from ci_ecs.strategies import codedeploy_group as groups
from ci_ecs.strategies import codedeploy_watch as watch
from ci_ecs.strategies import rolling
from ci_ecs.strategies.codedeploy_appspec import appspec, task_definition_of
from ci_ecs.strategies.common import Context, Live
from ci_ecs.strategies.rollout import Rollout

TECHNIQUE = "codedeploy"
# A deployment ci-ecs started that is not recorded as live yet (a canary waiting, or a deploy under way).
DEPLOYMENT, VERSION, TASK_DEFINITION = (
    "ci-ecs:codedeploy-deployment",
    "ci-ecs:codedeploy-version",
    "ci-ecs:codedeploy-task-definition",
)
PENDING = (DEPLOYMENT, VERSION, TASK_DEFINITION)


@dataclass(frozen=True)
class Active:
    """The group's deployment that has not ended (CodeDeploy allows one)."""

    id: str
    status: str
    version: str
    task_definition: str
    shifted: bool  # production is on the replacement; the original waits for termination


@dataclass
class State:
    """What the steps learn from each other."""

    rollout: Rollout
    live: Live = field(default_factory=Live)
    group: groups.Group = field(default_factory=lambda: groups.Group("", ""))
    active: Active | None = None
    new: dict[str, Any] = field(default_factory=dict)
    seen: watch.Seen | None = None


def find_active(ctx: Context, state: State) -> str:
    """Read the group's deployment under way, if any, and which version it deploys."""
    if state.group.info is None:
        return "no deployment under way"
    ids = codedeploy.active_deployments(ctx.aws, state.group.application, state.group.name)
    if not ids:
        return "no deployment under way"
    info = codedeploy.get_deployment(ctx.aws, ids[0])
    if info.get("creator") == "codeDeployRollback" or info.get("rollbackInfo", {}).get(
        "rollbackTriggeringDeploymentId"
    ):
        # CodeDeploy is rolling a deployment back (a job that stopped it was killed): let it finish.
        back = watch.follow(ctx, ids[0], lambda seen: False)
        if back is None or back.status != "Succeeded":
            raise PreconditionError(f"the rollback {watch.failure(ids[0], back, ctx.settings.wait.timeout)}")
        return f"CodeDeploy's rollback {ids[0]} finished"
    tags = ecs.tags_of(state.live.service)
    arn = task_definition_of(codedeploy.appspec_of(info)) or tags.get(TASK_DEFINITION, "")
    version = tags.get(VERSION, "") if tags.get(DEPLOYMENT) == ids[0] else ""
    if not version and arn:
        version = Live({}, *ecs.describe_task_definition(ctx.aws, arn)).version(ctx.settings.image) or ""
    shifted = watch.Seen(info).shifted
    state.active = Active(ids[0], str(info.get("status")), version, arn, shifted)
    where = (
        "production already on it"
        if shifted
        else "production untouched"
        if info.get("status") == "Ready"
        else ""
    )
    return f"deployment {ids[0]} of {version or ecs.short_arn(arn)} is {info.get('status')}" + (
        f" ({where})" if where else ""
    )


def require_no_other(state: State) -> None:
    """PreconditionError when another version's deployment is moving (waiting or finishing ones we end)."""
    active = state.active
    if (
        active is None
        or active.version == state.rollout.version
        or active.status == "Ready"
        or active.shifted
    ):
        return
    raise PreconditionError(
        f"deployment {active.id} of {active.version or 'another version'} is {active.status} in "
        f"{state.group.name}: let it finish, or run `ci-ecs rollback` to stop it"
    )


def tag(ctx: Context, state: State, tags: Mapping[str, str]) -> None:
    """Tag the service and keep our copy of its tags current (later steps decide by them)."""
    ecs.tag(ctx.aws, state.live.service["serviceArn"], tags)
    merged = {**ecs.tags_of(state.live.service), **tags}
    state.live.service["tags"] = [{"key": k, "value": v} for k, v in merged.items()]


def end_other(ctx: Context, state: State) -> str:
    """Get another version's deployment out of the way: end a waiting canary, finish a deploy's wait."""
    active = state.active
    if active is None or active.version == state.rollout.version:
        return ""
    if active.shifted:
        codedeploy.continue_deployment(ctx.aws, active.id, "TERMINATION_WAIT")
        watch.follow(ctx, active.id, lambda seen: False)
        said = f"finished {active.id} (it only waited to remove {active.version}'s original task set); "
    else:
        said = f"ended the waiting canary {active.version}: {watch.stop_and_wait(ctx, active.id)}; "
    ecs.untag(ctx.aws, state.live.service["serviceArn"], PENDING)
    state.active = None
    return said


def start(ctx: Context, state: State, command: str) -> str:
    """Create the deployment of `state.rollout.arn`, or follow the one an earlier job started for it."""
    rollout, active = state.rollout, state.active
    if active is not None and active.version == rollout.version:
        rollout.deployment_id = active.id
        return f"following deployment {active.id} ({active.status}), started by an earlier job"
    if active is None and ecs.short_arn(rollout.arn) == ecs.short_arn(state.live.arn):
        return f"{rollout.version} already is live on {ecs.short_arn(rollout.arn)}: nothing to deploy"
    said = end_other(ctx, state)
    cfg = ctx.settings.codedeploy
    spec = appspec(rollout.arn, state.live.service)
    rollout.deployment_id = codedeploy.create_deployment(
        ctx.aws,
        state.group.application,
        state.group.name,
        cfg.config,
        spec,
        f"ci-ecs {command} {rollout.version}",
    )
    tag(
        ctx,
        state,
        {DEPLOYMENT: rollout.deployment_id, VERSION: rollout.version, TASK_DEFINITION: rollout.arn},
    )
    return f"{said}deployment {rollout.deployment_id} of {ecs.short_arn(rollout.arn)} by {cfg.config}"


def stop(ctx: Context, state: State) -> str:
    """Undo of `start`: stop the deployment with rollback; production returns to the original task set."""
    if not state.rollout.deployment_id:
        return "no deployment to stop"
    said = watch.stop_and_wait(ctx, state.rollout.deployment_id)
    ecs.untag(ctx.aws, state.live.service["serviceArn"], PENDING)
    return f"{said}; production: {watch.production(ctx, state.group.listeners('prodTrafficRoute'))}"


def wait_ready(ctx: Context, state: State) -> str:
    """Wait until the replacement serves the test listener (Ready), or has gone further (a re-run)."""
    deployment_id = state.rollout.deployment_id
    if not deployment_id:
        return "nothing to wait for"
    state.seen = watch.follow(ctx, deployment_id, lambda seen: seen.status == "Ready" or seen.shifted)
    if state.seen is None or state.seen.status in ("Failed", "Stopped"):
        raise DeploymentFailed(watch.failure(deployment_id, state.seen, ctx.settings.wait.timeout))
    if state.seen.status != "Ready":
        return f"deployment {deployment_id} is past Ready: production traffic is on the replacement"
    test = watch.production(ctx, state.group.listeners("testTrafficRoute"))
    prod = watch.production(ctx, state.group.listeners("prodTrafficRoute"))
    return f"replacement ready — test listener: {test}; production untouched: {prod}"


def shift(ctx: Context, state: State) -> str:
    """Continue a Ready deployment, then wait until production traffic is all on the replacement."""
    deployment_id = state.rollout.deployment_id
    if not deployment_id:
        return "nothing to shift"
    if state.seen is not None and state.seen.status == "Ready":
        codedeploy.continue_deployment(ctx.aws, deployment_id)
    seen = watch.follow(ctx, deployment_id, lambda s: s.shifted)
    if seen is None or not seen.shifted:
        raise DeploymentFailed(watch.failure(deployment_id, seen, ctx.settings.wait.timeout))
    prod = watch.production(ctx, state.group.listeners("prodTrafficRoute"))
    if seen.status == "Succeeded":
        return f"deployment {deployment_id} succeeded — production: {prod}"
    wait = state.group.info or {}
    minutes = (
        wait.get("blueGreenDeploymentConfiguration", {})
        .get("terminateBlueInstancesOnDeploymentSuccess", {})
        .get("terminationWaitTimeInMinutes", "?")
    )
    return (
        f"production on the replacement: {prod}; CodeDeploy removes the original task set after "
        f"{minutes}m — `ci-ecs rollback` until then reroutes at once"
    )


def deployment_record(
    ctx: Context, state: State, command: str, status: str, reason: str | None, rolled_back_from: str = ""
) -> DeploymentRecord:
    """The record of a CodeDeploy job for output, the forge and later jobs."""
    record = rolling.deployment_record(ctx, command, state.rollout, status, reason, rolled_back_from)
    details = {**record.details, "deployment_group": state.group.name}
    return dataclasses.replace(record, technique=TECHNIQUE, details=details)
