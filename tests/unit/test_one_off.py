"""`ci-ecs run`: the command checked, the container it runs in, how the task launches, the revision reused."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from ci_ecs import one_off
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef, Release
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.revision import newest_if_same

REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web"
RELEASE = Release(ImageRef(REPO, "v2"), "v2", None, None)
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "DISABLED"}}


def _context(*containers: str, aws: Aws | None = None) -> Context:
    settings = Settings(cluster="demo", service="web", container=containers)
    return Context(settings, RELEASE, aws or Aws("eu-west-1"), Console(), {})


@pytest.mark.parametrize("command", [[], [""], [" ", "  "]])
def test_no_command_is_bad_input_naming_the_fix(command: list[str]) -> None:
    with pytest.raises(ConfigError, match="give it after --"):
        one_off.check_command(command)


def test_a_command_is_kept_word_for_word() -> None:
    assert one_off.check_command(["sh", "-c", "exit 3"]) == ("sh", "-c", "exit 3")


def test_the_command_runs_in_the_container_of_the_release_image_or_the_configured_one() -> None:
    td: dict[str, Any] = {
        "containerDefinitions": [
            {"name": "web", "image": f"{REPO}:v2"},
            {"name": "proxy", "image": "envoyproxy/envoy:v1"},
        ]
    }
    assert one_off.command_container(td, _context()) == "web"
    assert one_off.command_container(td, _context("proxy")) == "proxy"
    with pytest.raises(ConfigError, match="pass --container NAME"):
        one_off.command_container(td, _context("web", "proxy"))
    both = {"containerDefinitions": [{"name": n, "image": f"{REPO}:v2"} for n in ("web", "worker")]}
    with pytest.raises(ConfigError, match="web, worker would do"):
        one_off.command_container(both, _context())


def test_the_task_launches_as_the_service_or_its_primary_task_set_does() -> None:
    service = {
        "clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/demo",
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "networkConfiguration": NETWORK,
        "loadBalancers": [{"targetGroupArn": "tg"}],
    }
    assert one_off.launch_of(service) == {k: v for k, v in service.items() if k != "loadBalancers"}
    external = {
        "clusterArn": service["clusterArn"],
        "launchType": "EC2",  # what an EXTERNAL service without a launch type of its own may say
        "taskSets": [
            {"status": "ACTIVE", "launchType": "EC2"},
            {"status": "PRIMARY", "networkConfiguration": NETWORK, "launchType": "FARGATE"},
        ],
    }
    assert one_off.launch_of(external) == {
        "clusterArn": service["clusterArn"],
        "networkConfiguration": NETWORK,
        "launchType": "FARGATE",
    }


def _newest(tags: list[dict[str, str]], image: str) -> str | None:
    aws = Aws("eu-west-1")
    registered = {
        "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
        "family": "web",
        "revision": 7,
        "status": "ACTIVE",
        "containerDefinitions": [{"name": "web", "image": image}],
    }
    new = {
        "family": "web",
        "containerDefinitions": [{"name": "web", "image": f"{REPO}:v2"}],
        "tags": [{"key": "ci-ecs:version", "value": "v2"}],
    }
    with Stubber(aws.client("ecs")) as stubber:
        stubber.add_response(
            "describe_task_definition",
            {"taskDefinition": registered, "tags": tags},
            {"taskDefinition": "web", "include": ["TAGS"]},
        )
        return newest_if_same(_context(aws=aws), new)


def test_the_newest_revision_is_reused_when_it_is_the_same_for_the_same_version() -> None:
    version = [{"key": "ci-ecs:version", "value": "v2"}, {"key": "ci-ecs:pipeline", "value": "p/2"}]
    assert _newest(version, f"{REPO}:v2") == "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"
    assert _newest(version, f"{REPO}:v1") is None
    assert _newest([{"key": "ci-ecs:version", "value": "v1"}], f"{REPO}:v2") is None
    assert _newest([], f"{REPO}:v2") is None
