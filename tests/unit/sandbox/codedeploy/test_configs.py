"""CodeDeploy's predefined ECS deployment configurations: the replacement's share of traffic over time."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.codedeploy.configs import PREDEFINED, CodeDeployError, ecs_config


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
