"""Desired counts of ECS services brought within their scalable target's bounds, as scaling activities."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.core.utils import utcnow

from ci_ecs.sandbox.ecs import events, services
from ci_ecs.sandbox.state import RUNTIME

DIMENSION = "ecs:service:DesiredCount"
_ATTR = "_ci_ecs_correction"
_ACTIVITIES = "_ci_ecs_activities"


@dataclass(frozen=True)
class Correction:
    """A scaling activity under way since tick `since`: bring the desired count into bounds."""

    cause: str
    since: int


def service_of(backend: Any, resource_id: str) -> Any:
    """The moto ECS Service a scalable target's `service/<cluster>/<name>` resource id names, or None."""
    _, cluster, name = [*resource_id.split("/"), "", "", ""][:3]
    return backend.ecs_backend.services.get(f"{cluster}:{name}")


def _policies(backend: Any, target: Any) -> list[Any]:
    return [
        p
        for p in backend.policies.values()
        if p.resource_id == target.resource_id and p.scalable_dimension == target.scalable_dimension
    ]


def bounded(target: Any, desired: int) -> int:
    """The desired count moved into the target's min/max capacity."""
    return min(max(desired, int(target.min_capacity)), int(target.max_capacity))


def start_correction(target: Any, cause: str) -> Correction:
    """A scaling activity of the target that sets its service's desired count in bounds when due."""
    correction = Correction(cause, RUNTIME.now)
    setattr(target, _ATTR, correction)
    return correction


def activities(backend: Any) -> list[dict[str, Any]]:
    """The scaling activities recorded in an Application Auto Scaling backend, newest first."""
    found: list[dict[str, Any]] = getattr(backend, _ACTIVITIES, None) or []
    return found


def step() -> None:
    """Start or finish the scaling activities that bring ECS services into bounds (LOCK held)."""
    for account in list(applicationautoscaling_backends.values()):
        for backend in list(account.values()):
            for target in list(backend.targets.get(DIMENSION, {}).values()):
                _check(backend, target)


def _check(backend: Any, target: Any) -> None:
    service = service_of(backend, target.resource_id)
    if service is None or service.status != "ACTIVE":
        return
    desired = int(service.desired_count)
    wanted = bounded(target, desired)
    correction: Correction | None = getattr(target, _ATTR, None)
    if wanted == desired:
        setattr(target, _ATTR, None)
        return
    if correction is None:
        # ECS Developer Guide, service auto scaling: below the minimum, the next scale-out (an alarm of a
        # policy) first sets the minimum; above the maximum, the next scale-in sets the maximum.
        suspended = target.suspended_state or {}
        blocked = suspended.get(
            "DynamicScalingOutSuspended" if wanted > desired else "DynamicScalingInSuspended"
        )
        policies = _policies(backend, target)
        if not policies or blocked:
            return
        cause = f"monitor alarm of policy {policies[0].policy_name} triggered a scaling activity"
        correction = start_correction(target, cause)
    if RUNTIME.now - correction.since < RUNTIME.config.autoscaling_ticks:
        return
    service.desired_count = wanted
    services.scaled(service)
    events.add(
        service,
        f"desired count set from {desired} to {wanted} by Application Auto Scaling: {correction.cause}.",
    )
    _record(backend, target, desired, wanted, correction.cause)
    setattr(target, _ATTR, None)


def _record(backend: Any, target: Any, before: int, after: int, cause: str) -> None:
    now = utcnow()
    recorded = activities(backend)
    recorded.insert(
        0,
        {
            "ActivityId": str(uuid.uuid4()),
            "ServiceNamespace": "ecs",
            "ResourceId": target.resource_id,
            "ScalableDimension": target.scalable_dimension,
            "Description": f"Setting desired count to {after}.",
            "Cause": f"{cause} (desired count was {before})",
            "StartTime": now,
            "EndTime": now,
            "StatusCode": "Successful",
            "StatusMessage": f"Successfully set desired count to {after}. "
            "Change successfully fulfilled by ecs.",
        },
    )
    setattr(backend, _ACTIVITIES, recorded)
