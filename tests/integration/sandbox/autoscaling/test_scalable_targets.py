"""Application Auto Scaling on the sample's `web-sw-v1` (2–4 tasks, target tracking): bounds beat desired."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest

from ci_ecs.sandbox.state import RUNTIME

TARGET = {
    "ServiceNamespace": "ecs",
    "ResourceId": "service/demo/web-sw-v1",
    "ScalableDimension": "ecs:service:DesiredCount",
}


@pytest.fixture
def scaling(sandbox, sample):
    return boto3.client(
        "application-autoscaling",
        endpoint_url=sandbox.endpoint,
        region_name=sample.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _service(aws):
    return aws.ecs.describe_services(cluster="demo", services=["web-sw-v1"], include=["TAGS"])["services"][0]


def _scaled_to(aws, count):
    service = _service(aws)
    return service if service["desiredCount"] == count and service["runningCount"] == count else None


def test_seeded_switch_service_is_registered_with_bounds_and_a_policy(aws, scaling):
    # The sample autoscales web-dual-v1 too: ask for web-sw-v1's.
    [target] = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[TARGET["ResourceId"]])[
        "ScalableTargets"
    ]
    assert (target["ResourceId"], target["MinCapacity"], target["MaxCapacity"]) == (
        TARGET["ResourceId"],
        2,
        4,
    )
    [policy] = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=TARGET["ResourceId"])[
        "ScalingPolicies"
    ]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    service = _service(aws)
    assert (service["desiredCount"], service["runningCount"], service["tags"]) == (
        2,
        2,
        [{"key": "ci-ecs:version", "value": "v1"}],
    )


def test_desired_zero_with_scalable_target_registered_comes_back_to_minimum(aws, scaling):
    aws.ecs.update_service(cluster="demo", service="web-sw-v1", desiredCount=0)
    aws.wait_for(lambda: _scaled_to(aws, 0), "the service to scale in to 0 first")
    service = aws.wait_for(lambda: _scaled_to(aws, 2), "Application Auto Scaling to restore the minimum")
    assert any("by Application Auto Scaling" in e["message"] for e in service["events"])
    [activity] = scaling.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=TARGET["ResourceId"])[
        "ScalingActivities"
    ]
    assert (activity["Description"], activity["StatusCode"]) == ("Setting desired count to 2.", "Successful")


def test_desired_above_maximum_is_brought_down_to_maximum(aws):
    aws.ecs.update_service(cluster="demo", service="web-sw-v1", desiredCount=6)
    aws.wait_for(lambda: _scaled_to(aws, 4), "the maximum of 4")


def test_deregistered_first_zero_stays_zero_and_policies_are_gone(aws, scaling):
    scaling.deregister_scalable_target(**TARGET)
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=TARGET["ResourceId"])
    assert policies["ScalingPolicies"] == []
    aws.ecs.update_service(cluster="demo", service="web-sw-v1", desiredCount=0)
    aws.wait_for(lambda: _scaled_to(aws, 0), "the service to scale in to 0")
    # Three times the sandbox's correction delay in simulated ticks: nothing brings it back.
    later = RUNTIME.now + 3 * RUNTIME.config.autoscaling_ticks
    aws.wait_for(lambda: RUNTIME.now >= later, "simulated time to pass")
    assert _service(aws)["desiredCount"] == 0
    activities = scaling.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=TARGET["ResourceId"])
    assert activities["ScalingActivities"] == []


def test_registering_a_minimum_above_desired_scales_out_at_once(aws, scaling):
    scaling.register_scalable_target(**TARGET, MinCapacity=3, MaxCapacity=4)
    aws.wait_for(lambda: _scaled_to(aws, 3), "the new minimum of 3")


def test_policy_needs_a_registered_target(aws, scaling):
    scaling.deregister_scalable_target(**TARGET)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        scaling.put_scaling_policy(
            **TARGET,
            PolicyName="p",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 50.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
            },
        )
    assert raised.value.response["Error"]["Code"] == "ObjectNotFoundException"


def test_deregistering_an_unregistered_target_is_object_not_found_as_in_aws(aws, scaling):
    scaling.deregister_scalable_target(**TARGET)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        scaling.deregister_scalable_target(**TARGET)
    assert raised.value.response["Error"]["Code"] == "ObjectNotFoundException"
