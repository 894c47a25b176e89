"""ECS services with the CODE_DEPLOY controller: their first task set, and the updates ECS refuses."""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow
from moto.ecs.exceptions import InvalidParameterException

from ci_ecs.sandbox.ecs import taskset_api

# UpdateService parameters that only a CodeDeploy deployment may change on such a service.
REDEPLOYING = {
    "taskDefinition": "task definition",
    "loadBalancers": "load balancers",
    "networkConfiguration": "network configuration",
    "platformVersion": "platform version",
}


def is_code_deploy(service: Any) -> bool:
    """Whether the service uses the CODE_DEPLOY deployment controller."""
    return bool((service.deployment_controller or {}).get("type") == "CODE_DEPLOY")


def check_update(service: Any, params: dict[str, Any]) -> None:
    """ECS: a CODE_DEPLOY service's task definition, load balancers, network change only via CodeDeploy."""
    if not is_code_deploy(service):
        return
    for key, what in REDEPLOYING.items():
        if params.get(key) is not None and not _unchanged(service, key, params[key]):
            raise InvalidParameterException(
                f"Unable to update {what} on services with a CODE_DEPLOY deployment controller. "
                "Use AWS CodeDeploy to trigger a new deployment."
            )


def _unchanged(service: Any, key: str, value: Any) -> bool:
    if key == "taskDefinition":
        return bool(value in (service.task_definition, service.task_definition.split("/")[-1]))
    return False


def after_create(backend: Any, service: Any) -> None:
    """ECS gives a new CODE_DEPLOY service its first task set: PRIMARY, 100 %, the service's settings."""
    if not is_code_deploy(service) or not service.task_definition:
        return
    service.task_definition = backend.describe_task_definition(service.task_definition).arn
    created = backend.create_task_set(
        service.name,
        service.cluster_name,
        service.task_definition,
        network_configuration=service.network_configuration or None,
        load_balancers=list(service.load_balancers),
        launch_type=service.launch_type or None,
        platform_version=service.platform_version,
        scale={"value": 100.0, "unit": "PERCENT"},
        **{taskset_api.BY_CODEDEPLOY: True},
    )
    created.status, created.updatedAt = "PRIMARY", utcnow()
    service.deployments = []
