"""ECS API actions wrapped around moto's: what ECS does on services and tasks that moto 5.2.5 does not."""

from __future__ import annotations

import copy
from typing import Any

from moto.core.responses import ActionResult
from moto.ecs.exceptions import ECSException, InvalidParameterException

from ci_ecs.sandbox.ecs import codedeploy_controller, services, tasks, taskset_api, tokens
from ci_ecs.sandbox.ecs.native import validation
from ci_ecs.sandbox.state import LOCK, service_sim, task_sim


def create_service(original: Any) -> Any:
    def create_service(self: Any) -> Any:
        with LOCK:
            params = self._get_params()
            return tokens.once(
                self.ecs_backend,
                "CreateService",
                params.get("cluster"),
                params,
                lambda: _create_service(self, original),
                lambda first: InvalidParameterException("Creation of service was not idempotent."),
            )

    return create_service


def _create_service(self: Any, original: Any) -> Any:
    """CreateService with the checks moto lacks; the simulator adopts the new service."""
    params = self._get_params()
    check_create_service(self.ecs_backend, params)
    result = original(self)
    service = self.ecs_backend._get_service(
        self._get_param("cluster", "default"), self._get_param("serviceName")
    )
    after_create_service(self.ecs_backend, service, params)
    return result


def check_create_service(backend: Any, params: dict[str, Any]) -> None:
    """What ECS refuses in a CreateService request (`params` as the API names them) that moto accepts."""
    taskset_api.check_create_service(params)
    validation.check(
        backend,
        params.get("deploymentConfiguration") or {},
        (params.get("deploymentController") or {}).get("type", "ECS"),
        params.get("loadBalancers"),
    )
    services.check_load_balancers(backend, params.get("loadBalancers"))


def after_create_service(backend: Any, service: Any, params: dict[str, Any]) -> None:
    """A service moto just created, as ECS leaves it: its first task set or deployment, what moto drops."""
    taskset_api.after_create_service(service)
    codedeploy_controller.after_create(backend, service)
    services.adopt(service, params.get("deploymentConfiguration"))
    grace = params.get("healthCheckGracePeriodSeconds")
    if grace is not None:
        service.health_check_grace_period_seconds = grace


def update_service(original: Any) -> Any:
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
            codedeploy_controller.check_update(service, params)
            services.check_configuration(backend, service, params)
            before = services.snapshot(service)
            result = original(self)
            services.after_update(backend, service, before, params)
            return result

    return update_service


def delete_service(original: Any) -> Any:
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


def run_task(original: Any) -> Any:
    def run_task(self: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            started = original(self, *args, **kwargs)
            for task in started:
                if not task.container_instance_arn and task_sim(task) is None:
                    tasks.adopt(task, self.describe_task_definition(task.task_definition_arn))
            return started

    return run_task


def run_task_request(original: Any) -> Any:
    def run_task(self: Any) -> Any:
        with LOCK:
            params = self._get_params()
            cluster = params.get("cluster")
            return tokens.once(
                self.ecs_backend, "RunTask", cluster, params, lambda: original(self), _conflict
            )

    return run_task


class Conflict(ECSException):
    """RunTask's ConflictException: the token is another request's; `resourceIds` are its tasks."""

    def __init__(self, resource_ids: list[str]) -> None:
        super().__init__(
            "ConflictException", "The client token is already in use by another RunTask request."
        )
        self.resourceIds = resource_ids  # a member of the error in the API model, serialized with it


def _conflict(first: tokens.Remembered) -> Exception:
    return Conflict([task.task_arn for task in first.result.result.get("tasks", [])])


def stop_task(original: Any) -> Any:
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


def list_tasks(original: Any) -> Any:
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


def resource_requirements(original: Any) -> Any:
    """RunTask's resource count: moto needs each container's memory, ECS lets a container without one use
    the task's (Fargate, or a task-level memory on EC2)."""

    def calculate(task_definition: Any) -> Any:
        memory = str(task_definition.memory or "")
        if not memory.isdigit():
            return original(task_definition)
        keys = ("memory", "memoryReservation", "Memory", "MemoryReservation")
        filled = copy.copy(task_definition)
        filled.container_definitions = [
            c if any(c.get(k) for k in keys) else {**c, "memory": int(memory)}
            for c in task_definition.container_definitions
        ]
        return original(filled)

    return staticmethod(calculate)
