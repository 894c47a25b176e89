"""Deploy or roll back an EXTERNAL-controller service: a full-size task set made primary, others deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2, tasksets
from ci_ecs.errors import PreconditionError
from ci_ecs.model import DeploymentRecord
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import canary, canary_taskset
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

TECHNIQUE = "taskset"


@dataclass
class _State:
    """What the steps learn from each other."""

    rollout: Rollout
    live: Live = field(default_factory=Live)
    new: dict[str, Any] = field(default_factory=dict)
    old_primary: dict[str, Any] = field(default_factory=dict)
    task_set: dict[str, Any] = field(default_factory=dict)


def plan(ctx: Context, *, back_to: tuple[str, str] | None = None) -> Plan:
    """Deploy the release, or with `back_to` (version, task-definition ARN) return to an earlier revision."""
    s = ctx.settings
    command = "rollback" if back_to else "deploy"
    state = _State(Rollout(back_to[0] if back_to else ctx.require_release().version))
    if back_to:
        state.rollout.arn = back_to[1]
    steps: list[Step] = [Step(f"inspect service {s.service}", lambda: _inspect(ctx, state), read_only=True)]
    if not back_to:
        steps += [
            Step("check the image", lambda: pin_image(ctx), read_only=True),
            Step("render the task definition", lambda: _render(ctx, state), read_only=True),
            Step("register the task definition", lambda: _register(ctx, state)),
        ]
    steps += [
        Step("create a full-size task set", lambda: _create(ctx, state), lambda: _delete_new(ctx, state)),
        Step("wait until it is healthy", lambda: _healthy(ctx, state)),
        Step("make it primary", lambda: _make_primary(ctx, state), lambda: _restore_primary(ctx, state)),
        Step("return all traffic to the primary target group", lambda: _weights_back(ctx, state)),
        Step("delete the other task sets", lambda: _delete_others(ctx, state)),
        Step("record the release in the service's tags", lambda: _record(ctx, state, command)),
    ]
    return Plan(
        title=f"{command} {state.rollout.version} to {s.service} (cluster {s.cluster}) by task sets",
        steps=tuple(steps),
        record=lambda status, reason: _deployment_record(ctx, state, command, status, reason),
    )


def _inspect(ctx: Context, state: _State) -> str:
    summary = inspect_service(ctx, state.live, controller="EXTERNAL")
    tags = ecs.tags_of(state.live.service)
    state.old_primary = next(
        t for t in state.live.service.get("taskSets", []) if t.get("status") == "PRIMARY"
    )
    state.rollout.previous_version = tags.get("ci-ecs:version") or state.live.version(ctx.settings.image)
    state.rollout.previous_arn = state.old_primary["taskDefinition"]
    if state.rollout.version == state.rollout.previous_version and tags.get("ci-ecs:previous-version"):
        # A re-run of the live release: keep what it replaced.
        state.rollout.previous_version = tags.get("ci-ecs:previous-version")
        state.rollout.previous_arn = tags.get("ci-ecs:previous-task-definition", "")
    return summary


def _render(ctx: Context, state: _State) -> str:
    state.new = render_revision(ctx, state.live)
    return f"{state.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, state: _State) -> str:
    found = canary.recorded(state.live.service)
    if found is not None and found.version == state.rollout.version and found.task_definition:
        state.rollout.arn = found.task_definition
        return f"promoting the canary's {ecs.short_arn(found.task_definition)}"
    if same_revision(state.live.task_definition, state.new):
        state.rollout.arn = state.live.arn
        return f"the live revision {ecs.short_arn(state.live.arn)} already is this version"
    state.rollout.arn = ecs.register_task_definition(ctx.aws, state.new)["taskDefinitionArn"]
    return f"registered {ecs.short_arn(state.rollout.arn)}"


def _external_id(state: _State) -> str:
    return f"ci-ecs:{state.rollout.version}"


def _create(ctx: Context, state: _State) -> str:
    service = state.live.service
    for existing in service.get("taskSets", []):
        same = ecs.short_arn(existing["taskDefinition"]) == ecs.short_arn(state.rollout.arn)
        if (
            existing.get("externalId") == _external_id(state)
            and same
            and existing.get("status") != "DRAINING"
        ):
            state.task_set = existing
            return f"task set {existing['id']} already runs {ecs.short_arn(state.rollout.arn)}"
    group = canary_taskset.primary_group(state.old_primary)
    state.task_set = tasksets.create(
        ctx.aws, service, state.old_primary, state.rollout.arn, group, 100, _external_id(state)
    )
    revision, name = ecs.short_arn(state.rollout.arn), elbv2.target_group_name(group)
    return f"task set {state.task_set['id']} of {revision} on {name}"


def _delete_new(ctx: Context, state: _State) -> str:
    if not state.task_set or state.task_set["id"] == state.old_primary.get("id"):
        return "nothing to delete"
    tasksets.delete(ctx.aws, state.live.service, state.task_set["taskSetArn"])
    return f"deleted task set {state.task_set['id']}"


def _healthy(ctx: Context, state: _State) -> str:
    steady = canary_taskset.wait_steady(ctx, state.live.service, state.task_set["id"])
    # Old and new tasks share the primary target group until the switch: wait for all of them.
    group = canary_taskset.primary_group(state.old_primary)
    expected = steady.get("computedDesiredCount", 0)
    if state.task_set["id"] != state.old_primary["id"]:
        expected += state.old_primary.get("runningCount", 0)
    canary_taskset.wait_healthy(ctx, group, expected)
    return f"{steady.get('runningCount', 0)} task(s) of {ecs.short_arn(state.rollout.arn)} healthy"


def _make_primary(ctx: Context, state: _State) -> str:
    tasksets.make_primary(ctx.aws, state.live.service, state.task_set["taskSetArn"])
    return f"task set {state.task_set['id']} is primary"


def _restore_primary(ctx: Context, state: _State) -> str:
    tasksets.make_primary(ctx.aws, state.live.service, state.old_primary["taskSetArn"])
    return f"task set {state.old_primary['id']} is primary again"


def _weights_back(ctx: Context, state: _State) -> str:
    group, rules = ctx.settings.canary.target_group, ctx.settings.canary.listener_rules
    if not group or not rules:
        return "no weighted rules configured"
    canary_taskset.set_weights(ctx, {canary_taskset.primary_group(state.old_primary): 100, group: 0})
    return f"{len(rules)} rule(s) at 100:0"


def _delete_others(ctx: Context, state: _State) -> str:
    # The switch has moved traffic: the old and canary task sets now only drain and stop.
    others = [t for t in tasksets.task_sets(ctx.aws, state.live.service) if t["id"] != state.task_set["id"]]
    for task_set in others:
        if task_set.get("status") != "DRAINING":
            tasksets.delete(ctx.aws, state.live.service, task_set["taskSetArn"])
    return f"deleted {len(others)} task set(s)"


def _record(ctx: Context, state: _State, command: str) -> str:
    rolled_back_from = (state.rollout.previous_version or "") if command == "rollback" else ""
    extra = {"ci-ecs:rolled-back-from": rolled_back_from}
    done = rollouts.record(ctx, state.live, state.rollout, TECHNIQUE, extra)
    service = state.live.service
    leftovers = [*canary.TAGS, canary_taskset.TASK_SET, canary_taskset.WEIGHTS]
    ecs.untag(ctx.aws, service["serviceArn"], [k for k in leftovers if k in ecs.tags_of(service)])
    return done


def _deployment_record(
    ctx: Context, state: _State, command: str, status: str, reason: str | None
) -> DeploymentRecord:
    return DeploymentRecord(
        command=command,
        technique=TECHNIQUE,
        service=ctx.settings.service,
        cluster=ctx.settings.cluster,
        version=state.rollout.version,
        task_definition=state.rollout.arn,
        previous_version=state.rollout.previous_version,
        previous_task_definition=state.rollout.previous_arn or None,
        status=status,
        reason=reason,
        details={"task_set": state.task_set.get("id", "")},
        api_calls=dict(ctx.aws.calls),
    )


def rollback_plan(ctx: Context, service: dict[str, Any], to: str | None) -> Plan:
    """Back to the previous version (or `to`) recorded for an EXTERNAL-controller service."""
    tags = ecs.tags_of(service)
    if to is None or to == tags.get("ci-ecs:previous-version"):
        if "ci-ecs:previous-task-definition" not in tags:
            raise PreconditionError(
                f"rollback: nothing to roll back to — service {ctx.settings.service} has no recorded "
                "previous version (deploy it with ci-ecs first, or pass --to VERSION)"
            )
        return plan(
            ctx,
            back_to=(
                tags.get("ci-ecs:previous-version", "previous"),
                tags["ci-ecs:previous-task-definition"],
            ),
        )
    primary: dict[str, Any] = next(
        (t for t in service.get("taskSets", []) if t.get("status") == "PRIMARY"), {}
    )
    family = ecs.short_arn(primary.get("taskDefinition", ":")).rsplit(":", 1)[0]
    found = find_revision(ctx, family, to)
    if found is None:
        raise PreconditionError(f"rollback: no revision of {family} is tagged ci-ecs:version={to}")
    return plan(ctx, back_to=(to, found))
