"""The sample's blue/green side: CODE_DEPLOY service `web-bg`, and `web-sw-v1` behind switchable rules."""

from __future__ import annotations

import json
from typing import Any

from ci_ecs.sandbox.seed import services
from ci_ecs.sandbox.seed.load_balancers import forward, listener, target_group
from ci_ecs.sandbox.seed.network import Network

CODEDEPLOY_SERVICE = CODEDEPLOY_FAMILY = "web-bg"
SWITCH_PREFIX = SWITCH_FAMILY = "web-sw"
SWITCH_SERVICE = "web-sw-v1"
DESIRED = 2
PROD_PORT, TEST_PORT, SWITCH_PORT = 8081, 8082, 8090
PUBLIC_HOST, PREPARING_HOST = "app.switch.test", "preparing.switch.test"
ROLE = "ci-ecs-codedeploy"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "codedeploy.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def codedeploy(clients: dict[str, Any], network: Network, balancer: str, uri: str) -> dict[str, str]:
    """`web-bg` (CODE_DEPLOY, 2 tasks on v1) in `web-bg-blue`; production :8081 and test :8082 → blue."""
    elbv2, iam = clients["elbv2"], clients["iam"]
    blue = target_group(elbv2, "web-bg-blue", network.vpc)
    green = target_group(elbv2, "web-bg-green", network.vpc)
    prod = listener(elbv2, balancer, PROD_PORT, forward(blue))
    test = listener(elbv2, balancer, TEST_PORT, forward(blue))
    role = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    _service(
        clients,
        CODEDEPLOY_SERVICE,
        CODEDEPLOY_FAMILY,
        f"{uri}:v1",
        network,
        blue,
        deploymentController={"type": "CODE_DEPLOY"},
    )
    return {"blue": blue, "green": green, "prod": prod, "test": test, "role": role}


def _service(
    clients: dict[str, Any],
    name: str,
    family: str,
    image: str,
    network: Network,
    group: str,
    **extra: Any,
) -> None:
    """Task definition `family` on `image`, and a Fargate service of 2 tasks in target group `group`."""
    services.task_definition(clients["ecs"], clients["logs"], family, image)
    balancer = {
        "targetGroupArn": group,
        "containerName": services.CONTAINER,
        "containerPort": services.PORT,
    }
    clients["ecs"].create_service(
        cluster=services.CLUSTER,
        serviceName=name,
        taskDefinition=family,
        desiredCount=DESIRED,
        launchType="FARGATE",
        networkConfiguration=network.awsvpc(),
        loadBalancers=[balancer],
        **extra,
    )


def switch(clients: dict[str, Any], network: Network, balancer: str, uri: str) -> dict[str, str]:
    """`web-sw-v1` (2 tasks on v1, autoscaled 2–4) in `web-sw-v1`; public and preparing rules on :8090."""
    elbv2, scaling = clients["elbv2"], clients["application-autoscaling"]
    group = target_group(elbv2, SWITCH_SERVICE, network.vpc)
    not_found = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
    switch_listener = listener(elbv2, balancer, SWITCH_PORT, not_found)
    rules = {}
    for name, priority, host in (("public", 10, PUBLIC_HOST), ("preparing", 20, PREPARING_HOST)):
        rules[name] = elbv2.create_rule(
            ListenerArn=switch_listener,
            Priority=priority,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
            Actions=forward(group),
        )["Rules"][0]["RuleArn"]
    _service(
        clients,
        SWITCH_SERVICE,
        SWITCH_FAMILY,
        f"{uri}:v1",
        network,
        group,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        tags=[{"key": "ci-ecs:version", "value": "v1"}],
    )
    resource = f"service/{services.CLUSTER}/{SWITCH_SERVICE}"
    target = {
        "ServiceNamespace": "ecs",
        "ResourceId": resource,
        "ScalableDimension": "ecs:service:DesiredCount",
    }
    scaling.register_scalable_target(**target, MinCapacity=DESIRED, MaxCapacity=4)
    scaling.put_scaling_policy(
        **target,
        PolicyName=f"{SWITCH_SERVICE}-cpu50",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    )
    return {
        "group": group,
        "listener": switch_listener,
        "public": rules["public"],
        "preparing": rules["preparing"],
    }
