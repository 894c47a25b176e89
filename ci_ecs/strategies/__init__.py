"""One module per release technique; each builds a Plan of small named steps."""

from __future__ import annotations

from ci_ecs.runner import Plan
from ci_ecs.strategies.common import Context


def deploy_plan(ctx: Context) -> Plan:
    """The plan of `deploy` for the configured strategy."""
    from ci_ecs.strategies import rolling

    return rolling.plan(ctx)


def rollback_plan(ctx: Context, to: str | None) -> Plan:
    """The plan of `rollback` for the live technique."""
    from ci_ecs.strategies import rollback

    return rollback.plan(ctx, to)
