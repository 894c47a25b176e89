"""The service deployment under way, for `ci-ecs status`: stage, weights, pause, bake."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ci_ecs.aws import service_deployments
from ci_ecs.checks.base import format_duration
from ci_ecs.checks.native import Seen, short
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.native import configuration as configs
from ci_ecs.strategies.native.steps import our_pause


def status(ctx: Context, service: dict[str, Any]) -> dict[str, Any] | None:
    """The service's newest deployment (None when it has none): under way or how it ended."""
    arn = str(service.get("currentServiceDeployment") or "")
    if not arn:
        return None
    seen = Seen(service_deployments.describe(ctx.aws, arn))
    if not seen.info:
        return None
    config = seen.info.get("deploymentConfiguration", {})
    now = dt.datetime.now(dt.UTC)
    found: dict[str, Any] = {
        "deployment": short(arn),
        "type": configs.TYPES.get(configs.strategy_of(config), configs.strategy_of(config)),
        "status": seen.status,
        "stage": seen.stage,
        "production_weight": seen.production_weight,
        "test_weight": seen.test_weight,
        "paused": "",
        "paused_for": None,
        "expires": "",
        "timeout_action": "",
        "bake_left": None,
        "serving": "",
    }
    updated = _time(seen.info.get("updatedAt"))
    for hook in seen.awaiting:
        found["paused"] = "for verification (ci-ecs)" if our_pause(seen) else "at a hook of the service's"
        # The deployment was last updated when it reached the pause; the hook says when it times out.
        found["paused_for"] = (now - updated).total_seconds() if updated is not None else None
        expires = _time(hook.get("expiresAt"))
        found["expires"] = expires.strftime("%Y-%m-%d %H:%M UTC") if expires is not None else ""
        found["timeout_action"] = str(hook.get("timeoutAction", ""))
    sources = [str(r["arn"]) for r in seen.info.get("sourceServiceRevisions", []) if r.get("arn")]
    if sources and not seen.ended:
        # ECS names the new revision as the service's at once; the source serves until the end.
        found["serving"] = service_deployments.task_definitions(ctx.aws, sources[:1]).get(sources[0], "")
    if seen.stage == "BAKE_TIME" and updated is not None and config.get("bakeTimeInMinutes") is not None:
        left = float(config["bakeTimeInMinutes"]) * 60 - (now - updated).total_seconds()
        found["bake_left"] = max(0.0, left)
    return found


def status_line(found: dict[str, Any]) -> str:
    """`native deployment abc (canary) IN_PROGRESS at …: production 10% / test 100% new, paused …`."""
    line = (
        f"  native         deployment {found['deployment']} ({found['type']}) {found['status']}"
        + (f" at {found['stage']}" if found["stage"] else "")
        + f": production {found['production_weight']:g}% / test {found['test_weight']:g}% new"
    )
    if found["paused"]:
        waited = found["paused_for"]
        line += f", paused {found['paused']}" + (f" for {format_duration(waited)}" if waited else "")
        if found["expires"]:
            line += f" (its timeout: {found['timeout_action'] or 'ROLLBACK'} at {found['expires']})"
    if found["bake_left"] is not None:
        line += f", about {format_duration(found['bake_left'])} of bake left"
    return line


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None
