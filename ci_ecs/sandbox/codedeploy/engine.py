"""CodeDeploy blue/green for ECS: replacement task set, test route, ready wait, traffic shift, termination."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from moto.codedeploy.models import DeploymentInfo, codedeploy_backends
from moto.core.utils import utcnow
from moto.ecs.models import ecs_backends

from ci_ecs.sandbox.codedeploy import routes
from ci_ecs.sandbox.codedeploy.state import (
    ACTIVE_PHASES,
    LIFECYCLE,
    DeploySim,
    attach,
    ecs_service,
    event,
    finish,
    gone,
    new_id,
    sim_of,
)
from ci_ecs.sandbox.ecs import deployments, events, taskset_api, tasksets
from ci_ecs.sandbox.state import RUNTIME, task_sim


def step() -> None:
    """Advance every running ECS deployment by one tick (call with LOCK held)."""
    for account in list(codedeploy_backends.values()):
        for backend in list(account.values()):
            for deployment in list(backend.deployments.values()):
                sim = sim_of(deployment)
                if sim is not None and sim.phase in ACTIVE_PHASES:
                    _advance(deployment, sim)


def _advance(deployment: Any, sim: DeploySim) -> None:
    age = RUNTIME.now - sim.since
    if sim.phase == "install":
        _install(deployment, sim)
    elif sim.phase == "ready" and sim.ready_wait is not None and age >= sim.ready_wait:
        # CodeDeploy API DeploymentReadyOption: STOP_DEPLOYMENT and no continue in time → Stopped.
        message = "The deployment timed out waiting for ContinueDeployment to reroute traffic."
        fail(deployment, sim, "TIMEOUT", message, "Stopped", rollback=True)
    elif sim.phase == "shift":
        _shift(deployment, sim, age)
    elif sim.phase == "terminate" and (sim.termination is None or age >= sim.termination):
        terminate_blue(deployment, sim)
    elif (sim.phase == "rollback" and gone(ecs_service(sim), sim.green_set)) or (
        sim.phase == "draining" and gone(ecs_service(sim), sim.blue_set)
    ):
        finish(deployment, sim, "Succeeded")


def _install(deployment: Any, sim: DeploySim) -> None:
    service = ecs_service(sim)
    if sim.green_set is None:
        event(sim, "BeforeInstall", "Succeeded")  # no Lambda hooks run in the sandbox
        event(sim, "Install", "InProgress")
        sim.blue_set = next((s for s in service.task_sets if s.status == "PRIMARY"), None)
        # The green group joins the production listener at weight 0, so its targets are in use.
        routes.route(sim.account, sim.region, sim.prod, *sim.pair, 0)
        sim.green_set = _create_green(service, sim)
        return
    failed = _failed_tasks(sim)
    if failed >= deployments.threshold({}, int(service.desired_count)):
        message = (
            f"The ECS replacement task set {sim.green_set.id} did not reach a steady state: "
            f"{failed} of its tasks failed to start or failed ELB health checks."
        )
        fail(deployment, sim, "ECS_UPDATE_ERROR", message, "Failed")
        return
    if sim.green_set.stabilityStatus != tasksets.STEADY:
        return
    for name in ("Install", "AfterInstall", "AllowTestTraffic"):
        event(sim, name, "Succeeded")
    routes.route(sim.account, sim.region, sim.test, *sim.pair, 100)
    event(sim, "AfterAllowTestTraffic", "Succeeded")
    if sim.ready_wait is not None:
        sim.phase, sim.since, sim.target_status = "ready", RUNTIME.now, "Ready"
        deployment.status = "Ready"
    else:
        begin_shift(deployment, sim)


def _failed_tasks(sim: DeploySim) -> int:
    found = 0
    for cluster_tasks in list(ecs_backends[sim.account][sim.region].tasks.values()):
        for task in list(cluster_tasks.values()):
            record = task_sim(task)
            found += record is not None and record.task_set is sim.green_set and record.failed
    return found


def _create_green(service: Any, sim: DeploySim) -> Any:
    blue, spec = sim.blue_set, sim.appspec
    balancer = {"targetGroupArn": sim.pair[1], "containerName": spec.container_name}
    balancer["containerPort"] = spec.container_port  # type: ignore[assignment]
    backend: Any = ecs_backends[sim.account][sim.region]
    return backend.create_task_set(
        service.name,
        service.cluster_name,
        spec.task_definition,
        network_configuration=spec.network or (blue.network_configuration if blue else None),
        load_balancers=[balancer],
        launch_type=(blue.launch_type if blue else service.launch_type) or "FARGATE",
        capacity_provider_strategy=spec.capacity_provider_strategy or None,
        platform_version=spec.platform_version or (blue.platform_version if blue else None),
        scale={"value": 100.0, "unit": "PERCENT"},
        **{taskset_api.BY_CODEDEPLOY: True},
    )


def begin_shift(deployment: Any, sim: DeploySim) -> None:
    """Start rerouting production traffic (after the ready wait, or at once)."""
    deployment.status, sim.target_status = "InProgress", "InProgress"
    event(sim, "BeforeAllowTraffic", "Succeeded")
    event(sim, "AllowTraffic", "InProgress")
    sim.phase, sim.since = "shift", RUNTIME.now
    _shift(deployment, sim, 0)


def _shift(deployment: Any, sim: DeploySim, age: int) -> None:
    if _failed_tasks(sim) >= deployments.threshold({}, int(ecs_service(sim).desired_count)):
        message = f"The ECS replacement task set {sim.green_set.id} failed ELB health checks."
        fail(deployment, sim, "ECS_UPDATE_ERROR", message, "Failed")
        return
    weight = sim.config.weight_after(age / max(1, RUNTIME.config.minute_ticks))
    if weight != sim.weight:
        sim.weight = weight
        routes.route(sim.account, sim.region, sim.prod, *sim.pair, weight)
        sim.updated = utcnow()
    if weight < 100:
        return
    event(sim, "AllowTraffic", "Succeeded")
    event(sim, "AfterAllowTraffic", "Succeeded")
    service = ecs_service(sim)
    _make_primary(service, sim.green_set, sim.blue_set)
    events.add(service, f"updated the primary task set to {sim.green_set.id} ({deployment.deployment_id}).")
    sim.phase, sim.since = "terminate", RUNTIME.now
    deployment.instance_termination_wait_time_started = True


def _make_primary(service: Any, primary: Any, other: Any) -> None:
    now = utcnow()
    primary.status, primary.updatedAt = "PRIMARY", now
    if other is not None and other.status == "PRIMARY":
        other.status, other.updatedAt = "ACTIVE", now
    service.task_definition = primary.task_definition


def terminate_blue(deployment: Any, sim: DeploySim) -> None:
    """Terminate the original task set (KEEP_ALIVE: keep it); succeed once its tasks are gone."""
    if sim.termination is None:
        finish(deployment, sim, "Succeeded")
        return
    if sim.blue_set is not None:
        tasksets.drain(sim.blue_set)
    sim.phase, sim.since = "draining", RUNTIME.now


def fail(
    deployment: Any, sim: DeploySim, code: str, message: str, status: str, rollback: bool | None = None
) -> None:
    """End the deployment Failed/Stopped; with rollback, traffic goes back to blue FIRST, then green goes."""
    for name, record in sim.events.items():
        if record["status"] == "InProgress":
            event(sim, name, "Failed")
        elif record["status"] == "Pending":
            event(sim, name, "Skipped")
    deployment.error_information = {"code": code, "message": message}
    finish(deployment, sim, status)
    sim.target_status = "Failed"
    if sim.rollback_on_failure if rollback is None else rollback:
        _roll_back(deployment, sim, message)


def _roll_back(deployment: Any, sim: DeploySim, message: str) -> None:
    """Reroute production and test traffic to blue, restore it as primary, remove green (AWS: a new
    deployment by `codeDeployRollback` does this)."""
    blue, green = sim.pair
    routes.route(sim.account, sim.region, (*sim.prod, *sim.test), blue, green, 0)
    sim.weight = 0
    service = ecs_service(sim)
    if sim.blue_set is not None and sim.blue_set in service.task_sets:
        _make_primary(service, sim.blue_set, sim.green_set)
    if sim.green_set is not None:
        tasksets.drain(sim.green_set)
    backend = codedeploy_backends[sim.account][sim.region]
    rollback: Any = DeploymentInfo(
        deployment.application,
        deployment.deployment_group,
        copy.deepcopy(deployment.revision),
        deployment.deployment_config_name,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "codeDeployRollback",
    )
    rollback.deployment_id = new_id()
    backend.deployments[rollback.deployment_id] = rollback
    rollback_sim = dataclasses.replace(
        sim,
        phase="rollback",
        since=RUNTIME.now,
        events={n: {"lifecycleEventName": n, "status": "Pending"} for n in LIFECYCLE},
        target_status="InProgress",
        rollback_of=deployment.deployment_id,
    )
    attach(rollback, rollback_sim)
    for name in LIFECYCLE:
        event(rollback_sim, name, "Succeeded")
    rollback.rollback_info = {"rollbackTriggeringDeploymentId": deployment.deployment_id}
    deployment.rollback_info = {
        "rollbackDeploymentId": rollback.deployment_id,
        "rollbackMessage": f"Deployment {deployment.deployment_id} was rolled back by deployment "
        f"{rollback.deployment_id}: {message}",
    }
