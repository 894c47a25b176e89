"""Seed the sample environment through the sandbox's own HTTP API, as any client would."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ci_ecs.sandbox.sample import ACCESS_KEY, ACCOUNT_ID, REGION, Sample

CLUSTER = "demo"
SERVICE = CONTAINER = FAMILY = REPOSITORY = "web"
PORT = 8080
TAGS = ("v1", "v2", "v3", "v2-crash", "v2-unhealthy", "v2-slow", "v3-crash", "v3-unhealthy", "v3-slow")
SUBNETS = (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))


def _client(endpoint: str, service: str) -> Any:
    # botocore (which moto itself builds on), not boto3: only ci_ecs/aws is the AWS gateway.
    import botocore.session

    return botocore.session.get_session().create_client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=ACCESS_KEY,
    )


def manifest(tag: str) -> str:
    """A small valid Docker image manifest, distinct per tag (so each tag has its own digest)."""
    blob = hashlib.sha256(f"ci-ecs sandbox {tag}".encode()).hexdigest()
    layer = hashlib.sha256(f"ci-ecs sandbox layer {tag}".encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1024,
                "digest": f"sha256:{blob}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 2048,
                    "digest": f"sha256:{layer}",
                }
            ],
        }
    )


def _network(endpoint: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    ec2 = _client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # run_task needs DNS hostnames on the VPC (and so does Fargate for awsvpc tasks).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for cidr, zone in SUBNETS
    )
    group = ec2.create_security_group(GroupName="web", Description="web tasks", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
        ],
    )
    return vpc, subnets, (group,)


def _load_balancer(
    endpoint: str, vpc: str, subnets: tuple[str, ...], groups: tuple[str, ...]
) -> dict[str, str]:
    elbv2 = _client(endpoint, "elbv2")
    balancer = elbv2.create_load_balancer(
        Name="demo",
        Subnets=list(subnets),
        SecurityGroups=list(groups),
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    group = elbv2.create_target_group(
        Name="web",
        Protocol="HTTP",
        Port=PORT,
        VpcId=vpc,
        TargetType="ip",
        HealthCheckProtocol="HTTP",
        HealthCheckPath="/health",
        HealthCheckIntervalSeconds=10,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
        Matcher={"HttpCode": "200"},
    )["TargetGroups"][0]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=group["TargetGroupArn"],
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
    )
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )["Listeners"][0]
    return {
        "load_balancer": balancer["LoadBalancerArn"],
        "dns": balancer["DNSName"],
        "target_group": group["TargetGroupArn"],
        "listener": listener["ListenerArn"],
    }


def _images(endpoint: str) -> tuple[str, dict[str, str]]:
    ecr = _client(endpoint, "ecr")
    uri = ecr.create_repository(repositoryName=REPOSITORY)["repository"]["repositoryUri"]
    digests = {}
    for tag in TAGS:
        image = ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(tag), imageTag=tag)["image"]
        digests[tag] = image["imageId"]["imageDigest"]
    return str(uri), digests


def _service(
    endpoint: str, uri: str, subnets: tuple[str, ...], groups: tuple[str, ...], target_group: str
) -> None:
    _client(endpoint, "logs").create_log_group(logGroupName=f"/ecs/{FAMILY}")
    ecs = _client(endpoint, "ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    roles = f"arn:aws:iam::{ACCOUNT_ID}:role"
    ecs.register_task_definition(
        family=FAMILY,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        executionRoleArn=f"{roles}/ecsTaskExecutionRole",
        taskRoleArn=f"{roles}/web-task",
        containerDefinitions=[
            {
                "name": CONTAINER,
                "image": f"{uri}:v1",
                "essential": True,
                "memory": 512,  # moto's run_task needs container-level memory
                "portMappings": [{"containerPort": PORT, "protocol": "tcp"}],
                "environment": [
                    {"name": "APP_ENV", "value": "sandbox"},
                    {"name": "PORT", "value": str(PORT)},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/ecs/{FAMILY}",
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": "web",
                    },
                },
            }
        ],
    )
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=FAMILY,
        desiredCount=3,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(subnets),
                "securityGroups": list(groups),
                "assignPublicIp": "DISABLED",
            }
        },
        loadBalancers=[{"targetGroupArn": target_group, "containerName": CONTAINER, "containerPort": PORT}],
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        healthCheckGracePeriodSeconds=0,
    )


def seed(endpoint: str) -> Sample:
    """Create the sample environment (the service starts rolling out; the caller waits for it)."""
    vpc, subnets, groups = _network(endpoint)
    lb = _load_balancer(endpoint, vpc, subnets, groups)
    uri, digests = _images(endpoint)
    _service(endpoint, uri, subnets, groups, lb["target_group"])
    return Sample(
        region=REGION,
        account_id=ACCOUNT_ID,
        cluster=CLUSTER,
        service=SERVICE,
        container=CONTAINER,
        container_port=PORT,
        repository=uri,
        images=digests,
        task_family=FAMILY,
        target_group_arn=lb["target_group"],
        load_balancer_arn=lb["load_balancer"],
        listener_arn=lb["listener"],
        url=f"http://{lb['dns']}/",
        subnets=subnets,
        security_groups=groups,
    )
