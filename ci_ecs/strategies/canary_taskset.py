"""`canary.mode: taskset` — EXTERNAL controller: a canary task set on its own target group, weighted rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2, tasksets
from ci_ecs.errors import DeploymentFailed, PreconditionError
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import canary
from ci_ecs.strategies.common import Context, inspect_service

CANARY_ID = "ci-ecs-canary"  # externalId prefix of canary task sets
TASK_SET = "ci-ecs:canary-task-set"
WEIGHTS = "ci-ecs:canary-previous-weights"


@dataclass
class _State(canary.State):
    """What the steps learn from each other."""

    primary: dict[str, Any] = field(default_factory=dict)
    canary_set: dict[str, Any] | None = None


def primary_group(primary: dict[str, Any]) -> str:
    """The target group of the PRIMARY task set: where production traffic goes."""
    return str(primary["loadBalancers"][0]["targetGroupArn"])


def _sets(service: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in service.get("taskSets", []) if t.get("status") in ("PRIMARY", "ACTIVE")]


def _primary(service: dict[str, Any]) -> dict[str, Any]:
    found: list[dict[str, Any]] = [t for t in service.get("taskSets", []) if t.get("status") == "PRIMARY"]
    if not found:
        raise PreconditionError(
            f"service: {service['serviceName']} has no PRIMARY task set to put a canary beside"
        )
    return found[0]


def _canary_sets(service: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in _sets(service) if str(t.get("externalId", "")).startswith(CANARY_ID)]


def plan(ctx: Context) -> Plan:
    """Start a canary task set on the canary target group, then give it `canary.weight` % of the traffic."""
    s, release = ctx.settings, ctx.require_release()
    state = _State()
    return Plan(
        title=f"canary {release.version} beside {s.service} (cluster {s.cluster}) as a task set",
        steps=(
            *canary.first_steps(
                ctx,
                state,
                inspect=Step(f"inspect service {s.service}", lambda: _inspect(ctx, state), read_only=True),
                replace=Step("replace an older canary", lambda: _replace_older(ctx, state)),
                record=lambda: _record(ctx, state),
                remove=remove,
            ),
            Step("create the canary task set", lambda: _create(ctx, state)),
            Step("wait until the canary task set is healthy", lambda: _healthy(ctx, state)),
            Step(f"shift {s.canary.weight}% of the traffic to the canary", lambda: _shift(ctx, state)),
        ),
        record=canary.deploy_record(ctx, "taskset", state.live, lambda: state.arn),
    )


def _inspect(ctx: Context, state: _State) -> str:
    summary = inspect_service(ctx, state.live, controller="EXTERNAL")
    state.primary = _primary(state.live.service)
    group = ctx.settings.canary.target_group
    if group == primary_group(state.primary):
        raise PreconditionError(
            "canary.target_group: is the primary task set's target group — use another one"
        )
    for rule in ctx.settings.canary.listener_rules:
        weights = elbv2.forward_weights(ctx.aws, rule)
        if primary_group(state.primary) not in weights:
            raise PreconditionError(
                f"canary.listener_rules: {rule} does not forward to the primary target group "
                f"{elbv2.target_group_name(primary_group(state.primary))}"
            )
    found = canary.recorded(state.live.service)
    if found is not None and found.version == ctx.require_release().version:
        state.arn = found.task_definition
        state.canary_set = next(iter(_canary_sets(state.live.service)), None)
    return summary


def _replace_older(ctx: Context, state: _State) -> str:
    found = canary.recorded(state.live.service)
    if found is None and not _canary_sets(state.live.service):
        return "none to replace"
    if found is not None and found.version == ctx.require_release().version:
        return f"canary {found.version} is in place"
    return remove(ctx, state.live.service)


def _record(ctx: Context, state: _State) -> str:
    done, service = canary.record_canary(ctx, state, "taskset"), state.live.service
    if WEIGHTS not in ecs.tags_of(service):
        # What to return to: the weights before the first canary, not those a canary set.
        primary = primary_group(state.primary)
        previous = ",".join(
            str(elbv2.forward_weights(ctx.aws, rule).get(primary, 0))
            for rule in ctx.settings.canary.listener_rules
        )
        ecs.tag(ctx.aws, service["serviceArn"], {WEIGHTS: previous})
    return done


def _create(ctx: Context, state: _State) -> str:
    if state.canary_set is not None:
        if ecs.tags_of(state.live.service).get(TASK_SET) != state.canary_set["id"]:
            ecs.tag(ctx.aws, state.live.service["serviceArn"], {TASK_SET: state.canary_set["id"]})
        return f"task set {state.canary_set['id']} already runs {ecs.short_arn(state.arn)}"
    group, scale = ctx.settings.canary.target_group or "", ctx.settings.canary.scale
    external = f"{CANARY_ID}:{ctx.require_release().version}"
    state.canary_set = tasksets.create(
        ctx.aws, state.live.service, state.primary, state.arn, group, scale, external
    )
    ecs.tag(ctx.aws, state.live.service["serviceArn"], {TASK_SET: state.canary_set["id"]})
    return f"task set {state.canary_set['id']} at {scale:g}% on {elbv2.target_group_name(group)}"


def wait_steady(ctx: Context, service: dict[str, Any], task_set_id: str) -> dict[str, Any]:
    """Until the task set runs its computed count in STEADY_STATE; an unhealthy target of it fails at once."""

    def probe() -> dict[str, Any] | None:
        found = next((t for t in tasksets.task_sets(ctx.aws, service) if t["id"] == task_set_id), None)
        if found is None:
            raise DeploymentFailed(f"task set {task_set_id} disappeared")
        running, wanted = found.get("runningCount", 0), found.get("computedDesiredCount", 0)
        group = found["loadBalancers"][0]["targetGroupArn"] if found.get("loadBalancers") else None
        # ECS keeps replacing tasks that fail their health checks and never reaches STEADY_STATE: judge the
        # targets at each poll instead of waiting out the timeout.
        targets = elbv2.target_health(ctx.aws, group) if group else []
        healthy = sum(t.state == "healthy" for t in targets)
        ctx.console.progress(
            f"task set {task_set_id}: {running}/{wanted} running, {found.get('stabilityStatus')}; "
            f"targets {healthy}/{len(targets)} healthy"
        )
        _fail_on_unhealthy(targets)
        return found if found.get("stabilityStatus") == "STEADY_STATE" and running == wanted else None

    steady = checks.poll(ctx.settings.wait, probe)
    if steady is None:
        limit = checks.format_duration(ctx.settings.wait.timeout)
        raise DeploymentFailed(f"task set {task_set_id} not steady after {limit}")
    return steady


def wait_healthy(ctx: Context, target_group: str, count: int) -> None:
    """Until `count` targets of the group are healthy; an unhealthy one fails at once."""

    def probe() -> bool | None:
        targets = elbv2.target_health(ctx.aws, target_group)
        healthy = sum(t.state == "healthy" for t in targets)
        ctx.console.progress(
            f"targets {elbv2.target_group_name(target_group)} {healthy}/{len(targets)} healthy"
        )
        _fail_on_unhealthy(targets)
        return True if healthy >= count else None

    if checks.poll(ctx.settings.wait, probe) is None:
        limit = checks.format_duration(ctx.settings.wait.timeout)
        raise DeploymentFailed(
            f"targets of {elbv2.target_group_name(target_group)} not healthy after {limit}"
        )


def _fail_on_unhealthy(targets: list[elbv2.Target]) -> None:
    bad = [t for t in targets if t.state == "unhealthy"]
    if bad:
        raise DeploymentFailed(
            f"target {bad[0].id}:{bad[0].port} is unhealthy ({bad[0].reason or 'no reason'})"
        )


def _healthy(ctx: Context, state: _State) -> str:
    assert state.canary_set is not None
    steady = wait_steady(ctx, state.live.service, state.canary_set["id"])
    wait_healthy(ctx, ctx.settings.canary.target_group or "", steady.get("computedDesiredCount", 0))
    return f"{steady.get('runningCount', 0)} canary task(s) healthy"


def set_weights(ctx: Context, weights: dict[str, int]) -> None:
    """Set the rules' forward weights, then read them back: traffic moves only when AWS says it has."""
    for rule in ctx.settings.canary.listener_rules:
        elbv2.set_forward_weights(ctx.aws, rule, weights)
        found = elbv2.forward_weights(ctx.aws, rule)
        if {arn: found.get(arn, 0) for arn in weights} != weights:
            raise DeploymentFailed(f"rule {rule} did not take the weights {weights}: it reads {found}")


def _shift(ctx: Context, state: _State) -> str:
    weight = ctx.settings.canary.weight
    group = ctx.settings.canary.target_group or ""
    set_weights(ctx, {primary_group(state.primary): 100 - weight, group: weight})
    return f"canary {ctx.require_release().version} takes {weight}% of the rules' traffic"


def remove(ctx: Context, service: dict[str, Any]) -> str:
    """Weights back FIRST (and confirmed), then delete the canary task set(s), then forget the canary."""
    sets, rules = _canary_sets(service), ctx.settings.canary.listener_rules
    primary = primary_group(_primary(service))
    group = ctx.settings.canary.target_group
    if rules and group:
        previous = ecs.tags_of(service).get(WEIGHTS, "")
        back = [int(w) for w in previous.split(",") if w.isdigit()] or [100] * len(rules)
        for rule, weight in zip(rules, back + [100] * (len(rules) - len(back)), strict=False):
            elbv2.set_forward_weights(ctx.aws, rule, {primary: weight, group: 100 - weight})
            if elbv2.forward_weights(ctx.aws, rule).get(group, 0) != 100 - weight:
                raise DeploymentFailed(f"rule {rule} did not take its weights back: not deleting the canary")
    for task_set in sets:
        tasksets.delete(ctx.aws, service, task_set["taskSetArn"])
    canary.forget(ctx, service)
    ecs.untag(ctx.aws, service["serviceArn"], [k for k in (TASK_SET, WEIGHTS) if k in ecs.tags_of(service)])
    return f"weights back on {elbv2.target_group_name(primary)}; {len(sets)} canary task set(s) deleted"


def targets(ctx: Context, service: dict[str, Any]) -> dict[str, list[checks.Endpoint]]:
    """The canary's targets now (for status): the canary target group's."""
    group = ctx.settings.canary.target_group
    if not group:
        return {}
    return {group: [(t.id, t.port or 0) for t in elbv2.target_health(ctx.aws, group)]}


def share(ctx: Context, service: dict[str, Any]) -> float | None:
    """The canary's share of the first rule's traffic, by its forward weights."""
    group, rules = ctx.settings.canary.target_group, ctx.settings.canary.listener_rules
    if not group or not rules:
        return None
    weights = elbv2.forward_weights(ctx.aws, rules[0])
    total = sum(weights.values())
    return weights.get(group, 0) / total if total else None
