"""The AppSpec and the deployment group's parameters are pure functions of the service and settings."""

from __future__ import annotations

from typing import Any

import pytest

from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.settings import CodeDeploySettings, Settings
from ci_ecs.strategies.codedeploy import group as groups
from ci_ecs.strategies.codedeploy.appspec import appspec, task_definition_of

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{}/0123456789abcdef"
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/{}"
ROLE = "arn:aws:iam::123456789012:role/ecsCodeDeployRole"
SERVICE: dict[str, Any] = {
    "serviceName": "web-bg",
    "loadBalancers": [
        {"targetGroupArn": TG.format("web-blue"), "containerName": "app", "containerPort": 8080}
    ],
    "platformVersion": "1.4.0",
    "networkConfiguration": {
        "awsvpcConfiguration": {
            "subnets": ["subnet-1", "subnet-2"],
            "securityGroups": ["sg-1"],
            "assignPublicIp": "DISABLED",
        }
    },
}


def _settings(**codedeploy: Any) -> Settings:
    return Settings(cluster="demo", service="web-bg", codedeploy=CodeDeploySettings(**codedeploy))


def _group(info: dict[str, Any] | None = None) -> groups.Group:
    return groups.Group("AppECS-demo-web-bg", "DgpECS-demo-web-bg", info is not None, info)


def test_appspec_names_the_revision_container_port_platform_and_network() -> None:
    spec = appspec(ARN, SERVICE)

    assert spec == {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": ARN,
                        "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 8080},
                        "PlatformVersion": "1.4.0",
                        "NetworkConfiguration": {
                            "AwsvpcConfiguration": {
                                "Subnets": ["subnet-1", "subnet-2"],
                                "SecurityGroups": ["sg-1"],
                                "AssignPublicIp": "DISABLED",
                            }
                        },
                    },
                }
            }
        ],
    }
    assert task_definition_of(spec) == ARN


def test_appspec_takes_network_and_capacity_from_the_primary_task_set_when_the_service_lacks_them() -> None:
    service = {
        "serviceName": "web-bg",
        "taskSets": [
            {"status": "ACTIVE", "platformVersion": "1.3.0"},
            {
                "status": "PRIMARY",
                "loadBalancers": [{"containerName": "app", "containerPort": 80}],
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-9"]}},
                "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
            },
        ],
    }

    properties = appspec(ARN, service)["Resources"][0]["TargetService"]["Properties"]

    assert properties["NetworkConfiguration"] == {"AwsvpcConfiguration": {"Subnets": ["subnet-9"]}}
    assert properties["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 1, "Base": 0}
    ]
    assert "PlatformVersion" not in properties


def test_appspec_of_a_service_without_load_balancer_is_a_precondition() -> None:
    with pytest.raises(PreconditionError, match="no load balancer with a container name"):
        appspec(ARN, {"serviceName": "worker", "loadBalancers": []})


def test_group_parameters_are_blue_green_with_traffic_control_ready_wait_and_auto_rollback() -> None:
    settings = _settings(
        service_role=ROLE,
        target_groups=(TG.format("web-blue"), TG.format("web-green")),
        production_listener=LISTENER.format("prod"),
        test_listener=LISTENER.format("test"),
        termination_wait=90,
        ready_wait=600,
    )

    params = groups.params(settings, _group())

    assert params["deploymentStyle"] == {
        "deploymentType": "BLUE_GREEN",
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
    }
    assert params["blueGreenDeploymentConfiguration"] == {
        "terminateBlueInstancesOnDeploymentSuccess": {
            "action": "TERMINATE",
            "terminationWaitTimeInMinutes": 2,
        },
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 10},
    }
    assert params["autoRollbackConfiguration"] == {
        "enabled": True,
        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
    }
    assert params["ecsServices"] == [{"serviceName": "web-bg", "clusterName": "demo"}]
    assert params["loadBalancerInfo"] == {
        "targetGroupPairInfoList": [
            {
                "targetGroups": [{"name": "web-blue"}, {"name": "web-green"}],
                "prodTrafficRoute": {"listenerArns": [LISTENER.format("prod")]},
                "testTrafficRoute": {"listenerArns": [LISTENER.format("test")]},
            }
        ]
    }
    assert params["deploymentConfigName"] == "CodeDeployDefault.ECSAllAtOnce"
    assert (params["applicationName"], params["deploymentGroupName"]) == (
        "AppECS-demo-web-bg",
        "DgpECS-demo-web-bg",
    )


@pytest.mark.parametrize(
    ("missing", "key"),
    [
        ("service_role", "codedeploy.service_role"),
        ("production_listener", "codedeploy.production_listener"),
        ("target_groups", "codedeploy.target_groups"),
    ],
)
def test_creating_a_group_without_a_key_it_needs_is_a_config_error_naming_the_key(
    missing: str, key: str
) -> None:
    complete: dict[str, Any] = {
        "service_role": ROLE,
        "target_groups": (TG.format("a"), TG.format("b")),
        "production_listener": LISTENER.format("prod"),
    }
    complete[missing] = () if missing == "target_groups" else None

    with pytest.raises(ConfigError, match=rf"^{key}: .*DgpECS-demo-web-bg"):
        groups.params(_settings(**complete), _group())


def test_waits_round_up_to_whole_minutes_within_codedeploys_limits() -> None:
    assert groups.minutes(0) == 0
    assert groups.minutes(0, least=1) == 1
    assert groups.minutes(61) == 2
    assert groups.minutes(10**6) == 2880


def _existing(action: str, services: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "deploymentGroupName": "DgpECS-demo-web-bg",
        "deploymentStyle": {"deploymentType": "BLUE_GREEN"},
        "ecsServices": services or [{"clusterName": "demo", "serviceName": "web-bg"}],
        "blueGreenDeploymentConfiguration": {"deploymentReadyOption": {"actionOnTimeout": action}},
    }


def test_a_group_that_continues_at_once_is_refused_for_canary_deploy_but_fine_for_deploy() -> None:
    group = _existing("CONTINUE_DEPLOYMENT")

    with pytest.raises(PreconditionError, match=r"CONTINUE_DEPLOYMENT.*actionOnTimeout STOP_DEPLOYMENT"):
        groups.check(group, _settings(), hold=True)
    groups.check(group, _settings(), hold=False)


def test_a_group_of_another_service_is_refused() -> None:
    group = _existing("STOP_DEPLOYMENT", [{"clusterName": "demo", "serviceName": "api"}])

    with pytest.raises(PreconditionError, match="not service web-bg of cluster demo"):
        groups.check(group, _settings(), hold=False)


def test_group_listeners_are_read_per_route() -> None:
    info = {
        "loadBalancerInfo": {
            "targetGroupPairInfoList": [
                {"prodTrafficRoute": {"listenerArns": ["p"]}, "testTrafficRoute": {"listenerArns": ["t"]}}
            ]
        }
    }

    assert _group(info).listeners("prodTrafficRoute") == ["p"]
    assert _group(info).listeners("testTrafficRoute") == ["t"]
    assert _group().listeners("testTrafficRoute") == []
