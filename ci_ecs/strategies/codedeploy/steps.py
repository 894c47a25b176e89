"""Steps the CodeDeploy plans share: find the deployment under way, start one, wait, shift, stop."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import codedeploy, ecs, elbv2
from ci_ecs.checks import revision_failure
from ci_ecs.checks.codedeploy import Seen, watch_deployment
from ci_ecs.errors import DeploymentFailed, PreconditionError, RollbackFailed
from ci_ecs.model import Command, DeploymentRecord, Status, TechniqueName
from ci_ecs.strategies import state
from ci_ecs.strategies.codedeploy import group as groups
from ci_ecs.strategies.codedeploy.appspec import appspec, task_definition_of
from ci_ecs.strategies.context import Context, Live
from ci_ecs.strategies.state import Moved

TECHNIQUE: TechniqueName = "codedeploy"
STOP_TIMEOUT = 600.0  # seconds a stop with rollback may take at least, whatever wait.timeout says


@dataclass(frozen=True)
class Active:
    """The group's deployment that has not ended (CodeDeploy allows one)."""

    id: str
    status: str
    version: str
    task_definition: str
    shifted: bool  # production is on the replacement; the original waits for termination


@dataclass
class Job:
    """What the steps learn from each other; `moved` is replaced as they learn more."""

    moved: Moved
    live: Live = field(default_factory=Live)
    group: groups.Group = field(default_factory=lambda: groups.Group("", ""))
    active: Active | None = None
    new: dict[str, Any] = field(default_factory=dict)
    seen: Seen | None = None


def follow(
    ctx: Context, deployment_id: str, until: Callable[[Seen], bool], timeout: float | None = None
) -> tuple[bool, Seen, str]:
    """Follow a deployment until `until` holds: (whether it did, the last poll, why not)."""
    result = watch_deployment(ctx.aws, deployment_id, ctx.settings.wait, ctx.console, until, timeout=timeout)
    return result.ok, Seen.of(result), result.reason


def find_active(ctx: Context, job: Job) -> str:
    """Read the group's deployment under way, if any, and which version it deploys."""
    if job.group.info is None:
        return "no deployment under way"
    ids = codedeploy.active_deployments(ctx.aws, job.group.application, job.group.name)
    if not ids:
        return "no deployment under way"
    info = codedeploy.get_deployment(ctx.aws, ids[0])
    if info.get("creator") == "codeDeployRollback" or info.get("rollbackInfo", {}).get(
        "rollbackTriggeringDeploymentId"
    ):
        # CodeDeploy is rolling a deployment back (a job that stopped it was killed): let it finish.
        done, _, why = follow(ctx, ids[0], lambda seen: seen.status == "Succeeded")
        if not done:
            raise PreconditionError(f"the rollback {why}")
        return f"CodeDeploy's rollback {ids[0]} finished"
    tags = ecs.tags_of(job.live.service)
    arn = task_definition_of(codedeploy.appspec_of(info)) or tags.get(state.CODEDEPLOY_TASK_DEFINITION, "")
    version = (
        tags.get(state.CODEDEPLOY_VERSION, "") if tags.get(state.CODEDEPLOY_DEPLOYMENT) == ids[0] else ""
    )
    if not version and arn:
        version = Live({}, *ecs.describe_task_definition(ctx.aws, arn)).version(ctx.settings.image) or ""
    shifted = Seen(info).shifted
    job.active = Active(ids[0], str(info.get("status")), version, arn, shifted)
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


def require_no_other(job: Job) -> None:
    """PreconditionError when another version's deployment is moving (waiting or finishing ones we end)."""
    active = job.active
    if active is None or active.version == job.moved.version or active.status == "Ready" or active.shifted:
        return
    raise PreconditionError(
        f"deployment {active.id} of {active.version or 'another version'} is {active.status} in "
        f"{job.group.name}: let it finish, or run `ci-ecs rollback` to stop it"
    )


def tag(ctx: Context, job: Job, tags: Mapping[str, str]) -> None:
    """Tag the service and keep our copy of its tags current (later steps decide by them)."""
    ecs.tag(ctx.aws, job.live.service["serviceArn"], tags)
    merged = {**ecs.tags_of(job.live.service), **tags}
    job.live.service["tags"] = [{"key": k, "value": v} for k, v in merged.items()]


def end_other(ctx: Context, job: Job) -> str:
    """Get another version's deployment out of the way: end a waiting canary, finish a deploy's wait."""
    active = job.active
    if active is None or active.version == job.moved.version:
        return ""
    if active.shifted:
        codedeploy.continue_deployment(ctx.aws, active.id, "TERMINATION_WAIT")
        done, _, why = follow(ctx, active.id, lambda seen: seen.ended)
        if not done:
            raise DeploymentFailed(f"finishing {active.id} of {active.version}: {why}")
        said = f"finished {active.id} (it only waited to remove {active.version}'s original task set); "
    else:
        said = f"ended the waiting canary {active.version}: {stop_and_wait(ctx, active.id)}; "
    state.forget(ctx.aws, job.live.service, state.CODEDEPLOY_PENDING)
    job.active = None
    return said


def start(ctx: Context, job: Job, command: Command) -> str:
    """Create the deployment of `job.moved`, or follow the one an earlier job started for it."""
    moved, active = job.moved, job.active
    if active is not None and active.version == moved.version:
        job.moved = dataclasses.replace(moved, deployment=active.id)
        return f"following deployment {active.id} ({active.status}), started by an earlier job"
    if active is None and ecs.short_arn(moved.task_definition) == ecs.short_arn(job.live.arn):
        return f"{moved.version} already is live on {ecs.short_arn(moved.task_definition)}: nothing to deploy"
    said = end_other(ctx, job)
    cfg = ctx.settings.codedeploy
    deployment = codedeploy.create_deployment(
        ctx.aws,
        job.group.application,
        job.group.name,
        cfg.config,
        appspec(moved.task_definition, job.live.service),
        f"ci-ecs {command} {moved.version}",
    )
    job.moved = dataclasses.replace(moved, deployment=deployment)
    pending = {
        state.CODEDEPLOY_DEPLOYMENT: deployment,
        state.CODEDEPLOY_VERSION: moved.version,
        state.CODEDEPLOY_TASK_DEFINITION: moved.task_definition,
    }
    tag(ctx, job, pending)
    return f"{said}deployment {deployment} of {ecs.short_arn(moved.task_definition)} by {cfg.config}"


def stop(ctx: Context, job: Job) -> str:
    """Undo of `start`: stop the deployment with rollback; production returns to the original task set."""
    if not job.moved.deployment:
        # Stopped between creating it and hearing its id (cancelled, or its reply lost): find it.
        find_active(ctx, job)
        if job.active is None or ecs.short_arn(job.active.task_definition) != ecs.short_arn(
            job.moved.task_definition
        ):
            return "no deployment to stop"
        job.moved = dataclasses.replace(job.moved, deployment=job.active.id)
    said = stop_and_wait(ctx, job.moved.deployment)
    state.forget(ctx.aws, job.live.service, state.CODEDEPLOY_PENDING)
    return f"{said}; production: {production(ctx, job.group.listeners('prodTrafficRoute'))}"


def stop_and_wait(ctx: Context, deployment_id: str) -> str:
    """Stop a deployment with rollback and wait until CodeDeploy has put production back on the original."""
    said = codedeploy.stop_deployment(ctx.aws, deployment_id)
    # Putting production back matters more than the job's own timeout (which may be what ran out).
    timeout = max(ctx.settings.wait.timeout, STOP_TIMEOUT)
    ended, seen, why = follow(ctx, deployment_id, lambda seen: seen.ended, timeout)
    if not ended:
        raise RollbackFailed(f"deployment {deployment_id} did not stop: {why}")
    rollback_id = seen.info.get("rollbackInfo", {}).get("rollbackDeploymentId")
    if rollback_id:
        # ECS blue/green reroutes traffic in a rollback deployment of its own: it must succeed too.
        back, _, why = follow(ctx, rollback_id, lambda seen: seen.status == "Succeeded", timeout)
        if not back:
            raise RollbackFailed(f"the rollback {why}")
    first = f"stopped ({said})" if said else f"had ended ({seen.status})"
    return f"deployment {deployment_id} {first}" + (f", rolled back by {rollback_id}" if rollback_id else "")


def why_failed(ctx: Context, job: Job, why: str) -> str:
    """The failure, with why the replacement's tasks stopped (their logs and ECS's events printed)."""
    since = job.seen.info.get("createTime") if job.seen is not None else None
    where = (ctx.settings.cluster, ctx.settings.service)
    return revision_failure.explain(ctx.aws, ctx.console, where, job.moved.task_definition, why, since)


def wait_ready(ctx: Context, job: Job) -> str:
    """Wait until the replacement serves the test listener (Ready), or has gone further (a re-run)."""
    deployment_id = job.moved.deployment
    if not deployment_id:
        return "nothing to wait for"
    ready, job.seen, why = follow(ctx, deployment_id, lambda seen: seen.status == "Ready" or seen.shifted)
    if not ready:
        raise DeploymentFailed(why_failed(ctx, job, why))
    if job.seen.status != "Ready":
        return f"deployment {deployment_id} is past Ready: production traffic is on the replacement"
    test = production(ctx, job.group.listeners("testTrafficRoute"))
    prod = production(ctx, job.group.listeners("prodTrafficRoute"))
    return f"replacement ready — test listener: {test}; production untouched: {prod}"


def shift(
    ctx: Context,
    job: Job,
    split: Callable[[Seen], float | None] | None = None,
    analyse: Callable[[Seen, float], str] = lambda seen, share: "",
) -> str:
    """Continue a Ready deployment, then wait until production traffic is all on the replacement.

    `split` gives the replacement's share while the deployment config holds traffic split (None: not
    split); at each share the deployment holds, `analyse` is called (it raises to fail the job).
    """
    deployment_id = job.moved.deployment
    if not deployment_id:
        return "nothing to shift"
    if job.seen is not None and job.seen.status == "Ready":
        codedeploy.continue_deployment(ctx.aws, deployment_id)
    judged: set[float] = set()

    def held(seen: Seen) -> bool:
        share = split(seen) if split is not None else None
        return share is not None and share not in judged

    while True:
        shifted, seen, why = follow(ctx, deployment_id, lambda s: s.shifted or held(s))
        if not shifted:
            job.seen = seen
            raise DeploymentFailed(why_failed(ctx, job, why))
        if seen.shifted or split is None:
            break
        share = split(seen)
        assert share is not None  # `held` said so
        judged.add(share)
        ctx.console.progress(analyse(seen, share))
    prod = production(ctx, job.group.listeners("prodTrafficRoute"))
    if seen.status == "Succeeded":
        return f"deployment {deployment_id} succeeded — production: {prod}"
    wait = job.group.info or {}
    minutes = (
        wait.get("blueGreenDeploymentConfiguration", {})
        .get("terminateBlueInstancesOnDeploymentSuccess", {})
        .get("terminationWaitTimeInMinutes", "?")
    )
    return (
        f"production on the replacement: {prod}; CodeDeploy removes the original task set after "
        f"{minutes}m — `ci-ecs rollback` until then reroutes at once"
    )


def production(ctx: Context, listeners: list[str]) -> str:
    """Where the production listener(s) send traffic now: target group names and weights."""
    shown = []
    for arn in listeners:
        weights = elbv2.forward_weights(ctx.aws, arn)
        shown += [f"{elbv2.target_group_name(g)} {w}" for g, w in weights.items() if w or len(weights) == 1]
    return ", ".join(shown) or "unknown"


def deployment_record(
    ctx: Context, job: Job, command: Command, status: Status, reason: str | None, rolled_back_from: str = ""
) -> DeploymentRecord:
    """The record of a CodeDeploy job for output, the forge and later jobs."""
    details = {
        "deployment": job.moved.deployment,
        "deployment_group": job.group.name,
        "rolled_back_from": rolled_back_from,
    }
    if ctx.release is not None:
        details["image"] = ctx.release.reference
    return state.deployment_record(
        ctx.job(command, TECHNIQUE), job.moved, status, reason, ctx.aws.calls, details
    )
