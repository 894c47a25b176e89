"""Tasks: standalone (RunTask) canaries whose IPs a client registers itself, and tasks stopped by users."""

from __future__ import annotations

import ipaddress


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


def test_standalone_tasks_get_subnet_ips_and_their_registered_targets_follow_the_image(aws, sample):
    network = {
        "awsvpcConfiguration": {
            "subnets": [sample.subnets[1]],
            "securityGroups": list(sample.security_groups),
        }
    }
    good, sick = (aws.register_revision(f"{sample.repository}:{tag}") for tag in ("v3", "v3-unhealthy"))
    started = {}
    for name, revision in (("good", good), ("sick", sick)):
        task = aws.ecs.run_task(
            cluster=sample.cluster,
            taskDefinition=revision,
            launchType="FARGATE",
            startedBy="ci-ecs-canary",
            networkConfiguration=network,
        )["tasks"][0]
        assert task["lastStatus"] == "PROVISIONING"
        started[name] = task["taskArn"]
    cidr = aws.ec2.describe_subnets(SubnetIds=[sample.subnets[1]])["Subnets"][0]["CidrBlock"]

    def running():
        tasks = aws.tasks(list(started.values()))
        return tasks if all(t["lastStatus"] == "RUNNING" for t in tasks) else None

    ips = {}
    for task in aws.wait_for(running, "the canary tasks to run"):
        ip = aws.detail(task, "privateIPv4Address")
        assert ipaddress.IPv4Address(ip) in ipaddress.IPv4Network(cidr)
        ips[task["taskArn"]] = ip
    good_ip, sick_ip = ips[started["good"]], ips[started["sick"]]
    targets = [{"Id": good_ip, "Port": 8080}, {"Id": sick_ip, "Port": 8080}]
    aws.elbv2.register_targets(TargetGroupArn=sample.target_group_arn, Targets=targets)

    aws.wait_for(
        lambda: aws.targets()[(good_ip, 8080)]["State"] == "healthy", "the good canary to be healthy"
    )
    aws.wait_for(
        lambda: aws.targets()[(sick_ip, 8080)]["State"] == "unhealthy", "the sick canary to be unhealthy"
    )
    assert aws.service()["runningCount"] == 3  # not the service's tasks

    stopped = aws.ecs.stop_task(cluster=sample.cluster, task=started["good"], reason="canary over")["task"]
    assert (stopped["desiredStatus"], stopped["stopCode"], stopped["stoppedReason"]) == (
        "STOPPED",
        "UserInitiated",
        "canary over",
    )
    assert stopped["lastStatus"] != "STOPPED"  # it goes through STOPPING first
    aws.wait_for(lambda: aws.tasks([started["good"]])[0]["lastStatus"] == "STOPPED", "the canary to stop")
    assert aws.targets()[(good_ip, 8080)]["State"] == "unhealthy"  # still registered, nothing answers


def test_service_task_stopped_by_a_user_is_replaced(aws, sample):
    victim = aws.live_tasks()[0]
    aws.ecs.stop_task(cluster=sample.cluster, task=victim["taskArn"])

    def replaced():
        live = [t for t in aws.live_tasks() if t["desiredStatus"] == "RUNNING"]
        healthy = [h for h in aws.targets().values() if h["State"] == "healthy"]
        return len(live) == 3 and victim["taskArn"] not in {t["taskArn"] for t in live} and len(healthy) == 3

    aws.wait_for(replaced, "a replacement task")
    assert aws.tasks([victim["taskArn"]])[0]["stopCode"] == "UserInitiated"
    assert aws.service()["deployments"][0]["rolloutState"] == "COMPLETED"
