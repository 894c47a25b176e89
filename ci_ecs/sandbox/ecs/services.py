"""What ECS does on CreateService/UpdateService/DeleteService that moto does not."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.exceptions import InvalidParameterException

from ci_ecs.sandbox.ecs import deployments
from ci_ecs.sandbox.ecs.native import begin, model, validation
from ci_ecs.sandbox.elb import targets
from ci_ecs.sandbox.state import ServiceSim, attach_service, service_sim

# A change to any of these starts a new deployment (AWS UpdateService).
REDEPLOYING = ("network_configuration", "load_balancers", "platform_version", "capacity_provider_strategy")


@dataclass(frozen=True)
class Snapshot:
    """What a service looked like before moto's update_service changed it."""

    deployments: list[dict[str, Any]]
    running: int
    pending: int
    configuration: dict[str, Any]
    settings: dict[str, Any]


def adopt(service: Any, deployment_configuration: dict[str, Any] | None = None) -> ServiceSim | None:
    """Let the scheduler own an ECS-controller service: one PRIMARY deployment IN_PROGRESS, no tasks yet."""
    if (service.deployment_controller or {}).get("type", "ECS") != "ECS" or service.status != "ACTIVE":
        return None
    found = service_sim(service)
    if found is not None:
        return found
    sim = ServiceSim()
    attach_service(service, sim)
    if deployment_configuration:  # moto drops it on create
        service.deployment_configuration = copy.deepcopy(deployment_configuration)
    deployments.configuration(service)
    if getattr(service, "created_at", None) is None:
        service.created_at = utcnow()
    service.deployments.clear()
    service.running_count = service.pending_count = 0
    if service.task_definition:
        _start(service, sim, list(service.load_balancers))
    return sim


def _start(service: Any, sim: ServiceSim, before: list[dict[str, Any]]) -> None:
    """A new deployment; for a BLUE_GREEN, LINEAR or CANARY service also its service deployment."""
    deployment = deployments.start(service, sim, service.task_definition)
    if model.is_native(service):
        begin.begin(service, deployment, before)


def check_configuration(backend: Any, service: Any, params: dict[str, Any]) -> None:
    """UpdateService: a new deploymentConfiguration or new load balancers are checked as ECS does."""
    if params.get("deploymentConfiguration") is None and params.get("loadBalancers") is None:
        return
    merged = {**deployments.configuration(service), **(params.get("deploymentConfiguration") or {})}
    balancers = params.get("loadBalancers")
    controller = (service.deployment_controller or {}).get("type", "ECS")
    validation.check(backend, merged, controller, service.load_balancers if balancers is None else balancers)


def check_load_balancers(backend: Any, load_balancers: list[dict[str, Any]] | None) -> None:
    """AWS refuses a target group that no load balancer forwards to."""
    for lb in load_balancers or []:
        arn = lb.get("targetGroupArn")
        group = targets.find_group(backend.account_id, backend.region_name, arn) if arn else None
        if group is not None and not targets.in_use(group):
            raise InvalidParameterException(
                f"The target group with targetGroupArn {arn} does not have an associated load balancer."
            )


def snapshot(service: Any) -> Snapshot:
    """Remember the state moto's update_service overwrites."""
    return Snapshot(
        deployments=[dict(d) for d in service.deployments],
        running=service.running_count,
        pending=service.pending_count,
        configuration=copy.deepcopy(deployments.configuration(service)),
        settings={name: copy.deepcopy(getattr(service, name, None)) for name in REDEPLOYING},
    )


def after_update(backend: Any, service: Any, before: Snapshot, params: dict[str, Any]) -> None:
    """Undo moto's shortcuts and start a new deployment where ECS would."""
    if params.get("taskDefinition"):
        service.task_definition = backend.describe_task_definition(params["taskDefinition"]).arn
    sim = service_sim(service)
    if _external(service):  # moto sets running = desired; the task sets' tasks are counted instead
        service.running_count, service.pending_count = before.running, before.pending
        return
    if sim is None:  # not scheduled yet (made some other way): take it over as it is now
        adopt(service)
        return
    service.deployments[:] = before.deployments  # moto rewrites the PRIMARY's id on forceNewDeployment
    service.running_count, service.pending_count = before.running, before.pending
    if params.get("deploymentConfiguration"):
        service.deployment_configuration = {**before.configuration, **params["deploymentConfiguration"]}
    deployments.configuration(service)
    primary = service.deployments[0] if service.deployments else None
    changed = any(
        getattr(service, name, None) != before.settings[name]
        for name in REDEPLOYING
        if name in _given(params)
    )
    if service.task_definition and (
        primary is None
        or primary["taskDefinition"] != service.task_definition
        or changed
        or params.get("forceNewDeployment")
    ):
        _start(service, sim, before.settings["load_balancers"] or [])
    elif params.get("desiredCount") is not None:
        scaled(service)


def scaled(service: Any) -> None:
    """The PRIMARY follows a new desiredCount (the scheduler starts or stops tasks); no new deployment."""
    sim = service_sim(service)
    primary = service.deployments[0] if service.deployments else None
    if sim is not None and primary is not None:
        primary["desiredCount"], primary["updatedAt"] = service.desired_count, utcnow()
        sim.steady = False


def _given(params: dict[str, Any]) -> set[str]:
    names = {
        "networkConfiguration": "network_configuration",
        "loadBalancers": "load_balancers",
        "platformVersion": "platform_version",
        "capacityProviderStrategy": "capacity_provider_strategy",
    }
    return {attr for key, attr in names.items() if params.get(key) is not None}


def _external(service: Any) -> bool:
    """Task-set services (EXTERNAL, CODE_DEPLOY): counted from their task sets, not scheduled here."""
    return (service.deployment_controller or {}).get("type") in ("EXTERNAL", "CODE_DEPLOY")


def after_delete(service: Any, has_tasks: bool) -> None:
    """A deleted service drains (DRAINING) until its tasks have stopped, then is INACTIVE."""
    if service_sim(service) is None and not _external(service):
        return
    service.desired_count = 0
    service.status = "DRAINING" if has_tasks else "INACTIVE"
