"""What ECS does on the task-set API calls (EXTERNAL deployment controller) that moto 5.2.5 does not."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ecs.exceptions import InvalidParameterException, TaskSetNotFoundException

from ci_ecs.sandbox.ecs import deployments, services, tasks, tasksets, tokens
from ci_ecs.sandbox.state import LOCK

ONLY_EXTERNAL = (
    "Amazon ECS only supports task set management on services configured to use external deployment "
    "controllers."
)
BY_CODEDEPLOY = "ci_ecs_by_codedeploy"  # keyword the sandbox's CodeDeploy passes to create_task_set
TASK_SET_LIMIT = 5  # AWS: "5 deployments exist on the service. Unable to create new TaskSet …"


def check_create_service(params: dict[str, Any]) -> None:
    """AWS: an EXTERNAL service takes its task definition from its task sets."""
    controller = (params.get("deploymentController") or {}).get("type")
    if controller == "EXTERNAL" and params.get("taskDefinition"):
        raise InvalidParameterException("TaskDefinition must be blank.")


def after_create_service(service: Any) -> None:
    """A new task-set service runs nothing until a task set is created (moto counts desired as pending)."""
    if tasksets.uses_task_sets(service):
        service.running_count = service.pending_count = 0


def checked_scale(scale: dict[str, Any] | None) -> dict[str, Any]:
    """A task set's scale: a percentage (unit PERCENT) from 0 to 100; 100 % when not given."""
    if scale is None:
        return {"value": 100.0, "unit": "PERCENT"}
    value, unit = float(scale.get("value", 0)), scale.get("unit", "PERCENT")
    if unit != "PERCENT" or not 0 <= value <= 100:
        raise InvalidParameterException("The scale value must be a percentage between 0 and 100.")
    return {"value": value, "unit": unit}


def find(backend: Any, cluster: str | None, service: str, task_set: str) -> tuple[Any, Any]:
    """The (service, task set) named by a task set id or ARN, or ClientException as ECS answers."""
    found = backend._get_service(cluster or "default", service)
    for candidate in found.task_sets:
        if task_set in (candidate.id, candidate.task_set_arn):
            return found, candidate
    raise TaskSetNotFoundException()


def create_task_set(original: Any) -> Any:
    def create_task_set(
        self: Any, service: str, cluster_str: str, task_definition: str, **kwargs: Any
    ) -> Any:
        by_codedeploy = kwargs.pop(BY_CODEDEPLOY, False)  # CodeDeploy makes the task sets of its services
        with LOCK:
            params = {"service": service, "cluster": cluster_str, "taskDefinition": task_definition, **kwargs}
            params["clientToken"] = params.pop("client_token", None)
            return tokens.once(
                self,
                "CreateTaskSet",
                cluster_str,
                params,
                lambda: _create(self, original, service, cluster_str, task_definition, by_codedeploy, kwargs),
                lambda first: InvalidParameterException("Creation of task set was not idempotent."),
            )

    return create_task_set


def _create(
    backend: Any,
    original: Any,
    service: str,
    cluster: str,
    task_definition: str,
    by_codedeploy: bool,
    kwargs: dict[str, Any],
) -> Any:
    """CreateTaskSet with ECS's checks; the new task set starts with no tasks, which the simulator starts."""
    owner = backend._get_service(cluster, service)
    if not (tasksets.is_external(owner) or (by_codedeploy and tasksets.uses_task_sets(owner))):
        raise InvalidParameterException(ONLY_EXTERNAL)
    if len(owner.task_sets) >= TASK_SET_LIMIT:
        raise InvalidParameterException(
            f"{len(owner.task_sets)} deployments exist on the service. Unable to create new "
            "TaskSet since this exceeds the maximum limit."
        )
    services.check_load_balancers(backend, kwargs.get("load_balancers"))
    scale = checked_scale(kwargs.pop("scale", None))
    created = original(backend, service, cluster, task_definition, scale=None, **kwargs)  # no tasks
    created.scale = scale
    # ECS task set ids look like deployment ids: `ecs-svc/` and 19 digits.
    prefix, new_id = created.task_set_arn[: -len(created.id)], deployments.new_id()
    created.id, created.task_set_arn = new_id, prefix + new_id
    if created.launch_type == "FARGATE" and created.platform_version == "LATEST":
        created.platform_version = tasks.FARGATE_PLATFORM
    tasksets.adopt(created)
    created.computed_desired_count = tasksets.desired_of(owner, created)
    return created


def update_task_set(original: Any) -> Any:
    def update_task_set(self: Any, cluster: str, service: str, task_set: str, scale: dict[str, Any]) -> Any:
        with LOCK:
            owner, found = find(self, cluster, service, task_set)
            found.scale, found.updatedAt = checked_scale(scale), utcnow()
            found.computed_desired_count = tasksets.desired_of(owner, found)
            if found.computed_desired_count != found.running_count:
                tasksets.set_stability(found, tasksets.STABILIZING)
            return found

    return update_task_set


def update_service_primary_task_set(original: Any) -> Any:
    def update_service_primary_task_set(self: Any, cluster: str, service: str, primary_task_set: str) -> Any:
        with LOCK:
            owner, found = find(self, cluster, service, primary_task_set)
            if found.status == "DRAINING":
                raise InvalidParameterException("The specified task set is being deleted.")
            before = {id(t): t.status for t in owner.task_sets}
            original(self, cluster, service, found.task_set_arn)  # moto marks every other one ACTIVE
            for task_set in owner.task_sets:
                old = before[id(task_set)]
                task_set.status = "PRIMARY" if task_set is found else ("ACTIVE" if old == "PRIMARY" else old)
                if task_set.status != old:
                    task_set.updatedAt = utcnow()
            return found

    return update_service_primary_task_set


def delete_task_set(original: Any) -> Any:
    def delete_task_set(self: Any) -> ActionResult:
        with LOCK:
            _, found = find(
                self.ecs_backend,
                self._get_param("cluster"),
                self._get_param("service"),
                self._get_param("taskSet"),
            )
            scaled = float(found.scale.get("value", 0)) > 0
            if scaled and not self._get_param("force") and found.status != "DRAINING":
                raise InvalidParameterException(
                    "The task set cannot be deleted until it has been scaled down to zero; "
                    "use force to delete it anyway."
                )
            tasksets.drain(found)
            return ActionResult({"taskSet": found})

    return delete_task_set
