"""Service revisions: what one set of a service's tasks runs (API *ServiceRevision*)."""

from __future__ import annotations

import copy
import random
from typing import Any

from ci_ecs.sandbox import behaviour
from ci_ecs.sandbox.ecs.native.model import Revision, revisions_of, service_prefix


def create(
    service: Any, deployment_id: str, task_definition: str, load_balancers: list[dict[str, Any]]
) -> Revision:
    """A new revision of the service: its ARN ends in 19 digits, as ECS's do."""
    arn = f"{service_prefix(service, 'service-revision')}/{random.randint(10**18, 10**19 - 1)}"
    revision = Revision(arn, deployment_id, task_definition, copy.deepcopy(load_balancers))
    revisions_of(service).append(revision)
    return revision


def of_deployment(service: Any, deployment: dict[str, Any], load_balancers: list[dict[str, Any]]) -> Revision:
    """The revision of an ECS deployment (`ecs-svc/…`); one is made (on these load balancers) for a
    deployment that has none yet, e.g. one made before the service used a blue/green strategy."""
    for revision in revisions_of(service):
        if revision.deployment_id == deployment["id"]:
            return revision
    return create(service, deployment["id"], deployment["taskDefinition"], load_balancers)


def swapped(load_balancers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The load balancers with each advancedConfiguration's target group and alternate swapped."""
    found = copy.deepcopy(load_balancers)
    for lb in found:
        advanced = lb.get("advancedConfiguration")
        if advanced and advanced.get("alternateTargetGroupArn") and lb.get("targetGroupArn"):
            lb["targetGroupArn"], advanced["alternateTargetGroupArn"] = (
                advanced["alternateTargetGroupArn"],
                lb["targetGroupArn"],
            )
    return found


def describe(service: Any, revision: Revision) -> dict[str, Any]:
    """The ServiceRevision shape."""
    backend = service._backend
    task_definition = backend.describe_task_definition(revision.task_definition)
    images = [
        {
            "containerName": container.get("name"),
            "image": container.get("image"),
            "imageDigest": behaviour.digest_of(str(container.get("image") or "")),
        }
        for container in task_definition.container_definitions
    ]
    found: dict[str, Any] = {
        "serviceRevisionArn": revision.arn,
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "taskDefinition": revision.task_definition,
        "loadBalancers": copy.deepcopy(revision.load_balancers),
        "containerImages": images,
        "createdAt": revision.created_at,
        "platformFamily": "Linux",
    }
    if service.launch_type:
        found["launchType"] = service.launch_type
    if service.launch_type == "FARGATE":
        version = service.platform_version or "LATEST"
        found["platformVersion"] = "1.4.0" if version == "LATEST" else version
    if service.network_configuration:
        found["networkConfiguration"] = copy.deepcopy(service.network_configuration)
    strategy = getattr(service, "capacity_provider_strategy", None)
    if strategy:
        found["capacityProviderStrategy"] = strategy
    return found
