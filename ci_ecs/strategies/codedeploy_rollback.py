"""`rollback` by CodeDeploy: stop the deployment under way with rollback, else redeploy an older revision."""

from __future__ import annotations

from dataclasses import dataclass

from ci_ecs.aws import ecs
from ci_ecs.errors import PreconditionError
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import codedeploy_group as groups
from ci_ecs.strategies import codedeploy_steps as steps
from ci_ecs.strategies import codedeploy_watch as watch
from ci_ecs.strategies import rollout as rollouts
from ci_ecs.strategies.codedeploy_steps import PENDING, TECHNIQUE, State
from ci_ecs.strategies.common import Context, Live, find_revision, inspect_service, previous_in_forge
from ci_ecs.strategies.rollout import Rollout


@dataclass
class _Rollback:
    """The shared state, and what this rollback does: stop, redeploy, or nothing."""

    state: State
    to: str | None
    action: str = ""  # "stop" | "redeploy" | "" (already rolled back)
    rolled_back_from: str = ""


def plan(ctx: Context, to: str | None) -> Plan:
    """Stop the deployment under way (production back on the original), or deploy the previous revision."""
    s = ctx.settings
    job = _Rollback(State(Rollout(to or "the previous version")), to)
    state = job.state
    return Plan(
        title=f"roll {s.service} (cluster {s.cluster}) back by CodeDeploy blue/green",
        steps=(
            Step(f"inspect service {s.service}", lambda: _choose(ctx, job), read_only=True),
            Step("stop the deployment under way with rollback", lambda: _stop(ctx, job)),
            Step(
                "start a deployment of the earlier revision",
                lambda: steps.start(ctx, state, "rollback") if job.action == "redeploy" else None,
                lambda: steps.stop(ctx, state),
            ),
            Step("wait until the replacement is ready", lambda: steps.wait_ready(ctx, state)),
            Step("shift production traffic", lambda: steps.shift(ctx, state)),
            Step("record the rollback in the service's tags", lambda: _record(ctx, job)),
        ),
        record=lambda status, reason: steps.deployment_record(
            ctx, state, "rollback", status, reason, job.rolled_back_from
        ),
    )


def _choose(ctx: Context, job: _Rollback) -> str:
    state, rollout = job.state, job.state.rollout
    summary = inspect_service(ctx, state.live, controller="CODE_DEPLOY")
    state.group, _ = groups.read(ctx.aws, ctx.settings, hold=False)
    found = steps.find_active(ctx, state)
    tags = ecs.tags_of(state.live.service)
    current, current_arn = tags.get("ci-ecs:version"), tags.get("ci-ecs:task-definition", state.live.arn)
    if state.active is not None and job.to in (None, current):
        job.action, job.rolled_back_from = "stop", state.active.version
        return f"{summary}; {found}: stopping it"
    if (job.to is None and tags.get("ci-ecs:rolled-back-from")) or (job.to is not None and job.to == current):
        # Converge: a second rollback keeps what the first one did.
        rollout.version, rollout.arn = current or "", current_arn
        rollout.previous_version = tags.get("ci-ecs:previous-version")
        rollout.previous_arn = tags.get("ci-ecs:previous-task-definition", "")
        job.rolled_back_from = tags.get("ci-ecs:rolled-back-from", "")
        return f"{summary}; already on {current}: nothing to roll back (use --to VERSION to go further)"
    if state.active is not None:
        raise PreconditionError(
            f"rollback: deployment {state.active.id} of {state.active.version} is under way — "
            "run `ci-ecs rollback` without --to first to stop it"
        )
    job.action, job.rolled_back_from = "redeploy", current or ecs.short_arn(current_arn)
    rollout.previous_version, rollout.previous_arn = current, current_arn
    recorded = "ci-ecs:previous-task-definition" in tags
    if job.to is None and not recorded:
        # Nothing recorded in AWS: the forge may remember the previous good deployment.
        job.to, rollout.arn = previous_in_forge(ctx, state.live)
    if recorded and job.to in (None, tags.get("ci-ecs:previous-version")):
        rollout.version = tags.get("ci-ecs:previous-version") or "previous"
        rollout.arn = tags["ci-ecs:previous-task-definition"]
    else:
        assert job.to is not None
        family = state.live.task_definition["family"]
        rollout.version = job.to
        rollout.arn = rollout.arn or find_revision(ctx, family, job.to) or ""
        if not rollout.arn:
            raise PreconditionError(f"rollback: no revision of {family} is tagged ci-ecs:version={job.to}")
    return f"{summary}; rolling back from {current} to {rollout.version} ({ecs.short_arn(rollout.arn)})"


def _stop(ctx: Context, job: _Rollback) -> str | None:
    """Stop with rollback; then learn from AWS which revision production runs again."""
    state, rollout = job.state, job.state.rollout
    if job.action != "stop" or state.active is None:
        return None
    rollout.deployment_id = state.active.id
    said = steps.stop(ctx, state)
    rollout.deployment_id, stopped, state.active = "", state.active, None  # nothing left to wait for
    state.live.service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
    back_on = watch.primary_task_definition(state.live.service)
    tags = ecs.tags_of(state.live.service)
    if ecs.short_arn(back_on) == ecs.short_arn(stopped.task_definition):
        # CodeDeploy had already removed the original task set: deploy the release before it again.
        recorded = tags.get("ci-ecs:task-definition", "")
        if recorded and ecs.short_arn(recorded) != ecs.short_arn(back_on):
            rollout.version, rollout.arn = tags.get("ci-ecs:version") or "", recorded
        else:
            rollout.version = tags.get("ci-ecs:previous-version") or "previous"
            rollout.arn = tags.get("ci-ecs:previous-task-definition", "")
        if not rollout.arn:
            raise PreconditionError(f"rollback: {said}, but no earlier revision is recorded to deploy again")
        rollout.previous_version, rollout.previous_arn = stopped.version, stopped.task_definition
        job.action = "redeploy"
        return f"{said}; its original task set was already gone: deploying {ecs.short_arn(rollout.arn)} again"
    if ecs.short_arn(back_on) == ecs.short_arn(tags.get("ci-ecs:task-definition", "")):
        # A canary (or a deploy not recorded yet) ended: the recorded release never stopped being live.
        rollout.version = tags.get("ci-ecs:version", "")
        rollout.previous_version = tags.get("ci-ecs:previous-version")
        rollout.previous_arn = tags.get("ci-ecs:previous-task-definition", "")
    else:
        if ecs.short_arn(back_on) == ecs.short_arn(tags.get("ci-ecs:previous-task-definition", "")):
            # Stopped in the termination wait: the release before it is live again.
            rollout.version = tags.get("ci-ecs:previous-version", "")
        rollout.previous_version, rollout.previous_arn = stopped.version, stopped.task_definition
    rollout.arn = back_on
    if not rollout.version:
        revision, revision_tags = ecs.describe_task_definition(ctx.aws, back_on)
        rollout.version = Live({}, revision, revision_tags).version(ctx.settings.image) or ecs.short_arn(
            back_on
        )
    return f"{said}; production runs {ecs.short_arn(back_on)} ({rollout.version}) again"


def _record(ctx: Context, job: _Rollback) -> str:
    if not job.action:
        return "nothing to record"
    extra = {
        "ci-ecs:rolled-back-from": job.rolled_back_from,
        "ci-ecs:commit": "",
        "ci-ecs:pipeline": "",
        **dict.fromkeys(PENDING, ""),
    }
    return rollouts.record(ctx, job.state.live, job.state.rollout, TECHNIQUE, extra)
