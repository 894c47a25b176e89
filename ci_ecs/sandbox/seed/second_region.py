"""The sample's second region: the three services of one image (`services:`) again, in their own VPC."""

from __future__ import annotations

from ci_ecs.sandbox.seed import many
from ci_ecs.sandbox.seed.clients import client
from ci_ecs.sandbox.seed.load_balancers import create_load_balancer
from ci_ecs.sandbox.seed.many_sample import SECOND_REGION
from ci_ecs.sandbox.seed.network import create_network
from ci_ecs.sandbox.seed.services import CLUSTER, PORT


def seed(endpoint: str, uri: str) -> str:
    """VPC, ALB `demo`, cluster `demo` and shop-web, shop-worker, shop-scheduler on v1 in the second region;
    returns the region. Their image stays in the first region's repository (Fargate pulls across regions)."""
    clients = {name: client(endpoint, name, SECOND_REGION) for name in ("ec2", "elbv2", "ecs", "logs")}
    network = create_network(clients["ec2"], PORT, SECOND_REGION)
    balancer = create_load_balancer(clients["elbv2"], "demo", network)
    clients["ecs"].create_cluster(clusterName=CLUSTER)
    many.seed(clients, network, balancer.arn, uri, SECOND_REGION)
    return SECOND_REGION
