"""`rolling`: a plain ECS rolling update with the deployment circuit breaker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs import render
from ci_ecs.aws import ecs
from ci_ecs.model import DeploymentRecord
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import canary
from ci_ecs.strategies import rollout as rollouts
from ci_ecs.strategies.common import (
    Context,
    Live,
    find_revision,
    inspect_service,
    pin_image,
    render_revision,
    same_revision,
)
from ci_ecs.strategies.rollout import Rollout

TECHNIQUE = "rolling"


@dataclass
class _Deploy:
    """What the deploy steps learn from each other."""

    rollout: Rollout
    new: dict[str, Any] = field(default_factory=dict)
    rolling_back_from: str = ""  # the newer version live when an older pipeline's job deploys again


def plan(ctx: Context) -> Plan:
    """Register the new revision, update the service, follow its deployment, record the release."""
    s, release = ctx.settings, ctx.require_release()
    live, state = Live(), _Deploy(Rollout(release.version))
    rollout = state.rollout
    extra = {
        "ci-ecs:commit": release.commit or "",
        "ci-ecs:pipeline": release.pipeline_url or "",
        "ci-ecs:pipeline-id": str(release.pipeline_id or ""),
    }
    return Plan(
        title=f"deploy {release.version} to {s.service} (cluster {s.cluster}) by rolling update",
        steps=(
            Step(f"inspect service {s.service}", lambda: _inspect(ctx, live, state), read_only=True),
            Step("check the image", lambda: pin_image(ctx), read_only=True),
            Step("render the task definition", lambda: _render(ctx, live, state), read_only=True),
            Step("register the task definition", lambda: _register(ctx, live, state)),
            Step(
                f"update service {s.service}",
                lambda: rollouts.update(ctx, live, rollout),
                lambda: rollouts.restore(ctx, rollout),
            ),
            Step("wait for the rollout", lambda: rollouts.wait(ctx, rollout)),
            Step(
                "record the release in the service's tags",
                lambda: rollouts.record(
                    ctx,
                    live,
                    rollout,
                    TECHNIQUE,
                    {**extra, "ci-ecs:rolled-back-from": state.rolling_back_from},
                ),
            ),
            canary.removal_step(ctx, lambda: live.service),
        ),
        record=lambda status, reason: deployment_record(
            ctx, "deploy", rollout, status, reason, state.rolling_back_from
        ),
    )


def deployment_record(
    ctx: Context, command: str, rollout: Rollout, status: str, reason: str | None, rolled_back_from: str = ""
) -> DeploymentRecord:
    details = {"deployment": rollout.deployment_id}
    if ctx.release is not None:
        details["image"] = ctx.release.reference
    if rolled_back_from:
        details["rolled_back_from"] = rolled_back_from
    return DeploymentRecord(
        command=command,
        technique=TECHNIQUE,
        service=ctx.settings.service,
        cluster=ctx.settings.cluster,
        version=rollout.version,
        task_definition=rollout.arn,
        previous_version=rollout.previous_version,
        previous_task_definition=rollout.previous_arn or None,
        status=status,
        reason=reason,
        details=details,
        api_calls=dict(ctx.aws.calls),
    )


def _inspect(ctx: Context, live: Live, state: _Deploy) -> str:
    summary = inspect_service(ctx, live, controller="ECS")
    tags, rollout = ecs.tags_of(live.service), state.rollout
    state.rolling_back_from, newer = _newer_live_version(ctx, tags)
    if state.rolling_back_from:
        ctx.console.line(
            f"    this is a rollback: {state.rolling_back_from} from the newer pipeline {newer} is live; "
            f"deploying {rollout.version} of pipeline {ctx.require_release().pipeline_id} again"
        )
    if tags.get("ci-ecs:version") == rollout.version:
        # A re-run of the release that is live: keep what it replaced as the previous version.
        rollout.previous_version = tags.get("ci-ecs:previous-version")
        rollout.previous_arn = tags.get("ci-ecs:previous-task-definition", "")
    elif "ci-ecs:task-definition" in tags:
        # The recorded release, not the service's current revision: a killed job may have left
        # the service half-way to a revision that never went live.
        rollout.previous_version = tags.get("ci-ecs:version")
        rollout.previous_arn = tags["ci-ecs:task-definition"]
    else:
        # Nothing recorded yet. With a rollout under way, what runs is the deployment it replaces.
        settled = _replaced_deployment(live.service)
        if settled and ecs.short_arn(settled["taskDefinition"]) != ecs.short_arn(live.arn):
            revision, revision_tags = ecs.describe_task_definition(ctx.aws, settled["taskDefinition"])
            previous = Live(live.service, revision, revision_tags)
        else:
            previous = Live({}, live.task_definition, live.task_definition_tags)
        rollout.previous_version = previous.version(ctx.require_release().image)
        rollout.previous_arn = previous.arn
    return summary


def _newer_live_version(ctx: Context, tags: dict[str, str]) -> tuple[str, int | None]:
    """The live version and its pipeline if a newer pipeline than ours deployed it, else ('', None)."""
    release = ctx.require_release()
    ours, live = release.pipeline_id, tags.get("ci-ecs:version", "")
    if ours is None or live == release.version:
        return "", None
    theirs = tags.get("ci-ecs:pipeline-id", "")
    if theirs.isdigit():
        return (live, int(theirs)) if int(theirs) > ours else ("", None)
    # No pipeline recorded in AWS (deployed before ci-ecs did): ask the forge which pipeline deployed last.
    environment = ctx.settings.environment
    newest = ctx.reporter.history(environment, limit=5)[:1] if environment else []
    if (
        newest
        and newest[0].pipeline_id
        and newest[0].pipeline_id > ours
        and newest[0].version != release.version
    ):
        return newest[0].version, newest[0].pipeline_id
    return "", None


def _replaced_deployment(service: dict[str, Any]) -> dict[str, Any] | None:
    """While a rollout is under way, the newest ACTIVE deployment: the one it replaces."""
    if ecs.primary_deployment(service).get("rolloutState") != "IN_PROGRESS":
        return None
    active = [d for d in service.get("deployments", []) if d.get("status") == "ACTIVE"]
    return max(active, key=lambda d: str(d.get("createdAt", "")), default=None)


def _render(ctx: Context, live: Live, state: _Deploy) -> str:
    state.new = render_revision(ctx, live)
    unchanged = same_revision(live.task_definition, state.new)
    if ctx.dry_run:
        lines = render.diff(render.registerable(live.task_definition), state.new)
        ctx.console.line(f"    changes to {ecs.short_arn(live.arn)}:" if lines else "    no changes")
        for line in lines:
            ctx.console.line(f"    {line}")
    family = state.new["family"]
    same = " (same as the live revision)" if unchanged else ""
    return f"{family} with image {ctx.require_release().reference}{same}"


def _register(ctx: Context, live: Live, state: _Deploy) -> str:
    found = canary.recorded(live.service)
    if found is not None and found.version == state.rollout.version and found.task_definition:
        # The canary proved this revision: promote exactly it.
        state.rollout.arn = found.task_definition
        return f"promoting the canary's {ecs.short_arn(found.task_definition)}"
    if same_revision(live.task_definition, state.new):
        state.rollout.arn = live.arn
        return f"the live revision {ecs.short_arn(live.arn)} already is this version: reusing it"
    if state.rolling_back_from:
        # Going back: the revision that ran this version before is exactly what to run again.
        earlier = find_revision(ctx, state.new["family"], state.rollout.version)
        if earlier:
            state.rollout.arn = earlier
            return f"{state.rollout.version} ran as {ecs.short_arn(earlier)} before: reusing it"
    registered = ecs.register_task_definition(ctx.aws, state.new)
    state.rollout.arn = registered["taskDefinitionArn"]
    return f"registered {ecs.short_arn(state.rollout.arn)}"
