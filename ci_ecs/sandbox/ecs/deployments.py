"""Service deployments: PRIMARY/ACTIVE, rolloutState, counts, completion and the circuit breaker."""

from __future__ import annotations

import math
import random
from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox.ecs import events
from ci_ecs.sandbox.ecs.native import model as native
from ci_ecs.sandbox.ecs.tasks import deployment_of
from ci_ecs.sandbox.state import PENDING_STATES, DeploymentSim, ServiceSim

DEFAULT_CONFIGURATION: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def new_id() -> str:
    """A deployment id as ECS makes them: `ecs-svc/` and 19 digits."""
    return f"ecs-svc/{random.randint(10**18, 10**19 - 1)}"


def configuration(service: Any) -> dict[str, Any]:
    """The service's deploymentConfiguration with ECS's defaults filled in."""
    merged = {**DEFAULT_CONFIGURATION, **(getattr(service, "deployment_configuration", None) or {})}
    service.deployment_configuration = merged
    return merged


def start(service: Any, sim: ServiceSim, task_definition: str, reason: str | None = None) -> dict[str, Any]:
    """A new PRIMARY deployment IN_PROGRESS; the previous PRIMARY becomes ACTIVE."""
    now, deployment_id = utcnow(), new_id()
    for old in service.deployments:
        if old["status"] == "PRIMARY":
            old["status"], old["updatedAt"] = "ACTIVE", now
    deployment = {
        "id": deployment_id,
        "status": "PRIMARY",
        "taskDefinition": task_definition,
        "desiredCount": service.desired_count,
        "pendingCount": 0,
        "runningCount": 0,
        "failedTasks": 0,
        "createdAt": now,
        "updatedAt": now,
        "launchType": service.launch_type,
        "platformVersion": _platform(service),
        "platformFamily": "Linux",
        "networkConfiguration": service.network_configuration or None,
        "rolloutState": "IN_PROGRESS",
        "rolloutStateReason": reason or f"ECS deployment {deployment_id} in progress.",
    }
    strategy = getattr(service, "capacity_provider_strategy", None)
    if strategy:
        deployment["capacityProviderStrategy"] = strategy
        deployment.pop("launchType")
    service.deployments.insert(0, deployment)
    sim.deployments[deployment_id] = DeploymentSim()
    sim.steady = False
    return deployment


def _platform(service: Any) -> str:
    """Fargate reports the platform version it resolved LATEST to."""
    version = service.platform_version or "LATEST"
    return "1.4.0" if version == "LATEST" and service.launch_type == "FARGATE" else str(version)


def threshold(breaker: dict[str, Any], desired: int) -> int:
    """Failed tasks that trip the breaker: 50% of desired, clamped to 3..200 (BOUNDED_PERCENT default)."""
    config = breaker.get("thresholdConfiguration") or {}
    kind, value = config.get("type", "BOUNDED_PERCENT"), int(config.get("value", 50))
    if kind == "COUNT":
        return max(1, value)
    raw = math.ceil(desired * value / 100)
    return max(1, raw) if kind == "UNBOUNDED_PERCENT" else min(200, max(3, raw))


def note_failure(service: Any, sim: ServiceSim, deployment_id: str | None) -> None:
    """Count a failed task (crashed, or stopped for failing health checks) against its deployment."""
    deployment = _by_id(service, deployment_id)
    if deployment is not None and deployment["rolloutState"] == "IN_PROGRESS":
        record = sim.deployments.setdefault(deployment["id"], DeploymentSim())
        record.failures += 1
        deployment["failedTasks"], deployment["updatedAt"] = record.failures, utcnow()


def note_healthy(service: Any, sim: ServiceSim, deployment_id: str | None) -> None:
    """A task reached a healthy state: resetOnHealthyTask (default true) resets the failure count."""
    breaker = configuration(service).get("deploymentCircuitBreaker") or {}
    deployment = _by_id(service, deployment_id)
    if deployment is not None and breaker.get("resetOnHealthyTask", True):
        sim.deployments.setdefault(deployment["id"], DeploymentSim()).failures = 0
        deployment["failedTasks"] = 0


def check_breaker(service: Any, sim: ServiceSim) -> None:
    """Fail the PRIMARY at the threshold and, with rollback on, roll back to the last COMPLETED one."""
    breaker = configuration(service).get("deploymentCircuitBreaker") or {}
    primary = service.deployments[0] if service.deployments else None
    if primary is None or not breaker.get("enable") or primary["rolloutState"] != "IN_PROGRESS":
        return
    record = sim.deployments.setdefault(primary["id"], DeploymentSim())
    if record.failures < threshold(breaker, service.desired_count):
        return
    primary["rolloutState"] = "FAILED"
    primary["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
    primary["updatedAt"] = utcnow()
    events.add(service, f"(deployment {primary['id']}) deployment failed: tasks failed to start.")
    # AWS: the rollback target is the most recent COMPLETED deployment; while it rolls back it is
    # IN_PROGRESS, so a failing rollback finds none and stalls.
    if breaker.get("rollback") and sim.completed is not None:
        target_id, task_definition = sim.completed
        sim.completed = None
        service.task_definition = task_definition
        start(
            service,
            sim,
            task_definition,
            f"ECS deployment circuit breaker: rolling back to deploymentId {target_id}.",
        )
        events.add(service, f"(deployment {primary['id']}) rolling back to deployment {target_id}.")


def _by_id(service: Any, deployment_id: str | None) -> dict[str, Any] | None:
    return next((d for d in service.deployments if d["id"] == deployment_id), None)


def refresh(service: Any, sim: ServiceSim, tasks: list[Any], healthy: set[str]) -> None:
    """Recount deployments and service, drop drained ACTIVE ones, mark completion and steady state."""
    alive = [t for t in tasks if t.last_status != "STOPPED"]
    now = utcnow()
    for deployment in list(service.deployments):
        mine = [t for t in alive if deployment_of(t) == deployment["id"]]
        if deployment["status"] != "PRIMARY" and not mine:
            service.deployments.remove(deployment)
            continue
        counts = {
            "desiredCount": service.desired_count
            if deployment["status"] == "PRIMARY"
            else sum(t.desired_status == "RUNNING" for t in mine),
            "runningCount": sum(t.last_status == "RUNNING" for t in mine),
            "pendingCount": sum(
                t.last_status in PENDING_STATES and t.desired_status == "RUNNING" for t in mine
            ),
        }
        if any(deployment.get(k) != v for k, v in counts.items()):
            deployment.update(counts, updatedAt=now)
    service.running_count = sum(t.last_status == "RUNNING" for t in alive)
    service.pending_count = sum(t.last_status in PENDING_STATES for t in alive)
    primary = service.deployments[0] if service.deployments else None
    steady = (
        primary is not None
        and len(service.deployments) == 1
        and len(alive) == service.desired_count
        and all(t.task_arn in healthy for t in alive)
    )
    # A BLUE_GREEN, LINEAR or CANARY deployment completes when its service deployment succeeds.
    moving = primary is not None and primary["rolloutState"] == "IN_PROGRESS"
    if steady and primary is not None and moving and native.active(service) is None:
        primary["rolloutState"], primary["updatedAt"] = "COMPLETED", now
        primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
        sim.completed = (primary["id"], primary["taskDefinition"])
        events.add(service, f"(deployment {primary['id']}) deployment completed.")
    if steady and not sim.steady:
        events.add(service, "has reached a steady state.")
    sim.steady = steady
