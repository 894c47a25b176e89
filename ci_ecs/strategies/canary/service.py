"""`canary.mode: service` — a separate `<service>-canary` service of the new revision, same target groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.errors import DeploymentFailed
from ci_ecs.output import counted
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.canary import base
from ci_ecs.strategies.context import Context, EndCanary, inspect_service


@dataclass
class _State(base.State):
    """What the steps learn from each other."""

    canary_service: dict[str, Any] | None = None
    deployment_id: str = ""


def name(ctx: Context) -> str:
    """The canary service's name: `canary.service`, by default `<service>-canary`."""
    return ctx.settings.canary.service or f"{ctx.settings.service}-canary"


def plan(ctx: Context, end_other: EndCanary) -> Plan:
    """Run `canary.count` tasks of the new revision in the canary service (made like the main one).

    `end_other` removes a canary of another mode first.
    """
    s, release = ctx.settings, ctx.require_release()
    job = _State()
    return Plan(
        title=f"canary {release.version} beside {s.service} (cluster {s.cluster}) in service {name(ctx)}",
        steps=(
            *base.first_steps(
                ctx,
                job,
                inspect=Step(
                    f"inspect services {s.service} and {name(ctx)}",
                    lambda: _inspect(ctx, job),
                    read_only=True,
                ),
                replace=Step("replace a canary of another mode", lambda: _replace_other(ctx, job, end_other)),
                mode="service",
                remove=remove,
                measured=lambda: base.shared_groups(job),
            ),
            Step(f"update service {name(ctx)}", lambda: _update(ctx, job)),
            Step("wait for the canary service", lambda: _wait(ctx, job)),
            *base.analysis_steps(ctx, job, f"{s.canary.count} canary task(s) beside the service"),
        ),
        record=base.deploy_record(ctx, "service", job),
    )


def _inspect(ctx: Context, job: _State) -> str:
    summary = inspect_service(ctx, job.live, controller="ECS")
    job.canary_service = ecs.find_service(ctx.aws, ctx.settings.cluster, name(ctx))
    if job.canary_service is None:
        return f"{summary}; {name(ctx)} does not exist yet: it will be made like {ctx.settings.service}"
    running = job.canary_service.get("runningCount", 0)
    revision = ecs.short_arn(job.canary_service["taskDefinition"])
    return f"{summary}; {name(ctx)}: {revision}, {running} running"


def _replace_other(ctx: Context, job: _State, end_other: EndCanary) -> str:
    found = state.canary_of(job.live.service)
    if found is None or found.mode == "service":
        return "none to replace"
    return f"removed the {found.mode} canary {found.version}: {end_other(ctx, job.live.service)}"


def _update(ctx: Context, job: _State) -> str:
    count, existing = ctx.settings.canary.count, job.canary_service
    if existing is None:
        tags = {state.CANARY_OF: ctx.settings.service}
        like = _with_breaker(job.live.service, ctx.settings.circuit_breaker)
        created = ecs.create_service(ctx.aws, like, name(ctx), job.arn, count, tags)
        job.deployment_id = ecs.primary_deployment(created).get("id", "")
        return f"created {name(ctx)} with {_tasks(count)} of {ecs.short_arn(job.arn)}"
    primary = ecs.primary_deployment(existing)
    same = ecs.short_arn(primary.get("taskDefinition", "")) == ecs.short_arn(job.arn)
    if same and existing.get("desiredCount") == count:
        job.deployment_id = primary.get("id", "")
        return f"{name(ctx)} already runs {_tasks(count)} of {ecs.short_arn(job.arn)}"
    updated = ecs.update_service(
        ctx.aws, existing, job.arn, circuit_breaker=ctx.settings.circuit_breaker, desired_count=count
    )
    job.deployment_id = ecs.primary_deployment(updated).get("id", "")
    return f"{name(ctx)}: deployment {job.deployment_id} of {_tasks(count)}"


def _with_breaker(service: dict[str, Any], on: bool) -> dict[str, Any]:
    """The service to copy, its circuit breaker (with rollback) set by the setting, not the main service's."""
    configuration = {**service.get("deploymentConfiguration", {})}
    configuration["deploymentCircuitBreaker"] = {"enable": on, "rollback": on}
    return {**service, "deploymentConfiguration": configuration}


def _tasks(count: int) -> str:
    """The count of tasks: 1 task, 2 tasks."""
    return counted(count, "task", "tasks")


def _wait(ctx: Context, job: _State) -> str:
    s = ctx.settings
    result = checks.watch_rollout(
        ctx.aws,
        s.cluster,
        name(ctx),
        job.deployment_id,
        s.wait,
        ctx.console,
        circuit_breaker=s.circuit_breaker,
    )
    if not result.ok:
        raise DeploymentFailed(f"the canary did not get healthy: {result.reason}")
    groups = sorted({lb["targetGroupArn"] for lb in job.live.service.get("loadBalancers", [])})
    ours = {e for targets in canary_targets(ctx, result.seen).values() for e in targets}
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


share = base.even_share


def remove(ctx: Context, service: dict[str, Any]) -> str:
    """Scale the canary service to 0, wait until its tasks and targets are gone, then forget the canary."""
    existing = ecs.find_service(ctx.aws, ctx.settings.cluster, name(ctx))
    if existing is not None:
        leaving = canary_targets(ctx, existing)
        if existing.get("desiredCount", 0) > 0:
            ecs.set_desired_count(ctx.aws, existing, 0)
        scaled_in = checks.watch_scaled_in(
            ctx.aws, ctx.settings.cluster, name(ctx), ctx.settings.wait, ctx.console
        )
        if not scaled_in.ok:
            ctx.console.warn(scaled_in.reason)
        if any(leaving.values()):
            # ECS deregisters the tasks it stops; confirm the load balancer has let go of them.
            delay = max(elbv2.deregistration_delay(ctx.aws, arn) for arn in leaving)
            timeout = min(delay + 30, ctx.settings.wait.timeout)
            drained = checks.watch_targets(
                ctx.aws, leaving, ctx.settings.wait, ctx.console, gone=True, timeout=timeout
            )
            if not drained.ok:
                ctx.console.warn(f"canary targets still draining: {drained.reason}")
    state.forget(ctx.aws, service, state.CANARY)
    return f"{name(ctx)} scaled to 0"
