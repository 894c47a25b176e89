"""CodeDeploy's predefined ECS deployment configurations and the traffic split they give over time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError

ALL_AT_ONCE, CANARY, LINEAR = "AllAtOnce", "TimeBasedCanary", "TimeBasedLinear"
DEFAULT_ECS = "CodeDeployDefault.ECSAllAtOnce"


@dataclass(frozen=True)
class TrafficConfig:
    """How production traffic moves: AllAtOnce, or `percentage` first then per `interval` minutes."""

    name: str
    kind: str
    percentage: int = 100
    interval: int = 0  # minutes

    def weight_after(self, minutes: float) -> int:
        """The replacement's share of production traffic (percent) `minutes` after shifting began."""
        if self.kind == ALL_AT_ONCE:
            return 100
        if self.kind == CANARY:
            return self.percentage if minutes < self.interval else 100
        return min(100, self.percentage * (1 + int(minutes // self.interval)))

    def routing(self) -> dict[str, Any]:
        """The trafficRoutingConfig of GetDeploymentConfig."""
        if self.kind == ALL_AT_ONCE:
            return {"type": ALL_AT_ONCE}
        key, prefix = ("timeBasedCanary", "canary") if self.kind == CANARY else ("timeBasedLinear", "linear")
        return {
            "type": self.kind,
            key: {f"{prefix}Percentage": self.percentage, f"{prefix}Interval": self.interval},
        }


# CodeDeploy User Guide, "Deployment configurations on an Amazon ECS compute platform".
PREDEFINED = {
    config.name: config
    for config in (
        TrafficConfig(DEFAULT_ECS, ALL_AT_ONCE),
        TrafficConfig("CodeDeployDefault.ECSCanary10Percent5Minutes", CANARY, 10, 5),
        TrafficConfig("CodeDeployDefault.ECSCanary10Percent15Minutes", CANARY, 10, 15),
        TrafficConfig("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", LINEAR, 10, 1),
        TrafficConfig("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", LINEAR, 10, 3),
    )
}


class CodeDeployError(JsonRESTError):
    """A CodeDeploy client error (HTTP 400) with AWS's exception name."""

    code = 400

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name, message)


def ecs_config(name: str | None) -> TrafficConfig:
    """A predefined ECS configuration by name (default ECSAllAtOnce), or DeploymentConfigDoesNotExist."""
    found = PREDEFINED.get(name or DEFAULT_ECS)
    if found is None:
        raise CodeDeployError(
            "DeploymentConfigDoesNotExistException",
            f"The deployment configuration {name} does not exist with the user or AWS account.",
        )
    return found


def describe(config: TrafficConfig, created: Any) -> dict[str, Any]:
    """The deploymentConfigInfo of GetDeploymentConfig for a predefined ECS configuration."""
    return {
        "deploymentConfigId": str(uuid.uuid5(uuid.NAMESPACE_URL, config.name)),
        "deploymentConfigName": config.name,
        "createTime": created,
        "computePlatform": "ECS",
        "trafficRoutingConfig": config.routing(),
    }
