"""CloudFormation's ECS resources created as ECS would: moto 5.2.5 drops most properties of a service
(load balancers, launch type, network, deployment controller and configuration) and of a task definition
(compatibilities, network mode, cpu, roles), and has no AWS::ECS::TaskSet or AWS::ECS::PrimaryTaskSet.
Here each is created with every property, through the same backend calls and checks as the API."""

from __future__ import annotations

from typing import Any

from moto.core.utils import pascal_to_camelcase, remap_nested_keys
from moto.ecs.models import ecs_backends

from ci_ecs.sandbox.ecs import api

_INTEGERS = {
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
}
_FLOATS = {"canaryPercent", "stepPercent", "value"}


def _api(value: Any, key: str = "") -> Any:
    """CloudFormation's properties as the ECS API names them (camelCase keys, numbers from parameters)."""
    if isinstance(value, dict):
        return {_name(k): _api(v, _name(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_api(item, key) for item in value]
    if isinstance(value, str) and key in _INTEGERS and value.isdigit():
        return int(value)
    if isinstance(value, str) and key in _FLOATS:
        return float(value)
    return value


def _name(key: str) -> str:
    return "awsvpcConfiguration" if key == "AwsVpcConfiguration" else str(pascal_to_camelcase(key))


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
            container_definitions=remap_nested_keys(
                _api(cloudformation_json["Properties"].get("ContainerDefinitions", [])), pascal_to_camelcase
            ),
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


class _TaskSetRef:
    """What CloudFormation keeps of a created task set: Ref is its ARN, GetAtt Id its ID."""

    def __init__(self, task_set: Any) -> None:
        self.task_set = task_set
        self.physical_resource_id = task_set.task_set_arn

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.task_set.id if attribute_name == "Id" else self.physical_resource_id

    def is_created(self) -> bool:
        return True


class TaskSet:
    """AWS::ECS::TaskSet: a task set of an EXTERNAL-controller service."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ECS::TaskSet"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Id"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **_: Any
    ) -> _TaskSetRef:
        params = _api(cloudformation_json["Properties"])
        created = _backend(account_id, region_name).create_task_set(
            str(params["service"]).split("/")[-1],
            str(params["cluster"]).split("/")[-1],
            params["taskDefinition"],
            external_id=params.get("externalId"),
            network_configuration=params.get("networkConfiguration"),
            load_balancers=params.get("loadBalancers"),
            launch_type=params.get("launchType"),
            platform_version=params.get("platformVersion"),
            scale=params.get("scale"),
            tags=params.get("tags"),
        )
        return _TaskSetRef(created)

    @classmethod
    def delete_from_cloudformation_json(cls, *_: Any, **__: Any) -> None:
        return  # ci-ecs replaces a service's task sets: the stack's first one is long gone


class PrimaryTaskSet:
    """AWS::ECS::PrimaryTaskSet: which task set of an EXTERNAL-controller service is PRIMARY."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ECS::PrimaryTaskSet"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **_: Any
    ) -> _TaskSetRef:
        params = _api(cloudformation_json["Properties"])
        backend = _backend(account_id, region_name)
        cluster, name = str(params["cluster"]).split("/")[-1], str(params["service"]).split("/")[-1]
        found = next(t for t in backend._get_service(cluster, name).task_sets if t.id == params["taskSetId"])
        return _TaskSetRef(backend.update_service_primary_task_set(cluster, name, found.task_set_arn))

    @classmethod
    def delete_from_cloudformation_json(cls, *_: Any, **__: Any) -> None:
        return


_TYPES: dict[str, Any] = {model.cloudformation_type(): model for model in (TaskSet, PrimaryTaskSet)}


def resource_class_from_type(original: Any) -> Any:
    """moto's lookup of a resource type's model, knowing the types above."""

    def resource_class_from_type(resource_type: str) -> Any:
        return _TYPES.get(resource_type) or original(resource_type)

    return resource_class_from_type
