"""The sample's load balancing: internet-facing ALBs, ip target groups, listeners and forward actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ci_ecs.sandbox.seed.network import Network
from ci_ecs.sandbox.seed.services import PORT


@dataclass(frozen=True)
class LoadBalancer:
    """An application load balancer: its ARN and DNS name."""

    arn: str
    dns: str


def create_load_balancer(elbv2: Any, name: str, network: Network) -> LoadBalancer:
    """An internet-facing application load balancer in the network's subnets and security groups."""
    found = elbv2.create_load_balancer(
        Name=name,
        Subnets=list(network.subnets),
        SecurityGroups=list(network.security_groups),
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    return LoadBalancer(found["LoadBalancerArn"], found["DNSName"])


def target_group(elbv2: Any, name: str, vpc: str) -> str:
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


def forward(group: str) -> list[dict[str, Any]]:
    """The actions of a listener or rule that forwards everything to one target group."""
    return [{"Type": "forward", "TargetGroupArn": group}]


def listener(elbv2: Any, balancer: str, port: int, actions: list[dict[str, Any]]) -> str:
    """An HTTP listener of the load balancer on `port` with these default actions; returns its ARN."""
    arn: str = elbv2.create_listener(
        LoadBalancerArn=balancer, Protocol="HTTP", Port=port, DefaultActions=actions
    )["Listeners"][0]["ListenerArn"]
    return arn
