"""Move a service to a revision and follow it: the steps deploy and rollback share."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from ci_ecs import checks
from ci_ecs.aws import ecs
from ci_ecs.errors import DeploymentFailed
from ci_ecs.strategies.common import Context, Live


@dataclass
class Rollout:
    """The revision going live and the one it replaces, as the steps learn them."""

    version: str
    arn: str = ""
    previous_version: str | None = None
    previous_arn: str = ""
    deployment_id: str = ""


def update(ctx: Context, live: Live, rollout: Rollout) -> str:
    """Point the service at the revision, or follow the deployment that already does (a re-run)."""
    primary = ecs.primary_deployment(live.service)
    if ecs.short_arn(primary.get("taskDefinition", "")) == ecs.short_arn(rollout.arn):
        rollout.deployment_id = primary["id"]
        return f"the service is already on {ecs.short_arn(rollout.arn)}: following deployment {primary['id']}"
    service = ecs.update_service(
        ctx.aws, live.service, rollout.arn, circuit_breaker=ctx.settings.circuit_breaker
    )
    rollout.deployment_id = ecs.primary_deployment(service).get("id", "")
    breaker = "on" if ctx.settings.circuit_breaker else "off"
    return f"deployment {rollout.deployment_id} started (circuit breaker {breaker})"


def wait(ctx: Context, rollout: Rollout) -> str:
    """Follow the deployment; on failure record it in the service's tags and raise DeploymentFailed."""
    s = ctx.settings
    result = checks.watch_rollout(
        ctx.aws,
        s.cluster,
        s.service,
        rollout.deployment_id,
        s.wait,
        ctx.console,
        circuit_breaker=s.circuit_breaker,
        previous=rollout.previous_arn or None,
    )
    if result.ok:
        return f"{rollout.version} is live on {ecs.short_arn(rollout.arn)}"
    service_arn = result.service.get("serviceArn") or _service_arn(ctx)
    ecs.tag(ctx.aws, service_arn, {"ci-ecs:failed-version": rollout.version, "ci-ecs:failed-at": now()})
    if result.ecs_rolled_back:
        back_to = ecs.short_arn(result.service.get("taskDefinition", rollout.previous_arn))
        raise DeploymentFailed(f"{result.reason} — ECS is rolling the service back to {back_to}")
    raise DeploymentFailed(result.reason)


def restore(ctx: Context, rollout: Rollout) -> str:
    """Undo of `update`: put the service back on the revision it replaced, unless ECS already did."""
    s = ctx.settings
    if not rollout.previous_arn or ecs.short_arn(rollout.previous_arn) == ecs.short_arn(rollout.arn):
        return "nothing to restore: no earlier revision"
    service = ecs.describe_service(ctx.aws, s.cluster, s.service)
    if ecs.short_arn(service.get("taskDefinition", "")) == ecs.short_arn(rollout.previous_arn):
        return f"the service is back on {ecs.short_arn(rollout.previous_arn)}"
    updated = ecs.update_service(ctx.aws, service, rollout.previous_arn, circuit_breaker=s.circuit_breaker)
    deployment = ecs.primary_deployment(updated).get("id")
    return f"rolling back to {ecs.short_arn(rollout.previous_arn)}: deployment {deployment}"


def record(ctx: Context, live: Live, rollout: Rollout, technique: str, extra: Mapping[str, str]) -> str:
    """Write what is live now into the service's ci-ecs tags; `extra` keys with empty values are removed."""
    tags = {
        "ci-ecs:technique": technique,
        "ci-ecs:version": rollout.version,
        "ci-ecs:task-definition": rollout.arn,
        "ci-ecs:previous-version": rollout.previous_version or "",
        "ci-ecs:previous-task-definition": rollout.previous_arn,
        "ci-ecs:deployed-at": now(),
        **extra,
    }
    arn = live.service["serviceArn"]
    ecs.tag(ctx.aws, arn, {k: v for k, v in tags.items() if v})
    # A stale value would lie (a commit of an older deploy, a rollback marker after a new deploy).
    ecs.untag(ctx.aws, arn, [k for k, v in tags.items() if not v and k in ecs.tags_of(live.service)])
    return f"ci-ecs:version={rollout.version}, previous {rollout.previous_version or 'none'}"


def _service_arn(ctx: Context) -> str:
    return str(ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)["serviceArn"])


def now() -> str:
    """UTC now as the tags spell it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
