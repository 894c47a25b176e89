"""The sample's blue/green side: CODE_DEPLOY service `web-bg`, and `web-sw-v1` behind switchable rules."""

from __future__ import annotations

import json
from typing import Any

from ci_ecs.sandbox import seed_services

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


def _forward(group: str) -> list[dict[str, Any]]:
    return [{"Type": "forward", "TargetGroupArn": group}]


def _listener(elbv2: Any, balancer: str, port: int, actions: list[dict[str, Any]]) -> str:
    arn: str = elbv2.create_listener(
        LoadBalancerArn=balancer, Protocol="HTTP", Port=port, DefaultActions=actions
    )["Listeners"][0]["ListenerArn"]
    return arn


def codedeploy(
    clients: dict[str, Any], make_group: Any, lb: dict[str, str], uri: str, network: dict[str, Any]
) -> dict[str, str]:
    """`web-bg` (CODE_DEPLOY, 2 tasks on v1) in `web-bg-blue`; production :8081 and test :8082 → blue."""
    elbv2, iam = clients["elbv2"], clients["iam"]
    blue, green = make_group("web-bg-blue"), make_group("web-bg-green")
    prod = _listener(elbv2, lb["load_balancer"], PROD_PORT, _forward(blue))
    test = _listener(elbv2, lb["load_balancer"], TEST_PORT, _forward(blue))
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
    network: dict[str, Any],
    group: str,
    **extra: Any,
) -> None:
    """Task definition `family` on `image`, and a Fargate service of 2 tasks in target group `group`."""
    seed_services.task_definition(clients["ecs"], clients["logs"], family, image)
    balancer = {
        "targetGroupArn": group,
        "containerName": seed_services.CONTAINER,
        "containerPort": seed_services.PORT,
    }
    clients["ecs"].create_service(
        cluster=seed_services.CLUSTER,
        serviceName=name,
        taskDefinition=family,
        desiredCount=DESIRED,
        launchType="FARGATE",
        networkConfiguration=network,
        loadBalancers=[balancer],
        **extra,
    )


def switch(
    clients: dict[str, Any], make_group: Any, lb: dict[str, str], uri: str, network: dict[str, Any]
) -> dict[str, str]:
    """`web-sw-v1` (2 tasks on v1, autoscaled 2–4) in `web-sw-v1`; public and preparing rules on :8090."""
    elbv2, scaling = clients["elbv2"], clients["application-autoscaling"]
    group = make_group(SWITCH_SERVICE)
    not_found = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
    listener = _listener(elbv2, lb["load_balancer"], SWITCH_PORT, not_found)
    rules = {}
    for name, priority, host in (("public", 10, PUBLIC_HOST), ("preparing", 20, PREPARING_HOST)):
        rules[name] = elbv2.create_rule(
            ListenerArn=listener,
            Priority=priority,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
            Actions=_forward(group),
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
    resource = f"service/{seed_services.CLUSTER}/{SWITCH_SERVICE}"
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
    return {"group": group, "listener": listener, "public": rules["public"], "preparing": rules["preparing"]}
