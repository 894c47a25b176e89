"""`switch` rollback: end a prepare, or bring the previous version back and switch the public rule to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.errors import PreconditionError
from ci_ecs.model import DeploymentRecord
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import rollout as rollouts
from ci_ecs.strategies import switch_prepare, switch_retire
from ci_ecs.strategies import switch_state as state
from ci_ecs.strategies.common import Context, Live
from ci_ecs.strategies.rollout import Rollout


@dataclass
class _Back:
    """What the rollback steps learn: the version to return to and the one it replaces."""

    family: state.Family = field(default_factory=lambda: state.Family(""))
    target: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, Any] = field(default_factory=dict)
    failed_version: str = ""
    converged: bool = False


def plan(ctx: Context, to: str | None) -> Plan:
    """End a prepare under way (the public rule never moved), else switch back to the previous version."""
    s = ctx.settings
    family = state.read(ctx)
    marked = family.preparing_of()
    live = family.live()
    if marked is not None and (live is None or state.version_of(live, s.service) != marked[1]):
        return _end_prepare_plan(ctx, family, marked[0], marked[1])
    back = _Back(family)
    steps = (
        Step("inspect the switch rules and services", lambda: _inspect(ctx, back, to), read_only=True),
        Step("forward the preparing rule to it", lambda: _prepare_rule(ctx, back)),
        Step("bring the previous version back", lambda: _revive(ctx, back)),
        Step(
            "wait until enough targets are healthy",
            lambda: switch_prepare.healthy(ctx, state.group_of(back.target)),
        ),
        Step("mark the rollback on the previous version", lambda: _mark(ctx, back)),
        Step("forward the public rule to it", lambda: _forward(ctx, back)),
        Step("retire the version rolled back from", lambda: _retire(ctx, back)),
        Step("record the rollback in the service's tags", lambda: _record(ctx, back)),
    )
    return Plan(
        title=f"roll {s.service} (cluster {s.cluster}) back to {to or 'the previous version'} by switching",
        steps=steps,
        record=lambda status, reason: _deployment_record(ctx, back, status, reason),
    )


def _end_prepare_plan(ctx: Context, family: state.Family, marked: dict[str, Any], version: str) -> Plan:
    s = ctx.settings
    back = _Back(family, target=marked, failed_version=version)
    return Plan(
        title=f"end the prepare of {version} beside {s.service} (cluster {s.cluster})",
        steps=(Step(f"remove {version}", lambda: switch_retire.end_prepare(ctx, family, marked, version)),),
        record=lambda status, reason: _deployment_record(ctx, back, status, reason),
    )


def _inspect(ctx: Context, back: _Back, to: str | None) -> str:
    base = ctx.settings.service
    live = back.family.live()  # the family `plan` read
    assert live is not None
    tags = ecs.tags_of(live)
    already = tags.get(state.ROLLED_BACK_FROM, "")
    if (to is None and already) or to == state.version_of(live, base):
        # A second rollback (or one to the live version) finishes what the first one started.
        back.target, back.converged = live, True
        back.failed_version = already
        back.failed = back.family.by_version(already) or {} if already else {}
        now_on = state.version_of(live, base)
        return f"already on {now_on}: nothing to roll back (use --to VERSION to go further)"
    found = back.family.by_version(to) if to else back.family.by_name(tags.get(state.PREVIOUS_SERVICE, ""))
    if found is None:
        raise PreconditionError(
            f"rollback: nothing to roll back to — no service of {to or 'the previous version'} is left "
            f"beside {live['serviceName']} (ci-ecs keeps one previous version; deploy the one you want)"
        )
    back.target, back.failed, back.failed_version = found, live, state.version_of(live, base)
    return f"rolling back from {back.failed_version} to {state.version_of(found, base)}"


def _prepare_rule(ctx: Context, back: _Back) -> str:
    # Its target group must be behind a listener before ECS registers new tasks in it.
    group = state.group_of(back.target)
    if back.family.preparing != {group: 1}:
        state.forward(ctx, ctx.settings.switch.preparing_rule, {group: 1})
        back.family.preparing = {group: 1}
    return f"the preparing rule forwards to {elbv2.target_group_name(group)}"


def _revive(ctx: Context, back: _Back) -> str:
    return switch_retire.revive(ctx, back.target, back.failed or back.target)


def _mark(ctx: Context, back: _Back) -> str:
    if not back.failed_version or ecs.tags_of(back.target).get(state.ROLLED_BACK_FROM) == back.failed_version:
        return "marked already"
    ecs.tag(ctx.aws, back.target["serviceArn"], {state.ROLLED_BACK_FROM: back.failed_version})
    return f"{state.ROLLED_BACK_FROM}={back.failed_version}"


def _forward(ctx: Context, back: _Back) -> str:
    group, rules = state.group_of(back.target), ctx.settings.switch
    wanted = {group: 1}
    if back.family.public != wanted:
        state.forward(ctx, rules.public_rule, wanted)
    return f"the public rule forwards to {elbv2.target_group_name(group)}"


def _retire(ctx: Context, back: _Back) -> str:
    if not back.failed or back.failed.get("serviceName") == back.target.get("serviceName"):
        return "nothing to retire"
    return switch_retire.retire(ctx, back.failed)


def _record(ctx: Context, back: _Back) -> str:
    base, target = ctx.settings.service, back.target
    rollout = Rollout(state.version_of(target, base), str(target["taskDefinition"]), back.failed_version)
    rollout.previous_arn = str(back.failed.get("taskDefinition", ""))
    extra = {
        state.SWITCH: base,
        state.PREVIOUS_SERVICE: back.failed.get("serviceName", ""),
        state.ROLLED_BACK_FROM: back.failed_version,
    }
    done = rollouts.record(ctx, Live(service=target), rollout, "switch", extra)
    marks = [k for k in (state.PREPARING, state.PREPARING_WAS) if k in ecs.tags_of(target)]
    ecs.untag(ctx.aws, target["serviceArn"], marks)
    return done


def _deployment_record(ctx: Context, back: _Back, status: str, reason: str | None) -> DeploymentRecord:
    base, target = ctx.settings.service, back.target
    return DeploymentRecord(
        command="rollback",
        technique="switch",
        service=target.get("serviceName", base),
        cluster=ctx.settings.cluster,
        version=state.version_of(target, base) if target else "",
        task_definition=str(target.get("taskDefinition", "")),
        previous_version=back.failed_version or None,
        previous_task_definition=str(back.failed.get("taskDefinition", "")) or None,
        status=status,
        reason=reason,
        details={"rolled_back_from": back.failed_version},
        api_calls=dict(ctx.aws.calls),
    )
