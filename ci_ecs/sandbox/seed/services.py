"""The sample's ECS side: cluster, task definitions, the rolling `web` service and the EXTERNAL `web-ext`."""

from __future__ import annotations

from typing import Any

from ci_ecs.sandbox.seed.network import Network
from ci_ecs.sandbox.seed.sample import ACCOUNT_ID, REGION

CLUSTER = "demo"
SERVICE = CONTAINER = FAMILY = "web"
EXTERNAL_SERVICE = EXTERNAL_FAMILY = "web-ext"
PORT = 8080
TASK_ROLES = ("ecsTaskExecutionRole", "web-task")
DESIRED = 3


def task_definition(ecs: Any, logs: Any, family: str, image: str) -> None:
    """Fargate, awsvpc, 256/512, one container `web` on 8080 logging to /ecs/<family>."""
    logs.create_log_group(logGroupName=f"/ecs/{family}")
    roles = f"arn:aws:iam::{ACCOUNT_ID}:role"
    ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        executionRoleArn=f"{roles}/{TASK_ROLES[0]}",
        taskRoleArn=f"{roles}/{TASK_ROLES[1]}",
        containerDefinitions=[
            {
                "name": CONTAINER,
                "image": image,
                "essential": True,
                "memory": 512,  # moto's run_task needs container-level memory
                "portMappings": [{"containerPort": PORT, "protocol": "tcp"}],
                "environment": [
                    {"name": "APP_ENV", "value": "sandbox"},
                    {"name": "PORT", "value": str(PORT)},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/ecs/{family}",
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": family,
                    },
                },
            }
        ],
    )


def web(ecs: Any, logs: Any, uri: str, network: Network, target_group: str) -> None:
    """Cluster `demo` and the rolling service `web` (3 tasks on v1, circuit breaker with rollback)."""
    ecs.create_cluster(clusterName=CLUSTER)
    task_definition(ecs, logs, FAMILY, f"{uri}:v1")
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=FAMILY,
        desiredCount=DESIRED,
        launchType="FARGATE",
        networkConfiguration=network.awsvpc(),
        loadBalancers=[{"targetGroupArn": target_group, "containerName": CONTAINER, "containerPort": PORT}],
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        healthCheckGracePeriodSeconds=0,
    )


def external(ecs: Any, logs: Any, uri: str, network: Network, target_group: str) -> str:
    """Service `web-ext` (EXTERNAL controller, 3 desired) with a PRIMARY task set on v1 at 100 %."""
    task_definition(ecs, logs, EXTERNAL_FAMILY, f"{uri}:v1")
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=EXTERNAL_SERVICE,
        desiredCount=DESIRED,
        deploymentController={"type": "EXTERNAL"},
    )
    arn: str = ecs.create_task_set(
        cluster=CLUSTER,
        service=EXTERNAL_SERVICE,
        taskDefinition=EXTERNAL_FAMILY,
        launchType="FARGATE",
        networkConfiguration=network.awsvpc(),
        loadBalancers=[{"targetGroupArn": target_group, "containerName": CONTAINER, "containerPort": PORT}],
        scale={"value": 100.0, "unit": "PERCENT"},
    )["taskSet"]["taskSetArn"]
    ecs.update_service_primary_task_set(cluster=CLUSTER, service=EXTERNAL_SERVICE, primaryTaskSet=arn)
    return arn
