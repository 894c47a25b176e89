"""Rollback by a rolling update: choose the version to return to, then roll the service to it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs
from ci_ecs.errors import PreconditionError
from ci_ecs.model import Release
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import rollout as rollouts
from ci_ecs.strategies.common import (
    Context,
    Live,
    find_revision,
    inspect_service,
    pin_image,
    previous_in_forge,
    render_revision,
)
from ci_ecs.strategies.rolling import TECHNIQUE, deployment_record
from ci_ecs.strategies.rollout import Rollout


@dataclass
class _Rollback:
    """What the rollback steps learn: the revision to return to, or one to register for it."""

    rollout: Rollout
    to: str | None
    new: dict[str, Any] = field(default_factory=dict)
    rolled_back_from: str = ""


def plan(ctx: Context, to: str | None) -> Plan:
    """Return the service to the previous good version (or `to`), by a rolling update."""
    s = ctx.settings
    live, state = Live(), _Rollback(Rollout(to or "the previous version"), to)
    rollout = state.rollout

    def record_tags() -> str:
        extra = {
            "ci-ecs:rolled-back-from": state.rolled_back_from,
            "ci-ecs:commit": "",
            "ci-ecs:pipeline": "",
        }
        return rollouts.record(ctx, live, rollout, TECHNIQUE, extra)

    return Plan(
        title=f"roll {s.service} (cluster {s.cluster}) back to {rollout.version}",
        steps=(
            Step(f"inspect service {s.service}", lambda: _choose_target(ctx, live, state), read_only=True),
            Step("register the task definition", lambda: _register_target(ctx, state)),
            Step(
                f"update service {s.service}",
                lambda: rollouts.update(ctx, live, rollout),
                lambda: rollouts.restore(ctx, rollout),
            ),
            Step("wait for the rollout", lambda: rollouts.wait(ctx, rollout)),
            Step("record the rollback in the service's tags", record_tags),
        ),
        record=lambda status, reason: deployment_record(ctx, "rollback", rollout, status, reason),
    )


def _choose_target(ctx: Context, live: Live, state: _Rollback) -> str:
    summary = inspect_service(ctx, live, controller="ECS")
    tags, rollout = ecs.tags_of(live.service), state.rollout
    current, current_arn = tags.get("ci-ecs:version"), tags.get("ci-ecs:task-definition", live.arn)
    already = tags.get("ci-ecs:rolled-back-from")
    if (state.to is None and already) or (state.to is not None and state.to == current):
        # Converge: a second rollback (or one to the live version) keeps what the first one recorded.
        rollout.version, rollout.arn = current or "", current_arn
        rollout.previous_version = tags.get("ci-ecs:previous-version")
        rollout.previous_arn = tags.get("ci-ecs:previous-task-definition", "")
        state.rolled_back_from = already or ""
        return f"{summary}; already on {current}: nothing to roll back (use --to VERSION to go further)"
    rollout.previous_version, rollout.previous_arn = current, current_arn
    state.rolled_back_from = current or ecs.short_arn(current_arn)
    if state.to is None and "ci-ecs:previous-task-definition" not in tags:
        # Nothing recorded in AWS: the forge may remember the previous good deployment.
        state.to, rollout.arn = previous_in_forge(ctx, live)
    if state.to is None or state.to == tags.get("ci-ecs:previous-version"):
        rollout.version = tags.get("ci-ecs:previous-version") or "previous"
        rollout.arn = tags["ci-ecs:previous-task-definition"]
        return f"{summary}; rolling back from {current} to {rollout.version} ({ecs.short_arn(rollout.arn)})"
    if rollout.arn:
        rollout.version = state.to
        return f"{summary}; the forge's previous good deployment is {state.to} ({ecs.short_arn(rollout.arn)})"
    rollout.version = state.to
    found = find_revision(ctx, live.task_definition["family"], state.to)
    if found:
        rollout.arn = found
        return f"{summary}; {state.to} is {ecs.short_arn(found)}"
    if ctx.settings.image is None:
        raise PreconditionError(
            f"rollback: no revision of {live.task_definition['family']} is tagged ci-ecs:version={state.to}, "
            "and no `image` repository is configured to find the image tag in"
        )
    ctx.release = Release(dataclasses.replace(ctx.settings.image, tag=state.to, digest=None), state.to)
    pin_image(ctx)
    state.new = render_revision(ctx, live)
    return f"{summary}; no revision is tagged {state.to}: registering one for {ctx.release.reference}"


def _register_target(ctx: Context, state: _Rollback) -> str:
    if not state.new:
        return f"not needed: {ecs.short_arn(state.rollout.arn)} exists"
    registered = ecs.register_task_definition(ctx.aws, state.new)
    state.rollout.arn = registered["taskDefinitionArn"]
    return f"registered {ecs.short_arn(state.rollout.arn)}"
