"""Patches into moto (pinned 5.2.5) for every simulated service, in place only while a sandbox runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.cloudformation import parsing as cloudformation_parsing
from moto.cloudwatch.models import CloudWatchBackend, Statistics
from moto.cloudwatch.responses import CloudWatchResponse
from moto.codedeploy.responses import CodeDeployResponse
from moto.core.responses import BaseResponse
from moto.ecs.models import EC2ContainerServiceBackend, Service, TaskDefinition
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import FakeAction, FakeTargetGroup
from moto.elbv2.responses import ELBV2Response
from moto.moto_api import state_manager

from ci_ecs.sandbox import cloudformation, cloudwatch, unsupported
from ci_ecs.sandbox.autoscaling import api as autoscaling_api
from ci_ecs.sandbox.codedeploy import api as codedeploy_api
from ci_ecs.sandbox.codedeploy import cloudformation as codedeploy_cloudformation
from ci_ecs.sandbox.ecs import api as ecs_api
from ci_ecs.sandbox.ecs import cloudformation as ecs_cloudformation
from ci_ecs.sandbox.ecs import taskset_api
from ci_ecs.sandbox.ecs.native import api as native_api
from ci_ecs.sandbox.elb import groups, listeners, targets

_ORIGINALS: list[tuple[Any, str, Any]] = []
# The simulator owns task state: describe_tasks must not advance it.
_MANUAL = {"progression": "manual", "times": 10**12}


def install() -> None:
    """Hook the simulator into moto (idempotent)."""
    if _ORIGINALS:
        return
    _patch(EC2ContainerServiceResponse, "create_service", ecs_api.create_service)
    _patch(EC2ContainerServiceResponse, "update_service", ecs_api.update_service)
    _patch(EC2ContainerServiceBackend, "delete_service", ecs_api.delete_service)
    _patch(EC2ContainerServiceBackend, "run_task", ecs_api.run_task)
    _patch(EC2ContainerServiceResponse, "run_task", ecs_api.run_task_request)
    _patch(EC2ContainerServiceBackend, "_calculate_task_resource_requirements", ecs_api.resource_requirements)
    _patch(EC2ContainerServiceBackend, "stop_task", ecs_api.stop_task)
    _patch(EC2ContainerServiceResponse, "list_tasks", ecs_api.list_tasks)
    _patch(EC2ContainerServiceBackend, "create_task_set", taskset_api.create_task_set)
    _patch(EC2ContainerServiceBackend, "update_task_set", taskset_api.update_task_set)
    _patch(
        EC2ContainerServiceBackend,
        "update_service_primary_task_set",
        taskset_api.update_service_primary_task_set,
    )
    _patch(EC2ContainerServiceResponse, "delete_task_set", taskset_api.delete_task_set)
    _patch(FakeAction, "__init__", listeners.fake_action_init)
    _patch(ELBV2Response, "create_target_group", groups.create_target_group)
    for action, member, parameter in (
        ("create_rule", "actions", "Actions"),
        ("modify_rule", "actions", "Actions"),
        ("create_listener", "defaultActions", "DefaultActions"),
        ("modify_listener", "defaultActions", "DefaultActions"),
    ):
        _patch(ELBV2Response, action, listeners.checked(member, parameter))
    _patch(FakeTargetGroup, "register", lambda original: targets.register)
    _patch(FakeTargetGroup, "deregister", lambda original: targets.deregister)
    _patch(FakeTargetGroup, "health_for", lambda original: targets.health_for)
    _patch(
        FakeTargetGroup,
        "deregister_terminated_instances",
        lambda original: targets.deregister_terminated_instances,
    )
    for name, make in native_api.actions().items():
        _patch(EC2ContainerServiceResponse, name, make)
    for name, make in codedeploy_api.actions().items():
        _patch(CodeDeployResponse, name, make)
    for name, make in autoscaling_api.BACKEND_ACTIONS.items():
        _patch(ApplicationAutoscalingBackend, name, make)
    _patch(
        ApplicationAutoScalingResponse,
        "describe_scaling_activities",
        autoscaling_api.describe_scaling_activities,
    )
    _patch(Statistics, "get_statistics_for_type", cloudwatch.statistic)
    _patch(CloudWatchBackend, "get_metric_data", cloudwatch.get_metric_data)
    _patch(CloudWatchResponse, "get_metric_statistics", cloudwatch.get_metric_statistics)
    _patch(BaseResponse, "call_action", unsupported.call_action)
    _patch(Service, "create_from_cloudformation_json", ecs_cloudformation.service)
    _patch(TaskDefinition, "create_from_cloudformation_json", ecs_cloudformation.task_definition)
    types = {**ecs_cloudformation.TYPES, **codedeploy_cloudformation.TYPES}  # the types moto lacks
    _patch(cloudformation_parsing, "resource_class_from_type", cloudformation.resource_class_from_type(types))
    _patch(FakeTargetGroup, "get_cfn_attribute", cloudformation.target_group_attribute)
    state_manager.set_transition("ecs::task", _MANUAL)


def pin_task_states() -> None:
    """Set (again) the manual progression of `ecs::task` in moto's state manager."""
    state_manager.set_transition("ecs::task", _MANUAL)


def uninstall() -> None:
    """Give moto its own behaviour back."""
    while _ORIGINALS:
        owner, name, original = _ORIGINALS.pop()
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    state_manager.unset_transition("ecs::task")


def _patch(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    own = owner.__dict__.get(name)  # None: inherited, or an action moto lacks (added, then removed again)
    _ORIGINALS.append((owner, name, own))
    setattr(owner, name, make(getattr(owner, name, None)))
