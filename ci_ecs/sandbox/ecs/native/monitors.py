"""What fails a service deployment: its CloudWatch alarms and the deployment circuit breaker.

ECS Developer Guide, *How CloudWatch alarms detect Amazon ECS deployment failures* (alarms already in
ALARM when the deployment starts are ignored; they are watched through the bake time), *How the Amazon ECS
deployment circuit breaker detects failures* (threshold 0.5 × desired count, 3–200); API
*ServiceDeploymentAlarms*, *ServiceDeploymentCircuitBreaker*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from ci_ecs.sandbox.ecs import deployments
from ci_ecs.sandbox.ecs.native.model import Deployment
from ci_ecs.sandbox.state import service_sim

WATCHED_UNTIL = "CLEAN_UP"  # once the source revision is being removed there is nothing to roll back to


@dataclass(frozen=True)
class Failure:
    """Why the deployment failed, and whether its configuration asks for a rollback."""

    reason: str
    rollback: bool


def _alarms(deployment: Deployment) -> dict[str, Any]:
    return dict(deployment.config.get("alarms") or {})


def _breaker(deployment: Deployment) -> dict[str, Any]:
    return dict(deployment.config.get("deploymentCircuitBreaker") or {})


def _states(deployment: Deployment, names: list[str]) -> dict[str, str]:
    service = deployment.service
    backend = cloudwatch_backends[service._account_id][service.region_name]
    return {name: str(backend.alarms[name].state_value) for name in names if name in backend.alarms}


def baseline(deployment: Deployment) -> None:
    """Remember the alarms already in ALARM when the deployment starts: ECS ignores them."""
    names = list(_alarms(deployment).get("alarmNames") or [])
    deployment.alarm_baseline = {n for n, state in _states(deployment, names).items() if state == "ALARM"}


def failures(deployment: Deployment) -> int:
    """Failed tasks of the target revision counted by the circuit breaker."""
    sim = service_sim(deployment.service)
    record = sim.deployments.get(deployment.target.deployment_id) if sim is not None else None
    return record.failures if record is not None else 0


def threshold(deployment: Deployment) -> int:
    """The circuit breaker's threshold for the service's desired count."""
    return deployments.threshold(_breaker(deployment), int(deployment.service.desired_count))


def watching(deployment: Deployment) -> bool:
    """Whether the monitors still watch: in progress, before CLEAN_UP."""
    return deployment.status == "IN_PROGRESS" and deployment.stage != WATCHED_UNTIL


def check(deployment: Deployment) -> Failure | None:
    """A watched alarm gone into ALARM, or the circuit breaker's threshold reached."""
    if not watching(deployment):
        return None
    alarms = _alarms(deployment)
    if alarms.get("enable"):
        states = _states(deployment, list(alarms.get("alarmNames") or []))
        deployment.alarm_baseline &= {n for n, state in states.items() if state == "ALARM"}
        fired = [n for n, state in states.items() if state == "ALARM" and n not in deployment.alarm_baseline]
        if fired:
            deployment.triggered_alarms = fired
            reason = f"ECS deployment failed: CloudWatch alarm(s) {', '.join(fired)} in ALARM."
            return Failure(reason, bool(alarms.get("rollback")))
    breaker = _breaker(deployment)
    if breaker.get("enable") and failures(deployment) >= threshold(deployment):
        deployment.breaker_tripped = True
        reason = "ECS deployment circuit breaker: tasks failed to start."
        return Failure(reason, bool(breaker.get("rollback")))
    return None


def _status(deployment: Deployment, enabled: bool, tripped: bool) -> str:
    if not enabled:
        return "DISABLED"
    if tripped:
        return "TRIGGERED"
    return "MONITORING" if deployment.status == "PENDING" or watching(deployment) else "MONITORING_COMPLETE"


def alarms_report(deployment: Deployment) -> dict[str, Any]:
    """The ServiceDeploymentAlarms shape."""
    alarms = _alarms(deployment)
    enabled = bool(alarms.get("enable"))
    found: dict[str, Any] = {
        "status": _status(deployment, enabled, bool(deployment.triggered_alarms)),
        "alarmNames": list(alarms.get("alarmNames") or []),
    }
    if deployment.triggered_alarms:
        found["triggeredAlarmNames"] = list(deployment.triggered_alarms)
    return found


def breaker_report(deployment: Deployment) -> dict[str, Any]:
    """The ServiceDeploymentCircuitBreaker shape."""
    enabled = bool(_breaker(deployment).get("enable"))
    return {
        "status": _status(deployment, enabled, deployment.breaker_tripped),
        "failureCount": failures(deployment),
        "threshold": threshold(deployment),
    }
