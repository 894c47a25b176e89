"""Starting scheduler-owned tasks: one task of a service deployment or of a task set."""

from __future__ import annotations

from typing import Any

from moto.ecs.models import Task

from ci_ecs.sandbox.ecs.tasks import adopt
from ci_ecs.sandbox.state import service_sim


def launch(
    backend: Any,
    service: Any,
    deployment: dict[str, Any],
    load_balancers: list[dict[str, Any]] | None = None,
) -> Any:
    """Start one task of a service deployment, as the ECS scheduler does (startedBy = deployment id).

    `load_balancers`: where it registers (a blue/green target revision's); None: the service's.
    """
    sim = service_sim(service)
    network = service.network_configuration or None
    if sim is not None:
        network = rotated(network, sim.next_subnet)
        sim.next_subnet += 1
    return start(
        backend,
        service,
        deployment["taskDefinition"],
        deployment["id"],
        launch_type=service.launch_type,
        network=network,
        platform_version=service.platform_version,
        strategy=getattr(service, "capacity_provider_strategy", None) or [],
        load_balancers=load_balancers,
    )


def start(
    backend: Any,
    service: Any,
    task_definition_arn: str,
    started_by: str,
    *,
    launch_type: str | None,
    network: dict[str, Any] | None,
    platform_version: str | None,
    strategy: list[dict[str, Any]],
    load_balancers: list[dict[str, Any]] | None = None,
    task_set: Any = None,
) -> Any:
    """Start one scheduler-owned task of a service (group `service:<name>`) and take it over."""
    cluster = backend.clusters[service.cluster_name]
    task_definition = backend.describe_task_definition(task_definition_arn)
    task = Task(
        cluster,
        task_definition,
        None,
        None,
        backend=backend,
        group=f"service:{service.name}",
        launch_type=launch_type or "",
        overrides={},
        started_by=started_by,
        tags=_propagated_tags(backend, service, task_definition),
        networking_configuration=network,
        platform_version=platform_version,
        capacity_provider_name=strategy[0].get("capacityProvider") if strategy else None,
    )
    backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
    adopt(
        task,
        task_definition,
        service=service,
        deployment_id=started_by,
        load_balancers=load_balancers,
        task_set=task_set,
    )
    return task


def _propagated_tags(backend: Any, service: Any, task_definition: Any) -> list[dict[str, str]]:
    if service.propagate_tags == "SERVICE":
        return list(service.tags)
    if service.propagate_tags == "TASK_DEFINITION":
        return list(backend.list_tags_for_resource(task_definition.arn))
    return []


def rotated(config: dict[str, Any] | None, turn: int) -> dict[str, Any] | None:
    """An awsvpc configuration with its subnets rotated by `turn`, spreading tasks over subnets (AZs)."""
    if not config:
        return config
    vpc = dict(config["awsvpcConfiguration"])
    subnets = list(vpc["subnets"])
    first = turn % len(subnets)
    vpc["subnets"] = subnets[first:] + subnets[:first]
    return {"awsvpcConfiguration": vpc}
