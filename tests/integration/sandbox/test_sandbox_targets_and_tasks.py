"""ALB target health, standalone tasks, service lifecycle, the aws CLI, and the Sandbox API."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

import botocore.exceptions
import pytest
import yaml

from ci_ecs.errors import ConfigError


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


def test_deleted_service_drains_its_tasks_then_is_inactive(aws, sample):
    arns = [t["taskArn"] for t in aws.live_tasks()]
    aws.ecs.delete_service(cluster=sample.cluster, service=sample.service, force=True)

    assert aws.service()["status"] == "DRAINING"
    aws.wait_for(lambda: aws.service()["status"] == "INACTIVE", "the service to be inactive")
    assert {t["lastStatus"] for t in aws.tasks(arns)} == {"STOPPED"}
    assert aws.targets() == {}


def test_create_service_refuses_a_target_group_without_load_balancer(aws, sample):
    vpc = aws.ec2.describe_subnets(SubnetIds=[sample.subnets[0]])["Subnets"][0]["VpcId"]
    group = aws.elbv2.create_target_group(
        Name="orphan", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
    )
    arn = group["TargetGroups"][0]["TargetGroupArn"]
    with pytest.raises(botocore.exceptions.ClientError, match="does not have an associated load balancer"):
        aws.ecs.create_service(
            cluster=sample.cluster,
            serviceName="orphan",
            taskDefinition=sample.task_family,
            desiredCount=1,
            launchType="FARGATE",
            loadBalancers=[{"targetGroupArn": arn, "containerName": "web", "containerPort": 8080}],
        )


def test_aws_cli_reads_the_service_and_its_targets(sandbox, sample):
    aws_cli = Path(sys.executable).parent / "aws"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env.pop("AWS_ENDPOINT_URL", None)
    common = ["--endpoint-url", sandbox.endpoint, "--region", sample.region, "--output", "json"]

    def run(*args):
        done = subprocess.run(
            [str(aws_cli), *args, *common], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    [service] = run("ecs", "describe-services", "--cluster", sample.cluster, "--services", sample.service)[
        "services"
    ]
    assert (service["runningCount"], service["deployments"][0]["rolloutState"]) == (3, "COMPLETED")
    health = run("elbv2", "describe-target-health", "--target-group-arn", sample.target_group_arn)
    assert [d["TargetHealth"]["State"] for d in health["TargetHealthDescriptions"]] == ["healthy"] * 3


def test_env_exports_and_config_point_at_the_sandbox(sandbox, sample, tmp_path):
    assert sandbox.endpoint.startswith("http://127.0.0.1:")
    assert sandbox.env() == {
        "AWS_ENDPOINT_URL": sandbox.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    assert f"export AWS_ENDPOINT_URL={sandbox.endpoint}\n" in sandbox.exports()
    path = sandbox.write_config(tmp_path / "app")
    text = path.read_text()
    assert path.name == "ci-ecs.yml"
    assert sandbox.endpoint in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == [
        "region: us-east-1",
        "cluster: demo",
        "service: web",
        f"image: {sample.repository}",
        "wait:",
        "  poll_first: 1      # seconds",
        "  poll_cap: 2",
        "  timeout: 120",
    ]
    modes = {
        name: yaml.safe_load((path.parent / f"ci-ecs-{name}.yml").read_text())
        for name in ("task", "service", "taskset")
    }
    assert modes["task"]["canary"] == {"mode": "task", "count": 1}
    assert modes["service"]["canary"] == {"mode": "service", "count": 1}
    assert modes["taskset"]["canary"] == {
        "mode": "taskset",
        "scale": 34,
        "weight": 10,
        "target_group": sample.canary_target_group_arn,
        "listener_rules": [sample.listener_rule_arn],
    }
    assert [modes[m]["service"] for m in ("task", "service", "taskset")] == ["web", "web", "web-ext"]
    for config in modes.values():
        assert {k: config[k] for k in ("region", "cluster", "image")} == {
            "region": "us-east-1",
            "cluster": "demo",
            "image": sample.repository,
        }
        assert config["wait"] == {"poll_first": 1, "poll_cap": 2, "timeout": 120}
    assert sample.repository == "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"
    assert set(sample.images) >= {"v1", "v2", "v3", "v2-crash", "v2-unhealthy", "v2-slow"}
    assert len(set(sample.images.values())) == len(sample.images)


def test_empty_reset_seeds_nothing(sandbox, aws):
    assert sandbox.reset(seed=False) is None
    assert sandbox.sample is None
    assert aws.ecs.list_clusters()["clusterArns"] == []
    with pytest.raises(ConfigError):
        sandbox.write_config("/nonexistent")


def test_a_second_sandbox_in_the_same_process_is_refused(sandbox):
    from ci_ecs.sandbox import current, start

    assert current() is sandbox
    with pytest.raises(RuntimeError, match="already runs"):
        start()
