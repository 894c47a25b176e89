"""Autoscaling saved in ECS tags survives the round trip; policies follow the version's target group."""

from __future__ import annotations

import re
from typing import Any

from ci_ecs.strategies.switch import autoscaling as scaling
from ci_ecs.strategies.switch.family import conditions_text

POLICY: dict[str, Any] = {
    "PolicyName": "requests-per-target",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 100.0,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget",
            "ResourceLabel": "app/demo/0123456789abcdef/targetgroup/web-sw-v1/1111111111111111",
        },
        "ScaleInCooldown": 60,
        "ScaleOutCooldown": 60,
    },
}


def _service(tags: dict[str, str]) -> dict[str, Any]:
    return {"tags": [{"key": k, "value": v} for k, v in tags.items()]}


def test_saved_autoscaling_comes_back_from_the_tags_unchanged() -> None:
    saved = scaling.Scaling(2, 4, [POLICY, {**POLICY, "PolicyName": "cpu" * 60}])
    tags = scaling.to_tags(saved)
    assert all(len(v) <= 256 and re.fullmatch(r"[A-Za-z0-9+/=]*", v) for v in tags.values())
    assert scaling.from_tags(_service({"other": "x", **tags})) == saved
    assert sorted(scaling.saved_keys(_service(tags))) == sorted(tags)


def test_a_service_without_saved_tags_has_no_saved_autoscaling() -> None:
    assert scaling.from_tags(_service({"ci-ecs:version": "v1"})) is None


def test_a_request_count_policy_is_pointed_at_the_new_target_group() -> None:
    group = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-sw-v2/2222222222222222"
    moved = scaling.retarget(POLICY, group)
    label = moved["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
        "ResourceLabel"
    ]
    assert label == "app/demo/0123456789abcdef/targetgroup/web-sw-v2/2222222222222222"
    assert POLICY["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 100.0


def test_a_cpu_policy_is_copied_as_it_is() -> None:
    cpu = {"PolicyName": "cpu", "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50.0}}
    assert scaling.retarget(cpu, "arn:x:targetgroup/a/b") == cpu


def test_rule_conditions_read_as_a_person_would_type_them() -> None:
    conditions: list[dict[str, Any]] = [
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["preparing.switch.test"]}},
        {"Field": "path-pattern", "Values": ["/app/*"]},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Stage", "Values": ["pre"]}},
    ]
    assert conditions_text(conditions) == "Host: preparing.switch.test, path /app/*, X-Stage: pre"
