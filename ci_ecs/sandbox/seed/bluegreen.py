"""The sample's CodeDeploy blue/green side: CODE_DEPLOY service `web-bg` with blue and green target groups."""

from __future__ import annotations

import json
from typing import Any

from ci_ecs.sandbox.seed import services
from ci_ecs.sandbox.seed.load_balancers import forward, listener, target_group
from ci_ecs.sandbox.seed.network import Network

CODEDEPLOY_SERVICE = CODEDEPLOY_FAMILY = "web-bg"
DESIRED = 2
PROD_PORT, TEST_PORT = 8081, 8082
ROLE = "ci-ecs-codedeploy"


def trust(principal: str) -> str:
    """The trust policy of a role that the AWS service `principal` (codedeploy.amazonaws.com, …) assumes."""
    statement = {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def codedeploy(clients: dict[str, Any], network: Network, balancer: str, uri: str) -> dict[str, str]:
    """`web-bg` (CODE_DEPLOY, 2 tasks on v1) in `web-bg-blue`; production :8081 and test :8082 → blue."""
    elbv2, iam = clients["elbv2"], clients["iam"]
    blue = target_group(elbv2, "web-bg-blue", network.vpc)
    green = target_group(elbv2, "web-bg-green", network.vpc)
    prod = listener(elbv2, balancer, PROD_PORT, forward(blue))
    test = listener(elbv2, balancer, TEST_PORT, forward(blue))
    policy = trust("codedeploy.amazonaws.com")
    role = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=policy)["Role"]["Arn"]
    service(
        clients,
        CODEDEPLOY_SERVICE,
        CODEDEPLOY_FAMILY,
        f"{uri}:v1",
        network,
        [blue],
        deploymentController={"type": "CODE_DEPLOY"},
    )
    return {"blue": blue, "green": green, "prod": prod, "test": test, "role": role}


def service(
    clients: dict[str, Any],
    name: str,
    family: str,
    image: str,
    network: Network,
    groups: list[str],
    advanced: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    """Task definition `family` on `image`, and a Fargate service of 2 tasks in each of `groups` (with
    this `advancedConfiguration`, if given)."""
    services.task_definition(clients["ecs"], clients["logs"], family, image)
    more = {"advancedConfiguration": advanced} if advanced else {}
    balancers = [
        {"targetGroupArn": group, "containerName": services.CONTAINER, "containerPort": services.PORT, **more}
        for group in groups
    ]
    clients["ecs"].create_service(
        cluster=services.CLUSTER,
        serviceName=name,
        taskDefinition=family,
        desiredCount=DESIRED,
        launchType="FARGATE",
        networkConfiguration=network.awsvpc(),
        loadBalancers=balancers,
        **extra,
    )
