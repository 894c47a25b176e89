"""`canary.mode: taskset` — EXTERNAL controller: a canary task set on its own target group, weighted rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2, tasksets
from ci_ecs.errors import DeploymentFailed, PreconditionError
from ci_ecs.output import counted
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.canary import base
from ci_ecs.strategies.context import Context, EndCanary, check_weighted_rules, inspect_service

CANARY_ID = "ci-ecs-canary"  # externalId prefix of canary task sets


@dataclass
class _State(base.State):
    """What the steps learn from each other."""

    primary: dict[str, Any] = field(default_factory=dict)
    canary_set: dict[str, Any] | None = None


def _primary(service: dict[str, Any]) -> dict[str, Any]:
    found = tasksets.primary(service)
    if found is None:
        raise PreconditionError(
            f"service: {service['serviceName']} has no PRIMARY task set to put a canary beside"
        )
    return found


def _canary_sets(service: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        t
        for t in service.get("taskSets", [])
        if t.get("status") in ("PRIMARY", "ACTIVE") and str(t.get("externalId", "")).startswith(CANARY_ID)
    ]


def plan(ctx: Context, end_other: EndCanary) -> Plan:
    """Start a canary task set on the canary target group, then give it its share of the traffic step by
    step (`canary.steps`, else `canary.weight`), measuring it at each step when an analysis is configured.

    `end_other` removes the canary of an older version first.
    """
    s, release = ctx.settings, ctx.require_release()
    job = _State()
    return Plan(
        title=f"canary {release.version} beside {s.service} (cluster {s.cluster}) as a task set",
        steps=(
            *base.first_steps(
                ctx,
                job,
                inspect=Step(f"inspect service {s.service}", lambda: _inspect(ctx, job), read_only=True),
                replace=Step("replace an older canary", lambda: _replace_older(ctx, job, end_other)),
                mode="taskset",
                remove=remove,
                record=lambda: _record(ctx, job),
                measured=lambda: _measured(ctx, job),
            ),
            Step("create the canary task set", lambda: _create(ctx, job)),
            Step("wait until the canary task set is healthy", lambda: _healthy(ctx, job)),
            *(step for weight in s.canary.weights() for step in _steps_at(ctx, job, weight)),
        ),
        record=base.deploy_record(ctx, "taskset", job),
    )


def _inspect(ctx: Context, job: _State) -> str:
    summary = inspect_service(ctx, job.live, controller="EXTERNAL")
    job.primary = _primary(job.live.service)
    check_weighted_rules(ctx, tasksets.target_group(job.primary))
    found = state.canary_of(job.live.service)
    if found is not None and found.version == ctx.require_release().version:
        job.arn = found.task_definition
        job.canary_set = next(iter(_canary_sets(job.live.service)), None)
    return summary


def _replace_older(ctx: Context, job: _State, end_other: EndCanary) -> str:
    found = state.canary_of(job.live.service)
    if found is not None and found.version == ctx.require_release().version:
        return f"canary {found.version} is in place"
    if found is not None:
        return end_other(ctx, job.live.service)
    # Canary task sets with no canary recorded in the tags: remove them all the same.
    return remove(ctx, job.live.service) if _canary_sets(job.live.service) else "none to replace"


def _record(ctx: Context, job: _State) -> str:
    done, service = base.record_canary(ctx, job, "taskset"), job.live.service
    if state.CANARY_PREVIOUS_WEIGHTS not in ecs.tags_of(service):
        # What to return to: the weights before the first canary, not those a canary set.
        primary = tasksets.target_group(job.primary)
        previous = ",".join(
            str(elbv2.forward_weights(ctx.aws, rule).get(primary, 0))
            for rule in ctx.settings.canary.listener_rules
        )
        ecs.tag(ctx.aws, service["serviceArn"], {state.CANARY_PREVIOUS_WEIGHTS: previous})
    return done


def _create(ctx: Context, job: _State) -> str:
    service = job.live.service
    if job.canary_set is not None:
        if ecs.tags_of(service).get(state.CANARY_TASK_SET) != job.canary_set["id"]:
            ecs.tag(ctx.aws, service["serviceArn"], {state.CANARY_TASK_SET: job.canary_set["id"]})
        return f"task set {job.canary_set['id']} already runs {ecs.short_arn(job.arn)}"
    group, scale = ctx.settings.canary.target_group or "", ctx.settings.canary.scale
    external = f"{CANARY_ID}:{ctx.require_release().version}"
    job.canary_set = tasksets.create(ctx.aws, service, job.primary, job.arn, group, scale, external)
    ecs.tag(ctx.aws, service["serviceArn"], {state.CANARY_TASK_SET: job.canary_set["id"]})
    return f"task set {job.canary_set['id']} at {scale:g}% on {elbv2.target_group_name(group)}"


def _healthy(ctx: Context, job: _State) -> str:
    assert job.canary_set is not None  # made (or found) by the step before
    wait, console = ctx.settings.wait, ctx.console
    steady = checks.watch_task_set(ctx.aws, job.live.service, job.canary_set["id"], wait, console)
    if not steady.ok:
        raise DeploymentFailed(steady.reason)
    count = steady.seen.get("computedDesiredCount", 0)
    group = ctx.settings.canary.target_group or ""
    healthy = checks.watch_healthy_count(ctx.aws, group, count, wait, console)
    if not healthy.ok:
        raise DeploymentFailed(healthy.reason)
    return f"{counted(steady.seen.get('runningCount', 0), 'canary task')} healthy"


def _steps_at(ctx: Context, job: _State, weight: int) -> tuple[Step, ...]:
    """Give the canary `weight` % of the traffic, then measure it there (when an analysis is configured)."""
    return (
        Step(f"shift {weight}% of the traffic to the canary", lambda: _shift(ctx, job, weight)),
        *base.analysis_steps(ctx, job, f"{weight}% of the traffic"),
    )


def _measured(ctx: Context, job: _State) -> tuple[list[str], list[str]]:
    """The canary's target group, and the stable task set's as the baseline."""
    return [ctx.settings.canary.target_group or ""], [tasksets.target_group(job.primary)]


def _shift(ctx: Context, job: _State, weight: int) -> str:
    group = ctx.settings.canary.target_group or ""
    weights = {tasksets.target_group(job.primary): 100 - weight, group: weight}
    for rule in ctx.settings.canary.listener_rules:
        elbv2.forward(ctx.aws, rule, weights)
    return f"canary {ctx.require_release().version} takes {weight}% of the rules' traffic"


def remove(ctx: Context, service: dict[str, Any]) -> str:
    """Weights back FIRST (and confirmed), then delete the canary task set(s), then forget the canary."""
    sets, rules = _canary_sets(service), ctx.settings.canary.listener_rules
    primary = tasksets.target_group(_primary(service))
    group = ctx.settings.canary.target_group
    if rules and group:
        previous = ecs.tags_of(service).get(state.CANARY_PREVIOUS_WEIGHTS, "")
        back = [int(w) for w in previous.split(",") if w.isdigit()] or [100] * len(rules)
        for rule, weight in zip(rules, back + [100] * (len(rules) - len(back)), strict=False):
            try:
                elbv2.forward(ctx.aws, rule, {primary: weight, group: 100 - weight})
            except DeploymentFailed as exc:
                raise DeploymentFailed(f"{exc}: not deleting the canary") from exc
    for task_set in sets:
        tasksets.delete(ctx.aws, service, task_set["taskSetArn"])
    state.forget(ctx.aws, service, state.CANARY)
    return (
        f"weights back on {elbv2.target_group_name(primary)}; {counted(len(sets), 'canary task set')} deleted"
    )


def targets(ctx: Context, service: dict[str, Any]) -> dict[str, list[checks.Endpoint]]:
    """The canary's targets now (for status): the canary target group's."""
    group = ctx.settings.canary.target_group
    if not group:
        return {}
    return {group: [(t.id, t.port or 0) for t in elbv2.target_health(ctx.aws, group)]}


def share(ctx: Context, service: dict[str, Any], targets: dict[str, list[checks.Endpoint]]) -> float | None:
    """The canary's share of the first rule's traffic, by its forward weights."""
    group, rules = ctx.settings.canary.target_group, ctx.settings.canary.listener_rules
    if not group or not rules:
        return None
    weights = elbv2.forward_weights(ctx.aws, rules[0])
    total = sum(weights.values())
    return weights.get(group, 0) / total if total else None
