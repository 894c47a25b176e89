"""CloudFormation in the sandbox: resources as their services' APIs name them, and the resource types that
moto 5.2.5's CloudFormation lacks (it skips them with a warning)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.utils import pascal_to_camelcase


def api_names(
    value: Any,
    numbers: Mapping[str, type] | None = None,
    renamed: Mapping[str, str] | None = None,
    key: str = "",
) -> Any:
    """CloudFormation's properties as the API names them: camelCase keys (or `renamed`'s), and the keys of
    `numbers` as that type (template parameters arrive as strings)."""
    numbers, renamed = numbers or {}, renamed or {}
    if isinstance(value, dict):
        named = {k: renamed.get(k) or str(pascal_to_camelcase(k)) for k in value}
        return {named[k]: api_names(v, numbers, renamed, named[k]) for k, v in value.items()}
    if isinstance(value, list):
        return [api_names(item, numbers, renamed, key) for item in value]
    if isinstance(value, str) and key in numbers:
        return numbers[key](float(value)) if numbers[key] is int else numbers[key](value)
    return value


def resource_class_from_type(types: Mapping[str, Any]) -> Callable[[Any], Any]:
    """moto's lookup of a resource type's model, knowing the sandbox's own `types` (type name → model)."""

    def patched(original: Any) -> Any:
        def resource_class_from_type(resource_type: str) -> Any:
            return types.get(resource_type) or original(resource_type)

        return resource_class_from_type

    return patched


def target_group_attribute(original: Any) -> Any:
    """Fn::GetAtt of an AWS::ElasticLoadBalancingV2::TargetGroup, which moto lacks (a CodeDeploy deployment
    group names its target groups by `TargetGroupName`)."""

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        found = {
            "TargetGroupArn": self.arn,
            "TargetGroupName": self.name,
            "TargetGroupFullName": str(self.arn).split(":")[-1],
            "LoadBalancerArns": list(self.load_balancer_arns),
        }
        if attribute_name not in found:
            raise UnformattedGetAttTemplateException()
        return found[attribute_name]

    return get_cfn_attribute


class Created:
    """What CloudFormation keeps of a resource the sandbox created: Ref is `physical_resource_id`, Fn::GetAtt
    reads `attributes`."""

    def __init__(self, physical_resource_id: str, attributes: Mapping[str, Any] | None = None) -> None:
        self.physical_resource_id = physical_resource_id
        self.attributes = dict(attributes or {})

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    def is_created(self) -> bool:
        return True


class Resource:
    """A resource type the sandbox adds to moto's CloudFormation: its `TYPE`, the `ATTRIBUTES` Fn::GetAtt
    may read; deleting the stack leaves it (ci-ecs replaces such resources after the first deploy)."""

    TYPE = ""
    ATTRIBUTES: frozenset[str] = frozenset()

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @classmethod
    def delete_from_cloudformation_json(cls, *_: Any, **__: Any) -> None:
        return

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **_: Any
    ) -> Created:
        return cls.create(cls.api(cloudformation_json["Properties"]), account_id, region_name, resource_name)

    @classmethod
    def api(cls, properties: Any) -> Any:
        """The resource's properties as its API's request names them."""
        return api_names(properties)

    @classmethod
    def create(cls, params: Any, account_id: str, region_name: str, generated_name: str) -> Created:
        """Create the resource from its API-named `params` (`generated_name` if they name none)."""
        raise NotImplementedError
