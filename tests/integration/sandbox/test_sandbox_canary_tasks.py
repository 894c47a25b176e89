"""Standalone (RunTask) canary tasks whose IPs a client registers itself, as ci-ecs's task mode does."""

from __future__ import annotations


def test_crashing_canary_stops_and_its_target_fails_until_deregistered(aws, sample):
    crash_arn, crash_ip = aws.run_standalone("v2-crash")
    sick_arn, sick_ip = aws.run_standalone("v2-unhealthy")
    group = sample.target_group_arn
    targets = [{"Id": crash_ip, "Port": 8080}, {"Id": sick_ip, "Port": 8080}]
    aws.elbv2.register_targets(TargetGroupArn=group, Targets=targets)

    crashed = aws.wait_for(
        lambda: next((t for t in aws.tasks([crash_arn]) if t["lastStatus"] == "STOPPED"), None),
        "the crashing canary to stop",
    )
    assert (crashed["stopCode"], crashed["containers"][0]["exitCode"]) == ("EssentialContainerExited", 1)
    failed = aws.wait_for(
        lambda: (h := aws.targets()[(crash_ip, 8080)])["State"] == "unhealthy" and h, "its target to fail"
    )
    assert failed["Reason"] == "Target.FailedHealthChecks"  # nothing answers on a stopped task's IP
    aws.wait_for(lambda: aws.targets()[(sick_ip, 8080)]["State"] == "unhealthy", "the sick canary to fail")
    # ECS replaces only service tasks that fail ELB health checks: a standalone task keeps running.
    assert aws.tasks([sick_arn])[0]["lastStatus"] == "RUNNING"
    assert aws.service()["runningCount"] == 3

    aws.elbv2.deregister_targets(TargetGroupArn=group, Targets=targets)

    assert {aws.targets()[(ip, 8080)]["State"] for ip in (crash_ip, sick_ip)} == {"draining"}
    aws.wait_for(lambda: not {crash_ip, sick_ip} & {ip for ip, _ in aws.targets()}, "the targets to go")
