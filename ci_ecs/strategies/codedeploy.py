"""`codedeploy`: ECS blue/green by CodeDeploy — a canary waits at Ready, deploy shifts production to it."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws import codedeploy, ecs
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import codedeploy_group as groups
from ci_ecs.strategies import codedeploy_steps as steps
from ci_ecs.strategies import codedeploy_watch as watch
from ci_ecs.strategies import rollout as rollouts
from ci_ecs.strategies.codedeploy_steps import PENDING, TECHNIQUE, State
from ci_ecs.strategies.common import (
    Context,
    Live,
    inspect_service,
    pin_image,
    register_revision,
    render_revision,
)
from ci_ecs.strategies.rollout import Rollout


def canary_plan(ctx: Context) -> Plan:
    """Start a deployment that stops at Ready: the replacement serves the test listener, production waits."""
    s, release = ctx.settings, ctx.require_release()
    state = State(Rollout(release.version))
    return Plan(
        title=f"canary {release.version} of {s.service} (cluster {s.cluster}) by CodeDeploy blue/green",
        steps=(
            *_prepare(ctx, state, hold=True),
            _start(ctx, state, "canary-deploy", "create the deployment"),
            Step("wait until the replacement serves the test listener", lambda: steps.wait_ready(ctx, state)),
        ),
        record=lambda status, reason: steps.deployment_record(ctx, state, "canary-deploy", status, reason),
    )


def deploy_plan(ctx: Context) -> Plan:
    """Continue the canary's deployment (or create one), shift production to it, record the release."""
    s, release = ctx.settings, ctx.require_release()
    state = State(Rollout(release.version))
    extra = {
        "ci-ecs:commit": release.commit or "",
        "ci-ecs:pipeline": release.pipeline_url or "",
        "ci-ecs:pipeline-id": str(release.pipeline_id or ""),
        "ci-ecs:rolled-back-from": "",
        **dict.fromkeys(PENDING, ""),
    }
    return Plan(
        title=f"deploy {release.version} to {s.service} (cluster {s.cluster}) by CodeDeploy blue/green",
        steps=(
            *_prepare(ctx, state, hold=False),
            _start(ctx, state, "deploy", "start the deployment"),
            Step("wait until the replacement is ready", lambda: steps.wait_ready(ctx, state)),
            Step("shift production traffic", lambda: steps.shift(ctx, state)),
            Step(
                "record the release in the service's tags",
                lambda: rollouts.record(ctx, state.live, state.rollout, TECHNIQUE, extra),
            ),
        ),
        record=lambda status, reason: steps.deployment_record(ctx, state, "deploy", status, reason),
    )


def rollback_plan(ctx: Context, to: str | None) -> Plan:
    """Stop a deployment under way with rollback, else deploy the previous (or `to`) revision."""
    from ci_ecs.strategies import codedeploy_rollback

    return codedeploy_rollback.plan(ctx, to)


def _prepare(ctx: Context, state: State, *, hold: bool) -> tuple[Step, ...]:
    """Read and check everything, then create the group if missing and register the revision."""
    s = ctx.settings
    return (
        Step(f"inspect service {s.service}", lambda: inspect(ctx, state, hold=hold), read_only=True),
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        Step("render the task definition", lambda: _render(ctx, state), read_only=True),
        Step(
            "create the CodeDeploy application and deployment group",
            lambda: groups.ensure(ctx.aws, s, state.group),
        ),
        Step("register the task definition", lambda: _register(ctx, state)),
    )


def _start(ctx: Context, state: State, command: str, name: str) -> Step:
    """Create (or follow) the deployment; undone by stopping it with rollback."""
    return Step(name, lambda: steps.start(ctx, state, command), lambda: steps.stop(ctx, state))


def inspect(ctx: Context, state: State, *, hold: bool) -> str:
    """The service (CODE_DEPLOY controller), its group, the deployment under way, the previous release."""
    summary = inspect_service(ctx, state.live, controller="CODE_DEPLOY")
    state.group, group = groups.read(ctx.aws, ctx.settings, hold=hold)
    found = steps.find_active(ctx, state)
    steps.require_no_other(state)
    tags, rollout = ecs.tags_of(state.live.service), state.rollout
    if tags.get("ci-ecs:version") == rollout.version and tags.get("ci-ecs:previous-version"):
        # A re-run of the live release: keep what it replaced.
        rollout.previous_version = tags.get("ci-ecs:previous-version")
        rollout.previous_arn = tags.get("ci-ecs:previous-task-definition", "")
    elif "ci-ecs:task-definition" in tags:
        # The recorded release, not the primary task set: a killed deploy may have shifted traffic already.
        rollout.previous_version, rollout.previous_arn = (
            tags.get("ci-ecs:version"),
            tags["ci-ecs:task-definition"],
        )
    else:
        rollout.previous_version = tags.get("ci-ecs:version") or state.live.version(ctx.settings.image)
        rollout.previous_arn = state.live.arn
    return f"{summary}; {group}; {found}"


def _render(ctx: Context, state: State) -> str:
    state.new = render_revision(ctx, state.live)
    return f"{state.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, state: State) -> str:
    active = state.active
    reuse = active.task_definition if active and active.version == state.rollout.version else ""
    state.rollout.arn, said = register_revision(ctx, state.live, state.new, reuse)
    return said


def status(ctx: Context, service: dict[str, Any]) -> dict[str, Any] | None:
    """The group's deployment under way (for `ci-ecs status`): id, status, version, green share."""
    state = State(Rollout(""), Live(service), groups.named(ctx.settings))
    state.group.info = codedeploy.get_group(ctx.aws, state.group.application, state.group.name)
    steps.find_active(ctx, state)
    if state.active is None:
        return None
    ids = codedeploy.target_ids(ctx.aws, state.active.id)
    targets = tuple(codedeploy.ecs_targets(ctx.aws, state.active.id, ids))
    return {
        "deployment": state.active.id,
        "status": state.active.status,
        "version": state.active.version,
        "green_share": watch.Seen({}, targets).green_share,
    }
