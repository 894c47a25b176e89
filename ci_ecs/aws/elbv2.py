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
