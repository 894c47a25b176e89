"""The AppSpec of an ECS blue/green deployment, built from the new revision and the live service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_ecs.aws import tasksets
from ci_ecs.errors import PreconditionError
from ci_ecs.strategies.context import live_task_definition


def appspec(task_definition_arn: str, service: Mapping[str, Any]) -> dict[str, Any]:
    """The AppSpec (as a dict) that replaces the service's task set with one of `task_definition_arn`."""
    primary = tasksets.primary(service) or {}
    balancers = service.get("loadBalancers") or primary.get("loadBalancers") or []
    balancer = next((b for b in balancers if b.get("containerName")), None)
    if balancer is None:
        raise PreconditionError(
            f"service: {service.get('serviceName')} has no load balancer with a container name and port — "
            "CodeDeploy blue/green needs the service's target group, container name and port"
        )
    properties: dict[str, Any] = {
        "TaskDefinition": task_definition_arn,
        "LoadBalancerInfo": {
            "ContainerName": balancer["containerName"],
            "ContainerPort": int(balancer["containerPort"]),
        },
    }
    platform = service.get("platformVersion") or primary.get("platformVersion")
    if platform:
        properties["PlatformVersion"] = platform
    network = (service.get("networkConfiguration") or primary.get("networkConfiguration") or {}).get(
        "awsvpcConfiguration"
    )
    if network:
        vpc: dict[str, Any] = {"Subnets": list(network.get("subnets", []))}
        if network.get("securityGroups"):
            vpc["SecurityGroups"] = list(network["securityGroups"])
        if network.get("assignPublicIp"):
            vpc["AssignPublicIp"] = network["assignPublicIp"]
        properties["NetworkConfiguration"] = {"AwsvpcConfiguration": vpc}
    strategy = service.get("capacityProviderStrategy") or primary.get("capacityProviderStrategy")
    if strategy:
        properties["CapacityProviderStrategy"] = [
            {
                "CapacityProvider": s["capacityProvider"],
                "Weight": s.get("weight", 0),
                "Base": s.get("base", 0),
            }
            for s in strategy
        ]
    return {
        "version": 0.0,
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": properties}}],
    }


def primary_task_definition(service: Mapping[str, Any]) -> str:
    """The task definition of the service's PRIMARY task set (what production runs), else the service's."""
    return str((tasksets.primary(service) or {}).get("taskDefinition") or live_task_definition(service))


def task_definition_of(spec: Mapping[str, Any]) -> str:
    """The task definition an AppSpec deploys ('' when it names none)."""
    for resource in spec.get("Resources", []):
        for body in resource.values():
            found = body.get("Properties", {}).get("TaskDefinition") if isinstance(body, dict) else None
            if found:
                return str(found)
    return ""
