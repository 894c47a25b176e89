"""Seed the three services of one image: `shop-web` behind the load balancer, worker and scheduler not."""

from __future__ import annotations

from typing import Any

from ci_ecs.sandbox.seed.images import manifest
from ci_ecs.sandbox.seed.load_balancers import forward, listener, target_group
from ci_ecs.sandbox.seed.many_sample import PUBLIC_PORT, SERVICES, TAGS
from ci_ecs.sandbox.seed.network import Network
from ci_ecs.sandbox.seed.sample import ACCOUNT_ID, REGION
from ci_ecs.sandbox.seed.services import CLUSTER, PORT, TASK_ROLES


def _register(
    ecs: Any, logs: Any, family: str, container: str, command: list[str], image: str, region: str
) -> None:
    """Fargate, awsvpc, one container logging to /ecs/<family> in `region`; only web has a port."""
    logs.create_log_group(logGroupName=f"/ecs/{family}")
    roles = f"arn:aws:iam::{ACCOUNT_ID}:role"
    ports = [{"containerPort": PORT, "protocol": "tcp"}] if container == "web" else []
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
                "name": container,
                "image": image,
                "essential": True,
                "memory": 512,  # moto's run_task needs container-level memory
                "command": command,
                # The scheduler knows a worker is up only by this check: no load balancer asks it.
                **({} if container == "web" else {"healthCheck": {"command": ["CMD", "true"]}}),
                "portMappings": ports,
                "environment": [{"name": "APP_ENV", "value": "sandbox"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/ecs/{family}",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": family,
                    },
                },
            }
        ],
    )


def push_tags(ecr: Any, uri: str) -> None:
    """The tags that crash one container of the shared image, in the sample's repository."""
    for tag in TAGS:
        ecr.put_image(repositoryName=uri.rsplit("/", 1)[-1], imageManifest=manifest(tag), imageTag=tag)


def seed(clients: dict[str, Any], network: Network, balancer: str, uri: str, region: str = REGION) -> str:
    """The three services on v1 in cluster `demo` of `region` (circuit breaker with rollback); shop-web's
    target group."""
    ecs, logs, elbv2 = clients["ecs"], clients["logs"], clients["elbv2"]
    group = target_group(elbv2, "shop-web", network.vpc)
    listener(elbv2, balancer, PUBLIC_PORT, forward(group))
    for service, (container, command, desired) in SERVICES.items():
        _register(ecs, logs, service, container, command, f"{uri}:v1", region)
        balanced = [{"targetGroupArn": group, "containerName": container, "containerPort": PORT}]
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=service,
            taskDefinition=service,
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration=network.awsvpc(),
            loadBalancers=balanced if container == "web" else [],
            deploymentConfiguration={
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
            },
            **({"healthCheckGracePeriodSeconds": 0} if container == "web" else {}),
        )
    return group
