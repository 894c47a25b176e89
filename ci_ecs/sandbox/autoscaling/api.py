"""Application Auto Scaling API actions that moto answers differently from AWS for ECS services."""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError

from ci_ecs.sandbox.autoscaling import bounds
from ci_ecs.sandbox.state import LOCK


def register_scalable_target(original: Any) -> Any:
    def register(self: Any, namespace: str, r_id: str, dimension: str, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            target = original(self, namespace, r_id, dimension, *args, **kwargs)
            service = bounds.service_of(self, r_id) if dimension == bounds.DIMENSION else None
            if service is not None and target.min_capacity is not None and target.max_capacity is not None:
                desired = int(service.desired_count)
                wanted = bounds.bounded(target, desired)
                if wanted != desired:  # registering new bounds scales into them at once
                    which = "minimum" if wanted > desired else "maximum"
                    bounds.start_correction(target, f"{which} capacity was set to {wanted}")
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
        with LOCK:
            backend = self.applicationautoscaling_backend
            namespace, r_id = self._get_param("ServiceNamespace"), self._get_param("ResourceId")
            found = [
                {**a, "StartTime": a["StartTime"].timestamp(), "EndTime": a["EndTime"].timestamp()}
                for a in bounds.activities(backend)
                if a["ServiceNamespace"] == namespace and r_id in (None, a["ResourceId"])
            ]
            return json.dumps({"ScalingActivities": found})

    return describe


BACKEND_ACTIONS = {
    "register_scalable_target": register_scalable_target,
    "deregister_scalable_target": deregister_scalable_target,
    "put_scaling_policy": put_scaling_policy,
}
