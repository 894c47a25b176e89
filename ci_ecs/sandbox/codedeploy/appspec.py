"""The AppSpec of an ECS deployment (JSON or YAML): the target service's new task definition and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.sandbox.codedeploy.configs import CodeDeployError


@dataclass(frozen=True)
class AppSpec:
    """The TargetService properties CodeDeploy acts on."""

    task_definition: str
    container_name: str
    container_port: int
    platform_version: str | None = None
    network: dict[str, Any] | None = None  # ECS shape (awsvpcConfiguration …)
    capacity_provider_strategy: list[dict[str, Any]] = field(default_factory=list)
    hooks: tuple[str, ...] = ()


def _invalid(problem: str) -> CodeDeployError:
    return CodeDeployError("InvalidRevisionException", f"The AppSpec content is invalid: {problem}.")


def content_of(revision: dict[str, Any] | None) -> str:
    """The AppSpec text of a revision (revisionType AppSpecContent, or String for older clients)."""
    revision = revision or {}
    kind = revision.get("revisionType")
    holder = revision.get("appSpecContent") if kind == "AppSpecContent" else revision.get("string")
    if kind not in ("AppSpecContent", "String") or not (holder or {}).get("content"):
        raise CodeDeployError(
            "InvalidRevisionException",
            "An ECS deployment needs a revision of type AppSpecContent with the AppSpec as its content.",
        )
    return str((holder or {})["content"])


def parse(text: str) -> AppSpec:
    """Read an AppSpec; its TaskDefinition and LoadBalancerInfo are required."""
    import yaml  # JSON is YAML; imported here because start-up time counts

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _invalid(f"not JSON or YAML ({exc})") from exc
    resources = document.get("Resources") if isinstance(document, dict) else None
    if not isinstance(resources, list) or not resources:
        raise _invalid("Resources must list the TargetService")
    target = next((r.get("TargetService") for r in resources if isinstance(r, dict)), None)
    properties = (target or {}).get("Properties") if isinstance(target, dict) else None
    if not isinstance(properties, dict) or (target or {}).get("Type") != "AWS::ECS::Service":
        raise _invalid("Resources needs a TargetService of Type AWS::ECS::Service with Properties")
    balancer = properties.get("LoadBalancerInfo") or {}
    if not properties.get("TaskDefinition"):
        raise _invalid("TargetService.Properties.TaskDefinition is required")
    if not balancer.get("ContainerName") or not balancer.get("ContainerPort"):
        raise _invalid("LoadBalancerInfo needs ContainerName and ContainerPort")
    hooks = tuple(name for hook in document.get("Hooks") or [] if isinstance(hook, dict) for name in hook)
    return AppSpec(
        task_definition=str(properties["TaskDefinition"]),
        container_name=str(balancer["ContainerName"]),
        container_port=int(balancer["ContainerPort"]),
        platform_version=properties.get("PlatformVersion"),
        network=_network(properties.get("NetworkConfiguration")),
        capacity_provider_strategy=[
            {
                "capacityProvider": s.get("CapacityProvider"),
                "weight": s.get("Weight", 0),
                "base": s.get("Base", 0),
            }
            for s in properties.get("CapacityProviderStrategy") or []
        ],
        hooks=hooks,
    )


def _network(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """AppSpec's PascalCase AwsvpcConfiguration as ECS's awsvpcConfiguration."""
    vpc = (config or {}).get("AwsvpcConfiguration") or (config or {}).get("awsvpcConfiguration")
    if not vpc:
        return None
    converted: dict[str, Any] = {
        "subnets": list(vpc.get("Subnets") or vpc.get("subnets") or []),
        "securityGroups": list(vpc.get("SecurityGroups") or vpc.get("securityGroups") or []),
    }
    public = vpc.get("AssignPublicIp") or vpc.get("assignPublicIp")
    if public:
        converted["assignPublicIp"] = public
    return {"awsvpcConfiguration": converted}
