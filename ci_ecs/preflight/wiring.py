"""What each technique needs wired around the service, checked by the techniques' own read-only checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ci_ecs.aws import elbv2, tasksets
from ci_ecs.errors import PreconditionError
from ci_ecs.iam_policy.target import Technique
from ci_ecs.output import counted
from ci_ecs.strategies.codedeploy import group as codedeploy_group
from ci_ecs.strategies.context import Context, check_weighted_rules
from ci_ecs.strategies.native import configuration as native_configuration
from ci_ecs.strategies.switch import family as switch_family

Check = Callable[[Context, dict[str, Any]], str]


def of(technique: Technique) -> list[tuple[str, Check]]:
    """The technique's wiring items: (name, check of the job's context and the live service)."""
    checks: dict[Technique, list[tuple[str, Check]]] = {
        "taskset": [("canary target group and listener rules", _weighted_rules)],
        "codedeploy": [
            ("CodeDeploy deployment configuration", _codedeploy_config),
            ("CodeDeploy application and deployment group", _codedeploy_group),
            ("CodeDeploy role, target groups and listeners", _codedeploy_references),
        ],
        "switch": [("switch routes", _switch_routes)],
        "native": [("ECS deployment configuration", _native)],
    }
    return checks.get(technique, [])


def _weighted_rules(ctx: Context, service: dict[str, Any]) -> str:
    primary = tasksets.primary(service)
    if primary is None:
        raise PreconditionError(
            f"service: {service['serviceName']} has no PRIMARY task set to put a canary beside — create one"
        )
    check_weighted_rules(ctx, tasksets.target_group(primary))
    rules = counted(len(ctx.settings.canary.listener_rules), "listener rule")
    canary = elbv2.target_group_name(ctx.settings.canary.target_group or "")
    return f"{canary}; {rules} forwarding to the primary target group"


def _codedeploy_config(ctx: Context, service: dict[str, Any]) -> str:
    codedeploy_group.check_config(ctx.aws, ctx.settings.codedeploy.config)
    return ctx.settings.codedeploy.config


def _codedeploy_group(ctx: Context, service: dict[str, Any]) -> str:
    _, summary = codedeploy_group.read(ctx.aws, ctx.settings, hold=False)
    return summary


def _codedeploy_references(ctx: Context, service: dict[str, Any]) -> str:
    cfg = ctx.settings.codedeploy
    if not (cfg.service_role or cfg.target_groups or cfg.production_listener):
        return "not configured (the deployment group's own are used)"
    codedeploy_group.check_references(ctx.aws, ctx.settings)
    return "all exist"


def switch_live(ctx: Context) -> dict[str, Any]:
    """The live service of a switch family: the one its public rule forwards to (checking the routes)."""
    live = switch_family.read(ctx).live()
    assert live is not None  # read() fails without one
    return live


def _switch_routes(ctx: Context, service: dict[str, Any]) -> str:
    found = switch_family.routes(ctx.settings)
    return f"{counted(len(found), 'route')}: its rules exist, forwarding to {service['serviceName']}"


def _native(ctx: Context, service: dict[str, Any]) -> str:
    current = service.get("deploymentConfiguration") or {}
    wanted, changes = native_configuration.wanted(current, ctx.settings.native)
    if changes and not ctx.settings.native.configure:
        raise PreconditionError(
            f"{'; '.join(changes)} — set native.configure: true to let ci-ecs change the service, or "
            "make the config match it"
        )
    native_configuration.check(service, wanted, pause=False)
    kind = native_configuration.TYPES[native_configuration.strategy_of(wanted)]
    return f"ECS {kind}" + (f"; a deploy will set {', '.join(changes)}" if changes else "")
