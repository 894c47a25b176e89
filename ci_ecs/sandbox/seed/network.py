"""The sample's network: a VPC with DNS hostnames, one subnet per Availability Zone, a security group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ci_ecs.sandbox.seed.sample import REGION

CIDR = "10.0.0.0/16"
SUBNETS = (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))


@dataclass(frozen=True)
class Network:
    """Where the sample's load balancers and tasks live."""

    vpc: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]

    def awsvpc(self) -> dict[str, Any]:
        """The tasks' networkConfiguration: these subnets and security groups, no public IP."""
        return {
            "awsvpcConfiguration": {
                "subnets": list(self.subnets),
                "securityGroups": list(self.security_groups),
                "assignPublicIp": "DISABLED",
            }
        }


def create_network(ec2: Any, port: int, region: str = REGION) -> Network:
    """The VPC, its subnets (zones a and b of `region`), a security group open on `port` inside the VPC."""
    vpc = ec2.create_vpc(CidrBlock=CIDR)["Vpc"]["VpcId"]
    # run_task needs DNS hostnames on the VPC (and so does Fargate for awsvpc tasks).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
        for cidr, zone in SUBNETS
    )
    group = ec2.create_security_group(GroupName="web", Description="web tasks", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": CIDR}]}
        ],
    )
    return Network(vpc, subnets, (group,))
