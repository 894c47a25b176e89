"""Application Auto Scaling for ECS services: desired counts kept within a scalable target's bounds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, applicationautoscaling_backends
from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow

from ci_ecs.sandbox import events, services
from ci_ecs.sandbox.state import LOCK, RUNTIME

DIMENSION = "ecs:service:DesiredCount"
_ATTR = "_ci_ecs_correction"
_ACTIVITIES = "_ci_ecs_activities"


@dataclass(frozen=True)
class Correction:
    """A scaling activity under way since tick `since`: bring the desired count into bounds."""

    cause: str
    since: int


def _service(backend: Any, resource_id: str) -> Any:
    _, cluster, name = [*resource_id.split("/"), "", "", ""][:3]
    return backend.ecs_backend.services.get(f"{cluster}:{name}")


def _policies(backend: Any, target: Any) -> list[Any]:
    return [
        p
        for p in backend.policies.values()
        if p.resource_id == target.resource_id and p.scalable_dimension == target.scalable_dimension
    ]


def _bounded(target: Any, desired: int) -> int:
    return min(max(desired, int(target.min_capacity)), int(target.max_capacity))


def step() -> None:
    """Start or finish the scaling activities that bring ECS services into bounds (LOCK held)."""
    for account in list(applicationautoscaling_backends.values()):
        for backend in list(account.values()):
            for target in list(backend.targets.get(DIMENSION, {}).values()):
                _check(backend, target)


def _check(backend: Any, target: Any) -> None:
    service = _service(backend, target.resource_id)
    if service is None or service.status != "ACTIVE":
        return
    desired = int(service.desired_count)
    wanted = _bounded(target, desired)
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
        correction = Correction(cause, RUNTIME.now)
        setattr(target, _ATTR, correction)
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
    activities: list[dict[str, Any]] = getattr(backend, _ACTIVITIES, None) or []
    activities.insert(
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
    setattr(backend, _ACTIVITIES, activities)


def register_scalable_target(original: Any) -> Any:
    def register(self: Any, namespace: str, r_id: str, dimension: str, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            target = original(self, namespace, r_id, dimension, *args, **kwargs)
            service = _service(self, r_id) if dimension == DIMENSION else None
            if service is not None and target.min_capacity is not None and target.max_capacity is not None:
                desired = int(service.desired_count)
                wanted = _bounded(target, desired)
                if wanted != desired:  # registering new bounds scales into them at once
                    which = "minimum" if wanted > desired else "maximum"
                    setattr(target, _ATTR, Correction(f"{which} capacity was set to {wanted}", RUNTIME.now))
            return target

    return register


def _require_target(backend: Any, namespace: str, r_id: str, dimension: str) -> None:
    """AWS answers ObjectNotFoundException for a scalable target that is not registered."""
    if r_id not in backend.targets.get(dimension, {}):
        raise JsonRESTError(
            "ObjectNotFoundException",
            f"No scalable target registered for service namespace: {namespace}, resource ID: {r_id}, "
            f"scalable dimension: {dimension}",
        )


def deregister_scalable_target(original: Any) -> Any:
    def deregister(self: Any, namespace: str, r_id: str, dimension: str) -> None:
        # AWS: deregistering deletes the target's scaling policies (and their alarms) and scheduled actions.
        with LOCK:
            _require_target(self, namespace, r_id, dimension)  # moto: a ValidationException
            original(self, namespace, r_id, dimension)
            for key, policy in list(self.policies.items()):
                if policy.resource_id == r_id and policy.scalable_dimension == dimension:
                    policy.delete_alarms(self.account_id, self.region_name)
                    del self.policies[key]
            self.scheduled_actions = [
                a
                for a in self.scheduled_actions
                if (a.resource_id, a.scalable_dimension) != (r_id, dimension)
            ]

    return deregister


def put_scaling_policy(original: Any) -> Any:
    def put(self: Any, **kwargs: Any) -> Any:
        with LOCK:
            namespace, r_id = kwargs["service_namespace"], kwargs["resource_id"]
            dimension = kwargs["scalable_dimension"]
            _require_target(self, namespace, r_id, dimension)
            return original(self, **kwargs)

    return put


def describe_scaling_activities(original: Any) -> Any:
    def describe(self: Any) -> Any:
        import json

        with LOCK:
            backend = self.applicationautoscaling_backend
            namespace, r_id = self._get_param("ServiceNamespace"), self._get_param("ResourceId")
            found = [
                {**a, "StartTime": a["StartTime"].timestamp(), "EndTime": a["EndTime"].timestamp()}
                for a in getattr(backend, _ACTIVITIES, None) or []
                if a["ServiceNamespace"] == namespace and r_id in (None, a["ResourceId"])
            ]
            return json.dumps({"ScalingActivities": found})

    return describe


BACKEND_ACTIONS = {
    "register_scalable_target": register_scalable_target,
    "deregister_scalable_target": deregister_scalable_target,
    "put_scaling_policy": put_scaling_policy,
}
__all__ = ["BACKEND_ACTIONS", "ApplicationAutoscalingBackend", "describe_scaling_activities", "step"]
