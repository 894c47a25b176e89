"""CreateDeploymentGroup and CreateDeployment for the ECS compute platform, checked as CodeDeploy does."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.iam.models import iam_backends

from ci_ecs.sandbox.codedeploy import appspec, configs, routes
from ci_ecs.sandbox.codedeploy.configs import CodeDeployError
from ci_ecs.sandbox.codedeploy.state import ACTIVE_PHASES, DeploySim, attach, new_id, sim_of
from ci_ecs.sandbox.ecs import codedeploy_controller
from ci_ecs.sandbox.state import LOCK, RUNTIME

BLUE_GREEN = {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}


def _is_ecs(response: Any) -> bool:
    name = response._get_param("applicationName")
    application = response.codedeploy_backend.applications.get(name)
    return application is not None and application.compute_platform == "ECS"


def _check_group(response: Any) -> None:
    """The rules of CodeDeploy User Guide, "Create a deployment group for an Amazon ECS deployment"."""
    account, region = response.current_account, response.region
    if (response._get_param("deploymentStyle") or {}) != BLUE_GREEN:
        raise CodeDeployError(
            "InvalidDeploymentStyleException",
            "An ECS deployment group needs deploymentStyle BLUE_GREEN WITH_TRAFFIC_CONTROL.",
        )
    services = response._get_param("ecsServices") or []
    if len(services) != 1:
        raise CodeDeployError("InvalidECSServiceException", "Specify exactly one ECS service.")
    try:
        service = ecs_backends[account][region]._get_service(
            services[0].get("clusterName"), services[0].get("serviceName")
        )
    except Exception as exc:
        raise CodeDeployError(
            "InvalidECSServiceException",
            f"The ECS service {services[0]} does not exist.",
        ) from exc
    if not codedeploy_controller.is_code_deploy(service):
        raise CodeDeployError(
            "InvalidECSServiceException",
            "Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller.",
        )
    pairs = (response._get_param("loadBalancerInfo") or {}).get("targetGroupPairInfoList") or []
    if len(pairs) != 1 or len(pairs[0].get("targetGroups") or []) != 2:
        raise CodeDeployError(
            "InvalidTargetGroupPairException", "Specify one target group pair with two target groups."
        )
    for group in pairs[0]["targetGroups"]:
        group_arn(account, region, group.get("name", ""))
    traffic_routes = [pairs[0].get("prodTrafficRoute"), pairs[0].get("testTrafficRoute")]
    for route in (r for r in traffic_routes if r):
        for arn in route.get("listenerArns") or []:
            if not routes.exists(account, region, arn):
                raise CodeDeployError(
                    "InvalidTargetGroupPairException", f"The listener {arn} does not exist."
                )
    if not (pairs[0].get("prodTrafficRoute") or {}).get("listenerArns"):
        raise CodeDeployError("InvalidTargetGroupPairException", "A production listener is required.")
    if not response._get_param("blueGreenDeploymentConfiguration"):
        raise CodeDeployError(
            "InvalidBlueGreenDeploymentConfigurationException",
            "An ECS deployment group needs a blueGreenDeploymentConfiguration.",
        )
    role = str(response._get_param("serviceRoleArn") or "")
    if not any(r.arn == role for r in iam_backends[account]["aws"].roles.values()):
        raise CodeDeployError(
            "InvalidRoleException",
            f"AWS CodeDeploy does not have the permissions required to assume the role {role}.",
        )


def group_arn(account: str, region: str, name: str) -> str:
    """The ARN of a target group named in a target group pair (CodeDeploy names them by name)."""
    for group in elbv2_backends[account][region].target_groups.values():
        if group.name == name:
            return str(group.arn)
    raise CodeDeployError("InvalidTargetGroupPairException", f"The target group {name} does not exist.")


def create_deployment_group(original: Any) -> Any:
    def create_deployment_group(self: Any) -> Any:
        with LOCK:
            if not _is_ecs(self):
                return original(self)
            _check_group(self)
            config = configs.ecs_config(self._get_param("deploymentConfigName")).name
            result = original(self)
            group = self.codedeploy_backend.get_deployment_group(
                self._get_param("applicationName"), self._get_param("deploymentGroupName")
            )
            group.deployment_config_name = config  # ECS's default is ECSAllAtOnce, not OneAtATime
            return result

    return create_deployment_group


def create_deployment(original: Any) -> Any:
    def create_deployment(self: Any) -> Any:
        with LOCK:
            if not _is_ecs(self):
                return original(self)
            backend = self.codedeploy_backend
            group = backend.get_deployment_group(
                self._get_param("applicationName"), self._get_param("deploymentGroupName")
            )
            for other in backend.deployments.values():
                running = sim_of(other)
                if other.deployment_group is group and running is not None and running.phase in ACTIVE_PHASES:
                    raise CodeDeployError(
                        "DeploymentLimitExceededException",
                        f"The Deployment Group '{group.deployment_group_name}' already has an active "
                        f"Deployment '{other.deployment_id}'",
                    )
            sim = _plan(self, group)
            before = set(backend.deployments)
            original(self)
            [moto_id] = set(backend.deployments) - before
            deployment = backend.deployments.pop(moto_id)
            deployment.deployment_id = new_id()
            deployment.deployment_config_name = sim.config.name
            backend.deployments[deployment.deployment_id] = deployment
            attach(deployment, sim)
            return ActionResult({"deploymentId": deployment.deployment_id})

    return create_deployment


def _plan(response: Any, group: Any) -> DeploySim:
    """The deployment's plan from its group, its configuration and its AppSpec (checked before creating)."""
    account, region = response.current_account, response.region
    spec = appspec.parse(appspec.content_of(response._get_param("revision")))
    [service_ref] = group.ecs_services
    ecs = ecs_backends[account][region]
    service = ecs._get_service(service_ref["clusterName"], service_ref["serviceName"])
    try:
        definition = ecs.describe_task_definition(spec.task_definition)
    except Exception as exc:
        raise CodeDeployError(
            "InvalidRevisionException", f"The task definition {spec.task_definition} does not exist."
        ) from exc
    if spec.container_name not in {c.get("name") for c in definition.container_definitions}:
        raise CodeDeployError(
            "InvalidRevisionException",
            f"The container {spec.container_name} is not in task definition {definition.arn}.",
        )
    spec = appspec.AppSpec(**{**spec.__dict__, "task_definition": definition.arn})
    [pair] = group.load_balancer_info["targetGroupPairInfoList"]
    first, second = (group_arn(account, region, g["name"]) for g in pair["targetGroups"])
    prod = tuple(pair["prodTrafficRoute"]["listenerArns"])
    blue = routes.serving(account, region, prod[0], (first, second))
    green = second if blue == first else first
    blue_green = group.blue_green_deployment_configuration or {}
    ready = blue_green.get("deploymentReadyOption") or {}
    terminate = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    minute = RUNTIME.config.minute_ticks
    rollback = response._get_param("autoRollbackConfiguration") or group.auto_rollback_configuration or {}
    return DeploySim(
        account=account,
        region=region,
        cluster=service.cluster_name,
        service=service.name,
        pair=(blue, green),
        prod=prod,
        test=tuple((pair.get("testTrafficRoute") or {}).get("listenerArns") or []),
        appspec=spec,
        config=configs.ecs_config(
            response._get_param("deploymentConfigName") or group.deployment_config_name
        ),
        ready_wait=int(ready.get("waitTimeInMinutes") or 0) * minute
        if ready.get("actionOnTimeout") == "STOP_DEPLOYMENT"
        else None,
        termination=None
        if terminate.get("action") == "KEEP_ALIVE"
        else int(terminate.get("terminationWaitTimeInMinutes") or 0) * minute,
        rollback_on_failure=bool(rollback.get("enabled"))
        and "DEPLOYMENT_FAILURE" in (rollback.get("events") or []),
    )
