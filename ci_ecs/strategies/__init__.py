"""One module per release technique; each builds a Plan of small named steps."""

from __future__ import annotations

from ci_ecs.runner import Plan
from ci_ecs.strategies.common import Context


def deploy_plan(ctx: Context) -> Plan:
    """The plan of `deploy` for the configured strategy (it also promotes and removes a canary)."""
    strategy = ctx.settings.strategy
    if strategy == "codedeploy":
        from ci_ecs.strategies import codedeploy

        return codedeploy.deploy_plan(ctx)
    if strategy == "switch":
        from ci_ecs.strategies import switch

        return switch.deploy_plan(ctx)
    from ci_ecs.strategies import rolling, taskset

    if ctx.settings.canary.mode == "taskset":  # an EXTERNAL-controller service deploys by task sets
        return taskset.plan(ctx)
    return rolling.plan(ctx)


def canary_plan(ctx: Context) -> Plan:
    """The plan of `canary-deploy`: the blue/green techniques prepare, rolling services add a canary."""
    strategy = ctx.settings.strategy
    if strategy == "codedeploy":
        from ci_ecs.strategies import codedeploy

        return codedeploy.canary_plan(ctx)
    if strategy == "switch":
        from ci_ecs.strategies import switch

        return switch.prepare_plan(ctx)
    from ci_ecs.strategies import canary

    return canary.deploy_plan(ctx)


def rollback_plan(ctx: Context, to: str | None) -> Plan:
    """The plan of `rollback`: end a canary in progress, else return to an earlier version."""
    strategy = ctx.settings.strategy
    if strategy == "codedeploy":
        from ci_ecs.strategies import codedeploy

        return codedeploy.rollback_plan(ctx, to)
    if strategy == "switch":
        from ci_ecs.strategies import switch

        return switch.rollback_plan(ctx, to)
    from ci_ecs.aws import ecs
    from ci_ecs.strategies import canary, rollback, taskset

    service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
    found = canary.recorded(service)
    external = service.get("deploymentController", {}).get("type") == "EXTERNAL"
    if found is None:
        return taskset.rollback_plan(ctx, service, to) if external else rollback.plan(ctx, to)
    ending = canary.end_plan(ctx, service, found)
    if to is None:
        return ending
    then = taskset.rollback_plan(ctx, service, to) if external else rollback.plan(ctx, to)
    return Plan(f"{ending.title}, then {then.title}", ending.steps + then.steps, then.record)
