"""A switch version's autoscaling: copied to a new version, saved in tags before removal, restored."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import autoscaling, ecs
from ci_ecs.aws.clients import Aws
from ci_ecs.strategies.state import SAVED_AUTOSCALING as SAVED

_PART = 256  # characters a tag value holds: the saved autoscaling is base64 of compressed JSON in parts


@dataclass(frozen=True)
class Scaling:
    """A scalable target's bounds and its policies (as put_scaling_policy takes them)."""

    minimum: int
    maximum: int
    policies: list[dict[str, Any]] = field(default_factory=list)


def read(aws: Aws, service: dict[str, Any]) -> Scaling | None:
    """The service's registered autoscaling, or None."""
    cluster, name = service["clusterArn"], service["serviceName"]
    target = autoscaling.scalable_target(aws, cluster, name)
    if target is None:
        return None
    found = autoscaling.policies(aws, cluster, name)
    return Scaling(int(target["MinCapacity"]), int(target["MaxCapacity"]), found)


def apply(
    aws: Aws, service: dict[str, Any], scaling: Scaling, moved: Mapping[str, str] | None = None
) -> None:
    """Register the scalable target and put the policies, repointed by `moved` (old → new group)."""
    cluster, name = service["clusterArn"], service["serviceName"]
    autoscaling.register(aws, cluster, name, scaling.minimum, scaling.maximum)
    for policy in scaling.policies:
        autoscaling.put_policy(aws, cluster, name, repoint(policy, moved or {}))


def repoint(policy: dict[str, Any], moved: Mapping[str, str]) -> dict[str, Any]:
    """The policy measuring the new target group where it measured one of `moved`'s old ones."""
    label = _metric(policy).get("ResourceLabel", "")
    for old, new in moved.items():
        if ":targetgroup/" in old and label.endswith("/targetgroup/" + old.split(":targetgroup/")[1]):
            return retarget(policy, new)
    return policy


def _metric(policy: dict[str, Any]) -> dict[str, Any]:
    config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
    return dict(config.get("PredefinedMetricSpecification") or {})


def retarget(policy: dict[str, Any], target_group: str) -> dict[str, Any]:
    """The policy with an ALBRequestCountPerTarget metric measuring `target_group` instead."""
    config = policy.get("TargetTrackingScalingPolicyConfiguration")
    metric = (config or {}).get("PredefinedMetricSpecification") or {}
    label = metric.get("ResourceLabel", "")
    if "/targetgroup/" not in label or ":targetgroup/" not in target_group:
        return policy
    # The label is app/<lb>/<id>/targetgroup/<name>/<id>; the ARN ends in targetgroup/<name>/<id>.
    new_label = label.split("/targetgroup/")[0] + "/targetgroup/" + target_group.split(":targetgroup/")[1]
    assert config is not None
    new_config = {**config, "PredefinedMetricSpecification": {**metric, "ResourceLabel": new_label}}
    return {**policy, "TargetTrackingScalingPolicyConfiguration": new_config}


def to_tags(scaling: Scaling) -> dict[str, str]:
    """The autoscaling as tag values (ECS tag values allow base64's characters)."""
    document = json.dumps(
        {"min": scaling.minimum, "max": scaling.maximum, "policies": scaling.policies},
        separators=(",", ":"),
        default=str,
    )
    text = base64.b64encode(zlib.compress(document.encode())).decode()
    return {f"{SAVED}{i // _PART}": text[i : i + _PART] for i in range(0, len(text), _PART)}


def from_tags(service: dict[str, Any]) -> Scaling | None:
    """The autoscaling saved in a service's tags, or None."""
    tags = ecs.tags_of(service)
    parts = sorted((int(k[len(SAVED) :]), v) for k, v in tags.items() if k.startswith(SAVED))
    if not parts:
        return None
    document = json.loads(zlib.decompress(base64.b64decode("".join(v for _, v in parts))))
    return Scaling(int(document["min"]), int(document["max"]), list(document.get("policies", [])))


def saved_keys(service: dict[str, Any]) -> list[str]:
    """The tag keys holding saved autoscaling."""
    return [k for k in ecs.tags_of(service) if k.startswith(SAVED)]
