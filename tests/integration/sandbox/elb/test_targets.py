"""ALB target health: registration, targets keyed by Id and port, draining on deregistration."""

from __future__ import annotations


def test_deregistered_target_drains_then_disappears(aws, sample):
    group = sample.target_group_arn
    aws.elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.0.1.250", "Port": 8080}])
    first = aws.targets()[("10.0.1.250", 8080)]
    assert first["State"] == "initial"
    assert first["Reason"] in ("Elb.RegistrationInProgress", "Elb.InitialHealthChecking")
    aws.elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.0.1.250", "Port": 9090}])
    assert ("10.0.1.250", 9090) in aws.targets()  # an IP on two ports is two targets
    aws.wait_for(
        lambda: aws.targets()[("10.0.1.250", 8080)]["State"] == "healthy", "the target to pass checks"
    )

    aws.elbv2.deregister_targets(TargetGroupArn=group, Targets=[{"Id": "10.0.1.250", "Port": 8080}])

    draining = aws.targets()[("10.0.1.250", 8080)]
    assert (draining["State"], draining["Reason"]) == ("draining", "Target.DeregistrationInProgress")
    aws.wait_for(lambda: ("10.0.1.250", 8080) not in aws.targets(), "the drained target to go")
    assert ("10.0.1.250", 9090) in aws.targets()
    reply = aws.elbv2.describe_target_health(
        TargetGroupArn=group, Targets=[{"Id": "10.0.1.250", "Port": 8080}]
    )
    assert reply["TargetHealthDescriptions"][0]["TargetHealth"]["Reason"] == "Target.NotRegistered"
