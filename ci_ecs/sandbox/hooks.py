"""Patches into moto's ECS and ELBv2 (pinned moto 5.2.5): installed while a sandbox runs, then removed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.codedeploy.responses import CodeDeployResponse
from moto.core.responses import ActionResult
from moto.ecs.exceptions import ECSException
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import FakeAction, FakeTargetGroup
from moto.elbv2.responses import ELBV2Response
from moto.moto_api import state_manager

from ci_ecs.sandbox import (
    autoscaling,
    codedeploy_api,
    codedeploy_service,
    listeners,
    services,
    targets,
    tasks,
    taskset_api,
)
from ci_ecs.sandbox.state import LOCK, service_sim, task_sim

_ORIGINALS: list[tuple[Any, str, Any]] = []
# The simulator owns task state: describe_tasks must not advance it.
_MANUAL = {"progression": "manual", "times": 10**12}


def install() -> None:
    """Hook the simulator into moto (idempotent)."""
    if _ORIGINALS:
        return
    _patch(EC2ContainerServiceResponse, "create_service", _create_service)
    _patch(EC2ContainerServiceResponse, "update_service", _update_service)
    _patch(EC2ContainerServiceBackend, "delete_service", _delete_service)
    _patch(EC2ContainerServiceBackend, "run_task", _run_task)
    _patch(EC2ContainerServiceBackend, "stop_task", _stop_task)
    _patch(EC2ContainerServiceResponse, "list_tasks", _list_tasks)
    _patch(EC2ContainerServiceBackend, "create_task_set", taskset_api.create_task_set)
    _patch(EC2ContainerServiceBackend, "update_task_set", taskset_api.update_task_set)
    _patch(
        EC2ContainerServiceBackend,
        "update_service_primary_task_set",
        taskset_api.update_service_primary_task_set,
    )
    _patch(EC2ContainerServiceResponse, "delete_task_set", taskset_api.delete_task_set)
    _patch(FakeAction, "__init__", listeners.fake_action_init)
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
    for name, make in codedeploy_api.actions().items():
        _patch(CodeDeployResponse, name, make)
    for name, make in autoscaling.BACKEND_ACTIONS.items():
        _patch(ApplicationAutoscalingBackend, name, make)
    _patch(
        ApplicationAutoScalingResponse, "describe_scaling_activities", autoscaling.describe_scaling_activities
    )
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


def _create_service(original: Any) -> Any:
    def create_service(self: Any) -> Any:
        with LOCK:
            taskset_api.check_create_service(self._get_params())
            services.check_load_balancers(self.ecs_backend, self._get_param("loadBalancers"))
            result = original(self)
            service = self.ecs_backend._get_service(
                self._get_param("cluster", "default"), self._get_param("serviceName")
            )
            taskset_api.after_create_service(service)
            codedeploy_service.after_create(self.ecs_backend, service)
            services.adopt(service, self._get_param("deploymentConfiguration"))
            grace = self._get_param("healthCheckGracePeriodSeconds")
            if grace is not None:
                service.health_check_grace_period_seconds = grace
            return result

    return create_service


def _update_service(original: Any) -> Any:
    def update_service(self: Any) -> Any:
        params = copy.deepcopy(self._get_params())
        with LOCK:
            backend = self.ecs_backend
            try:
                service = backend._get_service(
                    params.get("cluster", "default"), str(params["service"]).split("/")[-1]
                )
            except Exception:
                return original(self)  # moto raises the right error
            if service.status != "ACTIVE" and service_sim(service) is not None:
                raise ECSException("ServiceNotActiveException", "Service was not ACTIVE.")
            services.check_load_balancers(backend, params.get("loadBalancers"))
            codedeploy_service.check_update(service, params)
            before = services.snapshot(service)
            result = original(self)
            services.after_update(backend, service, before, params)
            return result

    return update_service


def _delete_service(original: Any) -> Any:
    def delete_service(self: Any, cluster_name: str, service_name: str, force: bool) -> Any:
        with LOCK:
            service = original(self, cluster_name, service_name, force)
            alive = any(_belongs(t, service) and t.last_status != "STOPPED" for t in _tasks(self))
            services.after_delete(service, alive)
            return service

    return delete_service


def _tasks(backend: Any) -> list[Any]:
    return [task for cluster_tasks in backend.tasks.values() for task in cluster_tasks.values()]


def _belongs(task: Any, service: Any) -> bool:
    sim = task_sim(task)
    return sim is not None and sim.service is service


def _run_task(original: Any) -> Any:
    def run_task(self: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            started = original(self, *args, **kwargs)
            for task in started:
                if not task.container_instance_arn and task_sim(task) is None:
                    tasks.adopt(task, self.describe_task_definition(task.task_definition_arn))
            return started

    return run_task


def _stop_task(original: Any) -> Any:
    def stop_task(self: Any, cluster_str: str, task_str: str, reason: str) -> Any:
        with LOCK:
            found = _find_task(self, cluster_str, task_str)
            before = (found.last_status, found.desired_status, found.stopped_reason) if found else None
            stopped = original(self, cluster_str, task_str, reason)
            if before is None or task_sim(stopped) is None:
                return stopped
            stopped.last_status, stopped.desired_status, stopped.stopped_reason = before
            tasks.begin_stop(stopped, reason or "Task stopped by user", "UserInitiated")
            return stopped

    return stop_task


def _find_task(backend: Any, cluster_str: str, task_str: str) -> Any:
    try:
        cluster = backend._get_cluster(cluster_str)
    except Exception:
        return None
    task_id = task_str.split("/")[-1]
    return next((t for arn, t in backend.tasks.get(cluster.name, {}).items() if arn.endswith(task_id)), None)


def _list_tasks(original: Any) -> Any:
    def list_tasks(self: Any) -> ActionResult:
        # AWS: the desiredStatus filter defaults to RUNNING; serviceName keeps that service's tasks.
        with LOCK:
            found = self.ecs_backend.list_tasks(
                self._get_param("cluster", "default"),
                self._get_param("containerInstance"),
                self._get_param("family"),
                self._get_param("startedBy"),
                None,
                self._get_param("desiredStatus") or "RUNNING",
            )
            service = self._get_param("serviceName")
            if service:
                found = [t for t in found if t.group == f"service:{str(service).split('/')[-1]}"]
            return ActionResult({"taskArns": [t.task_arn for t in found]})

    return list_tasks
