"""Steps the native plans share: find the deployment under way, start one, follow it, answer pauses, stop."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2, service_deployments
from ci_ecs.checks import revision_failure
from ci_ecs.checks.native import Seen, failure, short, watch_service_deployment
from ci_ecs.errors import DeploymentFailed, PreconditionError, RollbackFailed
from ci_ecs.model import Command, DeploymentRecord, Status, TechniqueName
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, Live
from ci_ecs.strategies.native import configuration as configs
from ci_ecs.strategies.state import Moved

TECHNIQUE: TechniqueName = "native"
STOP_TIMEOUT = 600.0  # seconds a rollback may take at least, whatever wait.timeout says


@dataclass(frozen=True)
class UnderWay:
    """The service's deployment that has not ended, as the job found it."""

    arn: str
    status: str
    stage: str
    task_definition: str
    source_task_definition: str  # what production ran when it started ('' for a service's first)
    version: str
    pause: str  # the hook id of ci-ecs's pause it waits at, else ""
    seen: Seen


@dataclass
class Job:
    """What the steps learn from each other; `moved` is replaced as they learn more."""

    moved: Moved
    live: Live = field(default_factory=Live)
    under_way: UnderWay | None = None
    configuration: dict[str, Any] = field(default_factory=dict)  # the service's, with the settings applied
    new: dict[str, Any] = field(default_factory=dict)
    seen: Seen | None = None


def follow(
    ctx: Context, arn: str, until: Callable[[Seen], bool], timeout: float | None = None
) -> tuple[bool, Seen, str]:
    """Follow a deployment until `until` holds: (whether it did, the last poll, why not)."""
    result = watch_service_deployment(ctx.aws, arn, ctx.settings.wait, ctx.console, until, timeout=timeout)
    return result.ok, Seen.of(result), result.reason


def our_pause(seen: Seen) -> str:
    """The hook id of ci-ecs's pause the deployment waits at ('' when it does not wait at one of ours)."""
    hooks = seen.info.get("deploymentConfiguration", {}).get("lifecycleHooks", [])
    ours = {
        shown
        for hook in hooks
        if configs.is_ours(hook)
        for stage in hook.get("lifecycleStages", [])
        for shown in configs.reported(stage)
    }
    if seen.stage not in ours or seen.status != "IN_PROGRESS":
        return ""
    paused = [h for h in seen.awaiting if h.get("targetType") == "PAUSE"]
    return str(paused[0].get("hookId", "")) if paused else ""


def find_under_way(ctx: Context, job: Job) -> str:
    """Read the service's deployment that has not ended, if any, and which version it deploys."""
    service = job.live.service
    arn = str(service.get("currentServiceDeployment") or "")
    seen = Seen(service_deployments.describe(ctx.aws, arn)) if arn else None
    said = ""
    if seen is not None and seen.rolling_back and not seen.ended:
        # ECS rolls a deployment back (a job that stopped it was killed, or an alarm): let it finish.
        ended, seen, why = follow(ctx, arn, lambda s: s.ended, max(ctx.settings.wait.timeout, STOP_TIMEOUT))
        if not ended:
            raise PreconditionError(f"the rollback of deployment {short(arn)} {why}")
        job.live.service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
        said = f"ECS's rollback of deployment {short(arn)} ended ({seen.status}); "
    if seen is None or seen.ended:
        job.under_way = None
        return said + "no deployment under way"
    revision = str(seen.info.get("targetServiceRevision", {}).get("arn", ""))
    sources = [str(r.get("arn", "")) for r in seen.info.get("sourceServiceRevisions", []) if r.get("arn")]
    wanted = [arn for arn in (revision, *sources[:1]) if arn]
    runs = service_deployments.task_definitions(ctx.aws, wanted) if wanted else {}
    task_definition = runs.get(revision, "")
    source = runs.get(sources[0], "") if sources else ""
    tags = ecs.tags_of(service)
    pending = tags.get(state.NATIVE_TASK_DEFINITION, "")
    if pending and ecs.short_arn(pending) == ecs.short_arn(task_definition):
        version = tags.get(state.NATIVE_VERSION, "")
    else:
        described = Live({}, *ecs.describe_task_definition(ctx.aws, task_definition))
        version = described.version(ctx.settings.image) or ecs.short_arn(task_definition)
    job.under_way = UnderWay(
        arn, seen.status, seen.stage, task_definition, source, version, our_pause(seen), seen
    )
    where = "paused for verification" if job.under_way.pause else seen.stage or seen.status
    return f"deployment {short(arn)} of {version} is {seen.status} ({where})"


def source_of_last(ctx: Context, job: Job) -> str:
    """The task definition production ran before the service's last deployment began ('' if none)."""
    arn = str(job.live.service.get("currentServiceDeployment") or "")
    info = service_deployments.describe(ctx.aws, arn) if arn else {}
    sources = [str(r["arn"]) for r in info.get("sourceServiceRevisions", []) if r.get("arn")]
    return service_deployments.task_definitions(ctx.aws, sources[:1]).get(sources[0], "") if sources else ""


def require_no_other(job: Job) -> None:
    """PreconditionError when another version's deployment moves (a paused canary of ours is ended)."""
    found = job.under_way
    if found is None or found.version == job.moved.version or found.pause:
        return
    raise PreconditionError(
        f"deployment {short(found.arn)} of {found.version} is {found.status} at {found.stage or '?'}: "
        "let it finish, or run `ci-ecs rollback` to stop it"
    )


def refuse_rolled_back(ctx: Context, job: Job) -> None:
    """DeploymentFailed, once, when an earlier job's deployment of this version (a canary waiting for this
    deploy, or a deploy that was killed) ended without ci-ecs: ECS rolled it back (an alarm, the circuit
    breaker, a hook or the pause's timeout). Pressing deploy must not quietly start it again."""
    tags = ecs.tags_of(job.live.service)
    arn = tags.get(state.NATIVE_DEPLOYMENT, "")
    if job.under_way is not None or not arn or tags.get(state.NATIVE_VERSION) != job.moved.version:
        return
    seen = Seen(service_deployments.describe(ctx.aws, arn))
    if seen.status in ("ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"):
        state.forget(ctx.aws, job.live.service, state.NATIVE_PENDING)
        raise DeploymentFailed(
            f"an earlier job's deployment of {job.moved.version} did not pass: {failure(seen)} — fix it and "
            "run canary-deploy again (running deploy again starts a new deployment of this version)"
        )


def end_other(ctx: Context, job: Job) -> str:
    """Roll back another version's canary that waits at our pause, so that this version can start."""
    found = job.under_way
    if found is None or found.version == job.moved.version:
        return ""
    said = roll_back(ctx, found.arn, found.pause)
    state.forget(ctx.aws, job.live.service, state.NATIVE_PENDING)
    job.under_way = None
    return f"ended the waiting canary {found.version}: {said}; "


def start(ctx: Context, job: Job, *, pause: bool) -> str:
    """Update the service to `job.moved`'s revision (with ci-ecs's pause for a canary), or follow the
    deployment an earlier job started for it."""
    moved, found = job.moved, job.under_way
    if found is not None and found.version == moved.version:
        job.moved = dataclasses.replace(moved, deployment=found.arn)
        if ecs.tags_of(job.live.service).get(state.NATIVE_DEPLOYMENT) != found.arn:
            tag(ctx, job, {state.NATIVE_DEPLOYMENT: found.arn})  # that job was stopped before it tagged it
        return f"following deployment {short(found.arn)} ({found.status}), started by an earlier job"
    if found is None and ecs.short_arn(moved.task_definition) == ecs.short_arn(job.live.arn):
        return f"{moved.version} already is live on {ecs.short_arn(moved.task_definition)}: nothing to deploy"
    if not pause:  # a failure of this release's deployment, reported here: exit 1, not a precondition
        refuse_rolled_back(ctx, job)
    said = end_other(ctx, job)
    # The intent first: a job killed right after the update still leaves its version for the next one.
    intent = {state.NATIVE_VERSION: moved.version, state.NATIVE_TASK_DEFINITION: moved.task_definition}
    tag(ctx, job, intent)
    sent = configs.with_pause(job.configuration, pause, ctx.settings.native.pause_timeout)
    updated = ecs.update_service(
        ctx.aws, job.live.service, moved.task_definition, circuit_breaker=True, configuration=sent
    )
    arn = str(updated.get("currentServiceDeployment") or "")
    if not arn:
        found_now = service_deployments.under_way(ctx.aws, ctx.settings.cluster, ctx.settings.service)
        arn = found_now[0] if found_now else ""
    if not arn:
        raise DeploymentFailed(
            f"ECS started no service deployment for {ecs.short_arn(moved.task_definition)}"
        )
    job.moved = dataclasses.replace(moved, deployment=arn)
    tag(ctx, job, {state.NATIVE_DEPLOYMENT: arn})
    kind = configs.TYPES.get(configs.strategy_of(sent), "?")
    with_pause = " (pausing for verification)" if pause else ""
    return f"{said}{kind} deployment {short(arn)} of {ecs.short_arn(moved.task_definition)}{with_pause}"


def tag(ctx: Context, job: Job, tags: dict[str, str]) -> None:
    """Tag the service and keep our copy of its tags current (later steps decide by them)."""
    ecs.tag(ctx.aws, job.live.service["serviceArn"], tags)
    merged = {**ecs.tags_of(job.live.service), **tags}
    job.live.service["tags"] = [{"key": k, "value": v} for k, v in merged.items()]


def stop(ctx: Context, job: Job) -> str:
    """Undo of `start`: roll the deployment back (production returns first), forget what is pending."""
    if not job.moved.deployment:
        # Stopped between the update and hearing its deployment (cancelled, or the reply lost): find it.
        job.live.service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
        find_under_way(ctx, job)
        found = job.under_way
        if found is None or ecs.short_arn(found.task_definition) != ecs.short_arn(job.moved.task_definition):
            state.forget(ctx.aws, job.live.service, state.NATIVE_PENDING)
            return "no deployment to stop"
        job.moved = dataclasses.replace(job.moved, deployment=found.arn)
    said = roll_back(ctx, job.moved.deployment, "")
    state.forget(ctx.aws, job.live.service, state.NATIVE_PENDING)
    return said


def roll_back(ctx: Context, arn: str, pause: str) -> str:
    """Roll a deployment back (answering our pause, else stopping it); wait for ROLLBACK_SUCCESSFUL.

    RollbackFailed when ECS's rollback fails or does not end in time.
    """
    seen = Seen(service_deployments.describe(ctx.aws, arn))
    pause = pause or our_pause(seen)
    if seen.ended:
        how = f"had ended ({seen.status})"
    elif pause and service_deployments.resume(ctx.aws, arn, pause, "ROLLBACK"):
        how = "rolled back at the pause"
    else:
        how = "stopped with rollback" if service_deployments.stop(ctx.aws, arn) else "had ended"
    if seen.status == "SUCCESSFUL":
        return f"deployment {short(arn)} {how}"
    # Putting production back matters more than the job's own timeout (which may be what ran out).
    timeout = max(ctx.settings.wait.timeout, STOP_TIMEOUT)
    ended, last, why = follow(ctx, arn, lambda s: s.ended, timeout)
    if not ended or last.status not in ("ROLLBACK_SUCCESSFUL", "STOPPED"):
        raise RollbackFailed(f"deployment {short(arn)} did not roll back: {why}")
    return f"deployment {short(arn)} {how}: {last.status}"


def why_failed(ctx: Context, job: Job, why: str) -> str:
    """The failure, with why the new revision's tasks stopped (their logs and ECS's events printed)."""
    since = job.seen.info.get("createdAt") if job.seen is not None else None
    where = (ctx.settings.cluster, ctx.settings.service)
    return revision_failure.explain(ctx.aws, ctx.console, where, job.moved.task_definition, why, since)


def weights(ctx: Context, job: Job, seen: Seen) -> str:
    """Production and test weights as the deployment requests them, and where the test listener is."""
    said = f"production {seen.production_weight:g}% / test {seen.test_weight:g}% on the new revision"
    rules = [
        lb.get("advancedConfiguration", {}).get("testListenerRule")
        for lb in job.live.service.get("loadBalancers", [])
    ]
    test = [rule for rule in rules if rule]
    if test and seen.test_weight:
        said += f"; test listener: {elbv2.listener_address(ctx.aws, str(test[0]))}"
    return said


def deployment_record(
    ctx: Context, job: Job, command: Command, status: Status, reason: str | None, rolled_back_from: str = ""
) -> DeploymentRecord:
    """The record of a native job for output, the forge and later jobs."""
    details = {"deployment": job.moved.deployment, "rolled_back_from": rolled_back_from}
    if ctx.release is not None:
        details["image"] = ctx.release.reference
    return state.deployment_record(
        ctx.job(command, TECHNIQUE), job.moved, status, reason, ctx.aws.calls, details
    )
