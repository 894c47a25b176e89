"""Elastic Load Balancing v2 calls: target health."""

from __future__ import annotations

from dataclasses import dataclass

from ci_ecs.aws.clients import Aws, call


@dataclass(frozen=True)
class Target:
    """One registered target and its health."""

    id: str
    port: int | None
    state: str
    reason: str | None = None


def target_health(aws: Aws, target_group_arn: str) -> list[Target]:
    """Every target of a target group with its current health state."""
    elbv2 = aws.client("elbv2")
    reply = call(
        f"reading target health of {target_group_name(target_group_arn)}",
        elbv2.describe_target_health,
        TargetGroupArn=target_group_arn,
    )
    return [
        Target(
            id=d["Target"]["Id"],
            port=d["Target"].get("Port"),
            state=d.get("TargetHealth", {}).get("State", "unknown"),
            reason=d.get("TargetHealth", {}).get("Reason"),
        )
        for d in reply.get("TargetHealthDescriptions", [])
    ]


def target_group_name(arn: str) -> str:
    """`web` from `arn:…:targetgroup/web/0123456789abcdef`."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn


def register_targets(aws: Aws, target_group_arn: str, targets: list[tuple[str, int]]) -> None:
    """Register IP targets (registering a registered target is fine)."""
    elbv2 = aws.client("elbv2")
    shown = ", ".join(f"{ip}:{port}" for ip, port in targets)
    call(
        f"registering target {shown} in {target_group_name(target_group_arn)}",
        elbv2.register_targets,
        TargetGroupArn=target_group_arn,
        Targets=[{"Id": ip, "Port": port} for ip, port in targets],
    )


def deregister_targets(aws: Aws, target_group_arn: str, targets: list[tuple[str, int]]) -> None:
    """Deregister IP targets; ELB starts draining them at once."""
    elbv2 = aws.client("elbv2")
    shown = ", ".join(f"{ip}:{port}" for ip, port in targets)
    call(
        f"deregistering target {shown} from {target_group_name(target_group_arn)}",
        elbv2.deregister_targets,
        TargetGroupArn=target_group_arn,
        Targets=[{"Id": ip, "Port": port} for ip, port in targets],
    )


def deregistration_delay(aws: Aws, target_group_arn: str) -> float:
    """How long the target group drains a deregistered target (seconds; AWS's default is 300)."""
    elbv2 = aws.client("elbv2")
    reply = call(
        f"reading the attributes of {target_group_name(target_group_arn)}",
        elbv2.describe_target_group_attributes,
        TargetGroupArn=target_group_arn,
    )
    for attribute in reply.get("Attributes", []):
        if attribute.get("Key") == "deregistration_delay.timeout_seconds":
            return float(attribute.get("Value", 300))
    return 300.0
