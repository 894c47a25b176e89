"""Pure rules of the sandbox's CodeDeploy: AppSpec reading and traffic split over time."""

from __future__ import annotations

import json

import pytest

from ci_ecs.sandbox.appspec import content_of, parse
from ci_ecs.sandbox.codedeploy_configs import PREDEFINED, CodeDeployError, ecs_config

YAML_SPEC = """
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: arn:aws:ecs:us-east-1:123456789012:task-definition/web-bg:2
        LoadBalancerInfo:
          ContainerName: web
          ContainerPort: 8080
        PlatformVersion: "1.4.0"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: [subnet-1]
            SecurityGroups: [sg-1]
            AssignPublicIp: DISABLED
Hooks:
  - BeforeInstall: check-before
"""


def test_yaml_appspec_gives_task_definition_container_network_and_hooks():
    spec = parse(YAML_SPEC)
    assert (spec.task_definition.endswith("web-bg:2"), spec.container_name, spec.container_port) == (
        True,
        "web",
        8080,
    )
    assert spec.platform_version == "1.4.0"
    assert spec.network == {
        "awsvpcConfiguration": {
            "subnets": ["subnet-1"],
            "securityGroups": ["sg-1"],
            "assignPublicIp": "DISABLED",
        }
    }
    assert spec.hooks == ("BeforeInstall",)


def test_json_appspec_without_load_balancer_info_is_an_invalid_revision():
    text = json.dumps(
        {
            "Resources": [
                {"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": "x"}}}
            ]
        }
    )
    with pytest.raises(CodeDeployError) as raised:
        parse(text)
    assert "InvalidRevisionException" in str(raised.value.error_type)


def test_revision_must_carry_appspec_content():
    assert content_of({"revisionType": "AppSpecContent", "appSpecContent": {"content": "x"}}) == "x"
    with pytest.raises(CodeDeployError):
        content_of({"revisionType": "S3", "s3Location": {}})


@pytest.mark.parametrize(
    ("name", "minutes", "weight"),
    [
        ("CodeDeployDefault.ECSAllAtOnce", 0, 100),
        ("CodeDeployDefault.ECSCanary10Percent5Minutes", 0, 10),
        ("CodeDeployDefault.ECSCanary10Percent5Minutes", 4.9, 10),
        ("CodeDeployDefault.ECSCanary10Percent5Minutes", 5, 100),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", 0, 10),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", 3.5, 40),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", 9, 100),
        ("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", 6, 30),
    ],
)
def test_replacement_share_follows_the_deployment_configuration(name, minutes, weight):
    assert PREDEFINED[name].weight_after(minutes) == weight


def test_unknown_configuration_does_not_exist():
    assert ecs_config(None).name == "CodeDeployDefault.ECSAllAtOnce"
    with pytest.raises(CodeDeployError):
        ecs_config("CodeDeployDefault.OneAtATime")
