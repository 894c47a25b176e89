"""Application Auto Scaling calls for an ECS service's desired count: scalable target and policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ci_ecs.aws.clients import Aws, call, call_unless

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling.type_defs import DeregisterScalableTargetRequestTypeDef

NAMESPACE: Final = "ecs"
DIMENSION: Final = "ecs:service:DesiredCount"
# What put_scaling_policy accepts of a described policy.
_POLICY_KEYS = (
    "PolicyName",
    "PolicyType",
    "StepScalingPolicyConfiguration",
    "TargetTrackingScalingPolicyConfiguration",
)


def resource_id(cluster: str, service: str) -> str:
    """`service/<cluster>/<service>`: how Application Auto Scaling names an ECS service."""
    return f"service/{cluster.rsplit('/', 1)[-1]}/{service}"


def _target(cluster: str, service: str) -> DeregisterScalableTargetRequestTypeDef:
    """The parameters naming a service's desired count to Application Auto Scaling."""
    return {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": resource_id(cluster, service),
        "ScalableDimension": DIMENSION,
    }


def scalable_target(aws: Aws, cluster: str, service: str) -> dict[str, Any] | None:
    """The service's registered scalable target (MinCapacity, MaxCapacity, SuspendedState), or None."""
    client = aws.client("application-autoscaling")
    reply = call(
        f"reading the scalable target of service {service}",
        client.describe_scalable_targets,
        ServiceNamespace=NAMESPACE,
        ResourceIds=[resource_id(cluster, service)],
        ScalableDimension=DIMENSION,
    )
    found = reply.get("ScalableTargets", [])
    return dict(found[0]) if found else None


def policies(aws: Aws, cluster: str, service: str) -> list[dict[str, Any]]:
    """The service's scaling policies, each as put_scaling_policy takes it."""
    client = aws.client("application-autoscaling")
    reply = call(
        f"reading the scaling policies of service {service}",
        client.describe_scaling_policies,
        **_target(cluster, service),
    )
    return [{k: v for k, v in p.items() if k in _POLICY_KEYS} for p in reply.get("ScalingPolicies", [])]


def register(aws: Aws, cluster: str, service: str, minimum: int, maximum: int) -> None:
    """Register (or update) the service's scalable target."""
    client = aws.client("application-autoscaling")
    call(
        f"registering service {service} with Application Auto Scaling ({minimum}–{maximum} tasks)",
        client.register_scalable_target,
        **_target(cluster, service),
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )


def put_policy(aws: Aws, cluster: str, service: str, policy: Mapping[str, Any]) -> None:
    """Create or replace one scaling policy of the service."""
    client = aws.client("application-autoscaling")
    call(
        f"putting scaling policy {policy.get('PolicyName')} on service {service}",
        client.put_scaling_policy,
        **_target(cluster, service),
        **{k: v for k, v in policy.items() if k in _POLICY_KEYS},
    )


def deregister(aws: Aws, cluster: str, service: str) -> None:
    """Deregister the service's scalable target (AWS deletes its policies with it); absent is fine."""
    client = aws.client("application-autoscaling")
    call_unless(
        ("ObjectNotFoundException",),
        f"deregistering service {service} from Application Auto Scaling",
        client.deregister_scalable_target,
        **_target(cluster, service),
    )
