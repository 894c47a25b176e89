"""The AppSpec of an ECS deployment: read from JSON or YAML, invalid revisions refused."""

from __future__ import annotations

import json

import pytest

from ci_ecs.sandbox.codedeploy.appspec import content_of, parse
from ci_ecs.sandbox.codedeploy.configs import CodeDeployError

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
