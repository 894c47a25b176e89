"""Seed the sample environment through the sandbox's own HTTP API, as any client would."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from ci_ecs.sandbox import seed_bluegreen, seed_services
from ci_ecs.sandbox.sample import ACCESS_KEY, ACCOUNT_ID, REGION, Sample

PORT = seed_services.PORT
REPOSITORY = "web"
TAGS = ("v1", "v2", "v3", "v2-crash", "v2-unhealthy", "v2-slow", "v3-crash", "v3-unhealthy", "v3-slow")
SUBNETS = (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))
EXTERNAL_PATHS = ["/ext/*"]  # the listener rule of the EXTERNAL service (priority 10)


@functools.cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@functools.lru_cache(maxsize=32)
def client(endpoint: str, service: str) -> Any:
    """A botocore client on the sandbox (cached: creating one costs more than seeding with it)."""
    # botocore (which moto itself builds on), not boto3: only ci_ecs/aws is the AWS gateway.
    return _session().create_client(
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
    ec2 = client(endpoint, "ec2")
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


def _target_group(elbv2: Any, name: str, vpc: str) -> str:
    """An ip target group on the container port, health check `/health`, deregistration delay 30 s."""
    arn: str = elbv2.create_target_group(
        Name=name,
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
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]
    )
    return arn


def _load_balancer(
    endpoint: str, vpc: str, subnets: tuple[str, ...], groups: tuple[str, ...]
) -> dict[str, str]:
    elbv2 = client(endpoint, "elbv2")
    balancer = elbv2.create_load_balancer(
        Name="demo",
        Subnets=list(subnets),
        SecurityGroups=list(groups),
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    group = _target_group(elbv2, "web", vpc)
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )["Listeners"][0]["ListenerArn"]
    primary, canary = (
        _target_group(elbv2, "web-ext-primary", vpc),
        _target_group(elbv2, "web-ext-canary", vpc),
    )
    rule = elbv2.create_rule(
        ListenerArn=listener,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": EXTERNAL_PATHS}}],
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": primary, "Weight": 100},
                        {"TargetGroupArn": canary, "Weight": 0},
                    ]
                },
            }
        ],
    )["Rules"][0]["RuleArn"]
    return {
        "load_balancer": balancer["LoadBalancerArn"],
        "dns": balancer["DNSName"],
        "target_group": group,
        "listener": listener,
        "primary": primary,
        "canary": canary,
        "rule": rule,
    }


def _images(endpoint: str) -> tuple[str, dict[str, str]]:
    ecr = client(endpoint, "ecr")
    uri = ecr.create_repository(repositoryName=REPOSITORY)["repository"]["repositoryUri"]
    digests = {}
    for tag in TAGS:
        image = ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(tag), imageTag=tag)["image"]
        digests[tag] = image["imageId"]["imageDigest"]
    return str(uri), digests


def seed(endpoint: str) -> Sample:
    """Create the sample environment (its services start rolling out; the caller waits for them)."""
    vpc, subnets, groups = _network(endpoint)
    lb = _load_balancer(endpoint, vpc, subnets, groups)
    uri, digests = _images(endpoint)
    ecs, logs = client(endpoint, "ecs"), client(endpoint, "logs")
    seed_services.web(ecs, logs, uri, subnets, groups, lb["target_group"])
    task_set = seed_services.external(ecs, logs, uri, subnets, groups, lb["primary"])
    names = ("elbv2", "ecs", "logs", "iam", "application-autoscaling")
    clients = {name: client(endpoint, name) for name in names}
    elbv2 = clients["elbv2"]

    def make_group(name: str) -> str:
        return _target_group(elbv2, name, vpc)

    network = seed_services.network(subnets, groups)
    bg = seed_bluegreen.codedeploy(clients, make_group, lb, uri, network)
    sw = seed_bluegreen.switch(clients, make_group, lb, uri, network)
    return Sample(
        region=REGION,
        account_id=ACCOUNT_ID,
        cluster=seed_services.CLUSTER,
        service=seed_services.SERVICE,
        container=seed_services.CONTAINER,
        container_port=PORT,
        repository=uri,
        images=digests,
        task_family=seed_services.FAMILY,
        target_group_arn=lb["target_group"],
        load_balancer_arn=lb["load_balancer"],
        listener_arn=lb["listener"],
        url=f"http://{lb['dns']}/",
        subnets=subnets,
        security_groups=groups,
        external_service=seed_services.EXTERNAL_SERVICE,
        external_task_family=seed_services.EXTERNAL_FAMILY,
        primary_task_set_arn=task_set,
        primary_target_group_arn=lb["primary"],
        canary_target_group_arn=lb["canary"],
        listener_rule_arn=lb["rule"],
        codedeploy_service=seed_bluegreen.CODEDEPLOY_SERVICE,
        codedeploy_task_family=seed_bluegreen.CODEDEPLOY_FAMILY,
        codedeploy_role_arn=bg["role"],
        blue_target_group_arn=bg["blue"],
        green_target_group_arn=bg["green"],
        production_listener_arn=bg["prod"],
        test_listener_arn=bg["test"],
        switch_service=seed_bluegreen.SWITCH_SERVICE,
        switch_prefix=seed_bluegreen.SWITCH_PREFIX,
        switch_target_group_arn=sw["group"],
        switch_listener_arn=sw["listener"],
        public_rule_arn=sw["public"],
        preparing_rule_arn=sw["preparing"],
    )
