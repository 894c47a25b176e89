"""Forward actions of listeners and rules: one target group reads as a ForwardConfig, weights 0–999."""

from __future__ import annotations

from typing import Any

import pytest
from moto.elbv2.exceptions import ValidationError

from ci_ecs.sandbox.elb.listeners import check_weights, forward_weights, normalize

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-ext-canary/89e0a30cdc33e1c6"


def test_forward_to_one_target_group_also_reads_as_forward_config_weight_1():
    action: dict[str, Any] = {"Type": "forward", "TargetGroupArn": TG}
    normalize(action)
    assert action["ForwardConfig"] == {
        "TargetGroups": [{"TargetGroupArn": TG, "Weight": 1}],
        "TargetGroupStickinessConfig": {"Enabled": False},
    }
    assert forward_weights(action) == [(TG, 1)]
    weighted = {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": TG, "Weight": 0}]}}
    normalize(weighted)
    assert "TargetGroupArn" not in weighted and forward_weights(weighted) == [(TG, 0)]


def test_weights_outside_0_999_are_refused_naming_the_member():
    check_weights(
        [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"Weight": 999}, {"Weight": 0}]}}], "x"
    )
    bad: list[dict[str, Any]] = [
        {"Type": "fixed-response"},
        {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"Weight": 1000}]}},
    ]
    with pytest.raises(ValidationError) as error:
        check_weights(bad, "actions")
    assert "'actions.2.member.forwardConfig.targetGroups.1.member.weight'" in error.value.message
    assert "less than or equal to 999" in error.value.message
