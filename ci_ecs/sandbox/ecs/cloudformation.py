"""CloudFormation's ECS resources created as ECS would: moto 5.2.5 drops most properties of a service
(load balancers, launch type, network, deployment controller and configuration) and of a task definition
(compatibilities, network mode, cpu, roles), and has no AWS::ECS::TaskSet or AWS::ECS::PrimaryTaskSet.
Here each is created with every property, through the same backend calls and checks as the API."""

from __future__ import annotations

from typing import Any

from moto.ecs.models import ecs_backends

from ci_ecs.sandbox.cloudformation import Created, Resource, api_names
from ci_ecs.sandbox.ecs import api

_NUMBERS: dict[str, type] = {
    **dict.fromkeys(
        (
            "bakeTimeInMinutes",
            "canaryBakeTimeInMinutes",
            "containerPort",
            "cpu",
            "desiredCount",
            "healthCheckGracePeriodSeconds",
            "hostPort",
            "maximumPercent",
            "memory",
            "memoryReservation",
            "minimumHealthyPercent",
            "stepBakeTimeInMinutes",
        ),
        int,
    ),
    **dict.fromkeys(("canaryPercent", "stepPercent"), float),
}


def _api(value: Any) -> Any:
    """CloudFormation's properties as the ECS API names them (a task set's AwsVpcConfiguration too)."""
    return api_names(value, _NUMBERS, {"AwsVpcConfiguration": "awsvpcConfiguration"})


def _backend(account_id: str, region_name: str) -> Any:
    return ecs_backends[account_id][region_name]


def task_definition(original: Any) -> Any:
    """AWS::ECS::TaskDefinition with its compatibilities, network mode, cpu, memory and roles."""

    def create(
        cls: Any, /, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **_: Any
    ) -> Any:
        properties = _api(cloudformation_json["Properties"])
        return _backend(account_id, region_name).register_task_definition(
            family=properties.get("family", resource_name),
            container_definitions=properties.get("containerDefinitions", []),
            volumes=properties.get("volumes"),
            network_mode=properties.get("networkMode"),
            tags=properties.get("tags"),
            requires_compatibilities=properties.get("requiresCompatibilities"),
            cpu=_text(properties.get("cpu")),
            memory=_text(properties.get("memory")),
            task_role_arn=properties.get("taskRoleArn"),
            execution_role_arn=properties.get("executionRoleArn"),
            runtime_platform=properties.get("runtimePlatform"),
        )

    return classmethod(create)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def service(original: Any) -> Any:
    """AWS::ECS::Service with all it says, checked and then adopted by the simulator as CreateService is."""

    def create(
        cls: Any, /, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **_: Any
    ) -> Any:
        backend = _backend(account_id, region_name)
        params = _api(cloudformation_json["Properties"])
        params["serviceName"] = params.get("serviceName") or resource_name
        api.check_create_service(backend, params)
        created = backend.create_service(
            str(params["cluster"]).split("/")[-1],
            params["serviceName"],
            params.get("desiredCount", 1),
            params.get("taskDefinition"),
            params.get("loadBalancers"),
            params.get("schedulingStrategy"),
            params.get("tags"),
            params.get("deploymentController"),
            params.get("launchType"),
            network_configuration=params.get("networkConfiguration"),
            platform_version=params.get("platformVersion"),
            propagate_tags=params.get("propagateTags") or "NONE",
        )
        api.after_create_service(backend, created, params)
        return created

    return classmethod(create)


class _Resource(Resource):
    """An ECS resource type of the sandbox's CloudFormation."""

    @classmethod
    def api(cls, properties: Any) -> Any:
        return _api(properties)


class TaskSet(_Resource):
    """AWS::ECS::TaskSet: a task set of an EXTERNAL-controller service (Ref: its ARN; Fn::GetAtt Id)."""

    TYPE = "AWS::ECS::TaskSet"
    ATTRIBUTES = frozenset({"Id"})

    @classmethod
    def create(cls, params: Any, account_id: str, region_name: str, generated_name: str) -> Created:
        created = _backend(account_id, region_name).create_task_set(
            str(params["service"]).split("/")[-1],
            str(params["cluster"]).split("/")[-1],
            params["taskDefinition"],
            external_id=params.get("externalId"),
            network_configuration=params.get("networkConfiguration"),
            load_balancers=params.get("loadBalancers"),
            launch_type=params.get("launchType"),
            platform_version=params.get("platformVersion"),
            scale=_scale(params.get("scale")),
            tags=params.get("tags"),
        )
        return Created(created.task_set_arn, {"Id": created.id})


def _scale(scale: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if scale is None else {**scale, "value": float(scale.get("value", 100))}


class PrimaryTaskSet(_Resource):
    """AWS::ECS::PrimaryTaskSet: which task set of an EXTERNAL-controller service is PRIMARY."""

    TYPE = "AWS::ECS::PrimaryTaskSet"

    @classmethod
    def create(cls, params: Any, account_id: str, region_name: str, generated_name: str) -> Created:
        backend = _backend(account_id, region_name)
        cluster, name = str(params["cluster"]).split("/")[-1], str(params["service"]).split("/")[-1]
        found = next(t for t in backend._get_service(cluster, name).task_sets if t.id == params["taskSetId"])
        backend.update_service_primary_task_set(cluster, name, found.task_set_arn)
        return Created(found.task_set_arn)


TYPES: dict[str, Any] = {model.cloudformation_type(): model for model in (TaskSet, PrimaryTaskSet)}
