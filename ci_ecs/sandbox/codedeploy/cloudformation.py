"""AWS::CodeDeploy::Application and AWS::CodeDeploy::DeploymentGroup, which moto 5.2.5's CloudFormation lacks:
created through moto's CodeDeploy backend with the checks and defaults of the sandbox's
CreateDeploymentGroup."""

from __future__ import annotations

from typing import Any

from moto.codedeploy.models import codedeploy_backends

from ci_ecs.sandbox.cloudformation import Created, Resource, api_names
from ci_ecs.sandbox.codedeploy import configs, groups

_NUMBERS: dict[str, type] = {"waitTimeInMinutes": int, "terminationWaitTimeInMinutes": int}


class _Request:
    """A deployment group's properties where the sandbox's checks read a CreateDeploymentGroup request."""

    def __init__(self, account_id: str, region_name: str, params: dict[str, Any]) -> None:
        self.current_account, self.region, self._params = account_id, region_name, params

    def _get_param(self, name: str) -> Any:
        return self._params.get(name)


class Application(Resource):
    """AWS::CodeDeploy::Application."""

    TYPE = "AWS::CodeDeploy::Application"

    @classmethod
    def create(cls, params: Any, account_id: str, region_name: str, generated_name: str) -> Created:
        name = str(params.get("applicationName") or generated_name)
        backend = codedeploy_backends[account_id][region_name]
        backend.create_application(name, params.get("computePlatform", "Server"), params.get("tags") or [])
        return Created(name)


class DeploymentGroup(Resource):
    """AWS::CodeDeploy::DeploymentGroup (of an ECS application: checked as CodeDeploy checks one)."""

    TYPE = "AWS::CodeDeploy::DeploymentGroup"

    @classmethod
    def api(cls, properties: Any) -> Any:
        return api_names(properties, _NUMBERS, {"ECSServices": "ecsServices"})

    @classmethod
    def create(cls, params: Any, account_id: str, region_name: str, generated_name: str) -> Created:
        name = str(params.get("deploymentGroupName") or generated_name)
        backend = codedeploy_backends[account_id][region_name]
        application = backend.applications[params["applicationName"]]
        ecs = application.compute_platform == "ECS"
        if ecs:
            groups._check_group(_Request(account_id, region_name, params))
        backend.create_deployment_group(
            params["applicationName"],
            name,
            params.get("deploymentConfigName"),
            None,
            None,
            None,
            params["serviceRoleArn"],
            auto_rollback_configuration=params.get("autoRollbackConfiguration"),
            deployment_style=params.get("deploymentStyle"),
            blue_green_deployment_configuration=params.get("blueGreenDeploymentConfiguration"),
            load_balancer_info=params.get("loadBalancerInfo"),
            ecs_services=params.get("ecsServices"),
            tags=params.get("tags"),
        )
        if ecs:  # ECS's default is ECSAllAtOnce, not OneAtATime
            group = backend.get_deployment_group(params["applicationName"], name)
            group.deployment_config_name = configs.ecs_config(params.get("deploymentConfigName")).name
        return Created(name)


TYPES: dict[str, Any] = {model.cloudformation_type(): model for model in (Application, DeploymentGroup)}
