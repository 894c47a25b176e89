"""CodeDeploy API actions for ECS blue/green that moto 5.2.5 lacks or answers as if nothing moved."""

from __future__ import annotations

from typing import Any

from moto.codedeploy.responses import _deployment_info
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from ci_ecs.sandbox.codedeploy import configs, engine, groups, routes
from ci_ecs.sandbox.codedeploy.configs import CodeDeployError
from ci_ecs.sandbox.codedeploy.state import ecs_service, sim_of
from ci_ecs.sandbox.state import LOCK

STATUSES = ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready")
_CREATED = utcnow()  # when the predefined configurations "were created"


def actions() -> dict[str, Any]:
    """CodeDeployResponse method name → wrapper factory (taking moto's method, None if it has none)."""
    return {
        "create_deployment_group": groups.create_deployment_group,
        "create_deployment": groups.create_deployment,
        "get_deployment": lambda original: get_deployment,
        "batch_get_deployments": lambda original: batch_get_deployments,
        "continue_deployment": lambda original: continue_deployment,
        "stop_deployment": lambda original: stop_deployment,
        "get_deployment_config": lambda original: get_deployment_config,
        "list_deployment_configs": lambda original: list_deployment_configs,
        "list_deployment_targets": lambda original: list_deployment_targets,
        "get_deployment_target": lambda original: get_deployment_target,
        "batch_get_deployment_targets": lambda original: batch_get_deployment_targets,
    }


def info(deployment: Any) -> dict[str, Any]:
    """deploymentInfo as CodeDeploy reports an ECS deployment: overview, errors and rollback included."""
    found = _deployment_info(deployment)
    sim = sim_of(deployment)
    if sim is None:
        return found
    found["deploymentOverview"] = {status: int(status == sim.target_status) for status in STATUSES}
    found["errorInformation"] = getattr(deployment, "error_information", None) or {}
    found["rollbackInfo"] = getattr(deployment, "rollback_info", None) or {}
    found["instanceTerminationWaitTimeStarted"] = deployment.instance_termination_wait_time_started
    return found


def _deployment(response: Any) -> Any:
    return response.codedeploy_backend.get_deployment(response._get_param("deploymentId"))


def get_deployment(self: Any) -> ActionResult:
    with LOCK:
        return ActionResult({"deploymentInfo": info(_deployment(self))})


def batch_get_deployments(self: Any) -> ActionResult:
    with LOCK:
        found = self.codedeploy_backend.batch_get_deployments(self._get_param("deploymentIds") or [])
        return ActionResult({"deploymentsInfo": [info(d) for d in found]})


def _running(deployment: Any) -> Any:
    sim = sim_of(deployment)
    if sim is None or sim.phase in ("done", "draining", "rollback"):
        raise CodeDeployError(
            "DeploymentAlreadyCompletedException",
            f"The deployment {deployment.deployment_id} has already completed.",
        )
    return sim


def continue_deployment(self: Any) -> EmptyResult:
    with LOCK:
        deployment = _deployment(self)
        sim = _running(deployment)
        wait = self._get_param("deploymentWaitType") or "READY_WAIT"
        if wait == "READY_WAIT" and sim.phase == "ready":
            engine.begin_shift(deployment, sim)
        elif wait == "TERMINATION_WAIT" and sim.phase == "terminate":
            engine.terminate_blue(deployment, sim)
        elif wait == "READY_WAIT":
            raise CodeDeployError(
                "DeploymentIsNotInReadyStateException",
                f"The deployment {deployment.deployment_id} is not in a Ready state.",
            )
        else:
            raise CodeDeployError(
                "InvalidDeploymentStatusException",
                f"The deployment {deployment.deployment_id} is not waiting to terminate the original "
                "task set.",
            )
        return EmptyResult()


def stop_deployment(self: Any) -> ActionResult:
    with LOCK:
        deployment = _deployment(self)
        sim = _running(deployment)
        rollback = bool(self._get_param("autoRollbackEnabled"))
        message = "The deployment was stopped by the user."
        engine.fail(deployment, sim, "MANUAL_STOP", message, "Stopped", rollback=rollback)
        return ActionResult({"status": "Succeeded", "statusMessage": message})


def get_deployment_config(self: Any) -> ActionResult:
    config = configs.ecs_config(self._get_param("deploymentConfigName"))
    return ActionResult({"deploymentConfigInfo": configs.describe(config, _CREATED)})


def list_deployment_configs(self: Any) -> ActionResult:
    return ActionResult({"deploymentConfigsList": sorted(configs.PREDEFINED)})


def _target_id(sim: Any) -> str:
    return f"{sim.cluster}:{sim.service}"


def _ecs_target(deployment: Any) -> dict[str, Any]:
    sim = sim_of(deployment)
    if sim is None:
        raise CodeDeployError(
            "DeploymentNotStartedException", f"The deployment {deployment.deployment_id} has not started."
        )
    service = ecs_service(sim)
    sets = []
    for task_set, label, weight, group in (
        (sim.blue_set, "Blue", 100 - sim.weight, sim.pair[0]),
        (sim.green_set, "Green", sim.weight, sim.pair[1]),
    ):
        if task_set is None:
            continue
        sets.append(
            {
                "identifer": task_set.id,  # sic: the API's member name
                "desiredCount": int(task_set.computed_desired_count),
                "pendingCount": int(task_set.pending_count),
                "runningCount": int(task_set.running_count),
                "status": task_set.status,
                "trafficWeight": float(weight),
                "targetGroup": {"name": routes.group_name(sim.account, sim.region, group)},
                "taskSetLabel": label,
            }
        )
    return {
        "deploymentId": deployment.deployment_id,
        "targetId": _target_id(sim),
        "targetArn": service.arn,
        "lastUpdatedAt": sim.updated,
        "lifecycleEvents": [dict(e) for e in sim.events.values()],
        "status": sim.target_status,
        "taskSetsInfo": sets,
    }


def list_deployment_targets(self: Any) -> ActionResult:
    with LOCK:
        target = _ecs_target(_deployment(self))
        return ActionResult({"targetIds": [target["targetId"]]})


def _target(self: Any, target_id: str) -> dict[str, Any]:
    target = _ecs_target(_deployment(self))
    if target_id != target["targetId"]:
        raise CodeDeployError(
            "DeploymentTargetDoesNotExistException",
            f"The target {target_id} does not exist in deployment {target['deploymentId']}.",
        )
    return {"deploymentTargetType": "ECSTarget", "ecsTarget": target}


def get_deployment_target(self: Any) -> ActionResult:
    with LOCK:
        return ActionResult({"deploymentTarget": _target(self, str(self._get_param("targetId")))})


def batch_get_deployment_targets(self: Any) -> ActionResult:
    with LOCK:
        found = [_target(self, str(t)) for t in self._get_param("targetIds") or []]
        return ActionResult({"deploymentTargets": found})
