"""Service lifecycle: a deleted service drains, a target group without a load balancer is refused."""

from __future__ import annotations

import botocore.exceptions
import pytest


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
