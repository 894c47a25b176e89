"""`canary.mode: service` — a separate `<service>-canary` service of the new revision, same target groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.errors import DeploymentFailed
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import canary
from ci_ecs.strategies.common import Context, inspect_service


@dataclass
class _State(canary.State):
    """What the steps learn from each other."""

    canary_service: dict[str, Any] | None = None
    deployment_id: str = ""


def name(ctx: Context) -> str:
    """The canary service's name: `canary.service`, by default `<service>-canary`."""
    return ctx.settings.canary.service or f"{ctx.settings.service}-canary"


def plan(ctx: Context) -> Plan:
    """Run `canary.count` tasks of the new revision in the canary service (made like the main one)."""
    s, release = ctx.settings, ctx.require_release()
    state = _State()
    return Plan(
        title=f"canary {release.version} beside {s.service} (cluster {s.cluster}) in service {name(ctx)}",
        steps=(
            *canary.first_steps(
                ctx,
                state,
                inspect=Step(
                    f"inspect services {s.service} and {name(ctx)}",
                    lambda: _inspect(ctx, state),
                    read_only=True,
                ),
                replace=Step("replace a canary of another mode", lambda: _replace_other(ctx, state)),
                record=lambda: canary.record_canary(ctx, state, "service"),
                remove=remove,
            ),
            Step(f"update service {name(ctx)}", lambda: _update(ctx, state)),
            Step("wait for the canary service", lambda: _wait(ctx, state)),
        ),
        record=canary.deploy_record(ctx, "service", state.live, lambda: state.arn),
    )


def _inspect(ctx: Context, state: _State) -> str:
    summary = inspect_service(ctx, state.live, controller="ECS")
    state.canary_service = ecs.find_service(ctx.aws, ctx.settings.cluster, name(ctx))
    if state.canary_service is None:
        return f"{summary}; {name(ctx)} does not exist yet: it will be made like {ctx.settings.service}"
    running = state.canary_service.get("runningCount", 0)
    revision = ecs.short_arn(state.canary_service["taskDefinition"])
    return f"{summary}; {name(ctx)}: {revision}, {running} running"


def _replace_other(ctx: Context, state: _State) -> str:
    found = canary.recorded(state.live.service)
    if found is None or found.mode == "service":
        return "none to replace"
    removed: str = canary.mode_module(found.mode).remove(ctx, state.live.service)
    return f"removed the {found.mode} canary {found.version}: {removed}"


def _update(ctx: Context, state: _State) -> str:
    count, existing = ctx.settings.canary.count, state.canary_service
    if existing is None:
        created = ecs.create_service(ctx.aws, state.live.service, name(ctx), state.arn, count)
        state.deployment_id = ecs.primary_deployment(created).get("id", "")
        return f"created {name(ctx)} with {count} task(s) of {ecs.short_arn(state.arn)}"
    primary = ecs.primary_deployment(existing)
    same = ecs.short_arn(primary.get("taskDefinition", "")) == ecs.short_arn(state.arn)
    if same and existing.get("desiredCount") == count:
        state.deployment_id = primary.get("id", "")
        return f"{name(ctx)} already runs {count} task(s) of {ecs.short_arn(state.arn)}"
    updated = ecs.update_service(
        ctx.aws, existing, state.arn, circuit_breaker=ctx.settings.circuit_breaker, desired_count=count
    )
    state.deployment_id = ecs.primary_deployment(updated).get("id", "")
    return f"{name(ctx)}: deployment {state.deployment_id} of {count} task(s)"


def _wait(ctx: Context, state: _State) -> str:
    s = ctx.settings
    result = checks.watch_rollout(
        ctx.aws,
        s.cluster,
        name(ctx),
        state.deployment_id,
        s.wait,
        ctx.console,
        circuit_breaker=s.circuit_breaker,
    )
    if not result.ok:
        raise DeploymentFailed(f"the canary did not get healthy: {result.reason}")
    groups = sorted({lb["targetGroupArn"] for lb in state.live.service.get("loadBalancers", [])})
    ours = {e for targets in canary_targets(ctx, result.service).values() for e in targets}
    share = checks.traffic_share(ctx.aws, groups, ours) if groups else None
    shown = "no traffic (no target group)" if share is None else f"{share:.0%} of the traffic"
    return f"canary {ctx.require_release().version} is healthy and takes {shown}"


def canary_targets(ctx: Context, canary_service: dict[str, Any]) -> dict[str, list[checks.Endpoint]]:
    """The targets of the canary service's running tasks, by target group."""
    deployment = ecs.primary_deployment(canary_service).get("id", "")
    tasks = (
        ecs_tasks.tasks_started_by(ctx.aws, ctx.settings.cluster, deployment, "RUNNING") if deployment else []
    )
    ips = [ip for ip in map(ecs_tasks.private_ip, tasks) if ip]
    found: dict[str, list[checks.Endpoint]] = {}
    for balancer in canary_service.get("loadBalancers", []):
        found.setdefault(balancer["targetGroupArn"], []).extend((ip, balancer["containerPort"]) for ip in ips)
    return found


def targets(ctx: Context, service: dict[str, Any]) -> dict[str, list[checks.Endpoint]]:
    """The canary's targets now (for status)."""
    existing = ecs.find_service(ctx.aws, ctx.settings.cluster, name(ctx))
    return canary_targets(ctx, existing) if existing else {}


def remove(ctx: Context, service: dict[str, Any]) -> str:
    """Scale the canary service to 0, wait until its tasks and targets are gone, then forget the canary."""
    existing = ecs.find_service(ctx.aws, ctx.settings.cluster, name(ctx))
    if existing is not None:
        leaving = canary_targets(ctx, existing)
        if existing.get("desiredCount", 0) > 0:
            ecs.set_desired_count(ctx.aws, existing, 0)
        _wait_scaled_in(ctx)
        if any(leaving.values()):
            # ECS deregisters the tasks it stops; confirm the load balancer has let go of them.
            delay = max(elbv2.deregistration_delay(ctx.aws, arn) for arn in leaving)
            timeout = min(delay + 30, ctx.settings.wait.timeout)
            drained = checks.watch_targets(
                ctx.aws, leaving, ctx.settings.wait, ctx.console, gone=True, timeout=timeout
            )
            if not drained.ok:
                ctx.console.warn(f"canary targets still draining: {drained.reason}")
    canary.forget(ctx, service)
    return f"{name(ctx)} scaled to 0"


def _wait_scaled_in(ctx: Context) -> None:
    """Until the canary service runs no task (or the wait times out, with a warning)."""

    def probe() -> bool | None:
        current = ecs.describe_service(ctx.aws, ctx.settings.cluster, name(ctx))
        ctx.console.progress(f"{name(ctx)}: {current.get('runningCount', 0)} running")
        return True if current.get("runningCount", 0) == 0 and current.get("pendingCount", 0) == 0 else None

    if checks.poll(ctx.settings.wait, probe) is None:
        ctx.console.warn(
            f"{name(ctx)} still runs tasks after {checks.format_duration(ctx.settings.wait.timeout)}"
        )
