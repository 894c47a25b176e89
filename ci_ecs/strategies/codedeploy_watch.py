"""Follow a CodeDeploy deployment by our own polling: lifecycle events and the traffic split per poll."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import codedeploy, elbv2
from ci_ecs.errors import RollbackFailed
from ci_ecs.strategies.codedeploy_appspec import primary_task_set
from ci_ecs.strategies.common import Context, live_task_definition

STOP_TIMEOUT = 600.0  # seconds a stop with rollback may take at least, whatever wait.timeout says


@dataclass(frozen=True)
class Seen:
    """One poll of a deployment: its info and its ECS targets."""

    info: dict[str, Any]
    targets: tuple[dict[str, Any], ...] = ()

    @property
    def status(self) -> str:
        """Created, Queued, InProgress, Baking, Ready, Succeeded, Failed or Stopped."""
        return str(self.info.get("status", "?"))

    @property
    def ended(self) -> bool:
        """Succeeded, Failed or Stopped."""
        return self.status in codedeploy.ENDED

    @property
    def shifted(self) -> bool:
        """Production traffic is on the replacement: succeeded, or waiting to remove the original."""
        return self.status == "Succeeded" or (
            self.status == "InProgress" and bool(self.info.get("instanceTerminationWaitTimeStarted"))
        )

    @property
    def green_share(self) -> float | None:
        """The replacement (green) task set's share of production traffic, when known."""
        shares = [
            float(t.get("trafficWeight", 0))
            for target in self.targets
            for t in target.get("taskSetsInfo", [])
            if t.get("taskSetLabel") == "Green"
        ]
        return shares[0] if shares else None


def follow(
    ctx: Context, deployment_id: str, until: Callable[[Seen], bool], *, timeout: float | None = None
) -> Seen | None:
    """Poll until `until` holds or the deployment ends; None after the timeout (wait.timeout by default)."""
    ids: list[str] = []  # the deployment's target ids, listed once (they do not change)

    def probe() -> Seen | None:
        info = codedeploy.get_deployment(ctx.aws, deployment_id)
        seen = Seen(info)
        if info.get("status") not in ("Created", "Queued", *codedeploy.ENDED):
            # Two calls a poll once the target is known: GetDeployment and one batched target read.
            ids[:] = ids or codedeploy.target_ids(ctx.aws, deployment_id)
            if ids:
                seen = Seen(info, tuple(codedeploy.ecs_targets(ctx.aws, deployment_id, ids)))
        ctx.console.progress(progress_line(deployment_id, seen))
        return seen if seen.ended or until(seen) else None

    return checks.poll(ctx.settings.wait, probe, timeout=timeout)


def progress_line(deployment_id: str, seen: Seen) -> str:
    """`d-1 InProgress | AllowTestTraffic Succeeded, AfterAllowTestTraffic InProgress | blue 100% …`."""
    parts = [f"{deployment_id} {seen.status}"]
    for target in seen.targets:
        events = [e for e in target.get("lifecycleEvents", []) if e.get("status") not in (None, "Pending")]
        if events:
            parts.append(", ".join(f"{e['lifecycleEventName']} {e['status']}" for e in events[-2:]))
        for task_set in sorted(target.get("taskSetsInfo", []), key=lambda t: str(t.get("taskSetLabel"))):
            group = task_set.get("targetGroup", {}).get("name", "?")
            parts.append(
                f"{str(task_set.get('taskSetLabel', '?')).lower()} {task_set.get('trafficWeight', 0):g}% "
                f"on {group}, {task_set.get('runningCount', 0)}/{task_set.get('desiredCount', 0)} running"
            )
    if seen.info.get("instanceTerminationWaitTimeStarted") and seen.status == "InProgress":
        parts.append("original task set kept for the termination wait")
    return " | ".join(parts)


def failure(deployment_id: str, seen: Seen | None, timeout: float) -> str:
    """Why a deployment did not get where we waited for: CodeDeploy's error, or the timeout."""
    if seen is None:
        return f"deployment {deployment_id} timed out after {checks.format_duration(timeout)}"
    error = seen.info.get("errorInformation") or {}
    why = f"{error.get('code', '')}: {error.get('message', '')}".strip(": ") or "no reason given"
    failed = [
        e["lifecycleEventName"]
        for t in seen.targets
        for e in t.get("lifecycleEvents", [])
        if e.get("status") == "Failed"
    ]
    at = f" at {failed[0]}" if failed else ""
    rollback = seen.info.get("rollbackInfo", {}).get("rollbackMessage")
    return f"deployment {deployment_id} {seen.status}{at}: {why}" + (f" ({rollback})" if rollback else "")


def stop_and_wait(ctx: Context, deployment_id: str) -> str:
    """Stop a deployment with rollback and wait until CodeDeploy has put production back on the original."""
    said = codedeploy.stop_deployment(ctx.aws, deployment_id)
    # Putting production back matters more than the job's own timeout (which may be what ran out).
    timeout = max(ctx.settings.wait.timeout, STOP_TIMEOUT)
    ended = follow(ctx, deployment_id, lambda seen: False, timeout=timeout)
    if ended is None:
        why = failure(deployment_id, None, timeout)
        raise RollbackFailed(f"deployment {deployment_id} did not stop: {why}")
    rollback_id = ended.info.get("rollbackInfo", {}).get("rollbackDeploymentId")
    if rollback_id:
        # ECS blue/green reroutes traffic in a rollback deployment of its own: it must succeed too.
        back = follow(ctx, rollback_id, lambda seen: False, timeout=timeout)
        if back is None or back.status != "Succeeded":
            raise RollbackFailed(f"the rollback {failure(rollback_id, back, timeout)}")
    first = f"stopped ({said})" if said else f"had ended ({ended.status})"
    return f"deployment {deployment_id} {first}" + (f", rolled back by {rollback_id}" if rollback_id else "")


def production(ctx: Context, listeners: list[str]) -> str:
    """Where the production listener(s) send traffic now: target group names and weights."""
    shown = []
    for arn in listeners:
        weights = elbv2.forward_weights(ctx.aws, arn)
        shown += [f"{elbv2.target_group_name(g)} {w}" for g, w in weights.items() if w or len(weights) == 1]
    return ", ".join(shown) or "unknown"


def primary_task_definition(service: dict[str, Any]) -> str:
    """The task definition of the service's PRIMARY task set (what production runs), else the service's."""
    return str(primary_task_set(service).get("taskDefinition") or live_task_definition(service))
