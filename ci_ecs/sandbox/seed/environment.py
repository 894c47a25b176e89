"""Seed the sample environment through the sandbox's own HTTP API, as any client would."""

from __future__ import annotations

from typing import Any

from ci_ecs.sandbox.seed import bluegreen, many, native, second_region, services, switching
from ci_ecs.sandbox.seed.clients import client
from ci_ecs.sandbox.seed.images import push_images
from ci_ecs.sandbox.seed.load_balancers import (
    LoadBalancer,
    create_load_balancer,
    forward,
    listener,
    target_group,
)
from ci_ecs.sandbox.seed.network import Network, create_network
from ci_ecs.sandbox.seed.sample import ACCOUNT_ID, REGION, Sample

EXTERNAL_PATHS = ["/ext/*"]  # the listener rule of the EXTERNAL service (priority 10)


def _demo(elbv2: Any, network: Network) -> tuple[LoadBalancer, dict[str, str]]:
    """ALB `demo`: :80 forwards to `web`, and its /ext/* rule 100:0 to `web-ext-primary`/`web-ext-canary`."""
    balancer = create_load_balancer(elbv2, "demo", network)
    group = target_group(elbv2, "web", network.vpc)
    http = listener(elbv2, balancer.arn, 80, forward(group))
    primary = target_group(elbv2, "web-ext-primary", network.vpc)
    canary = target_group(elbv2, "web-ext-canary", network.vpc)
    rule = elbv2.create_rule(
        ListenerArn=http,
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
    return balancer, {
        "target_group": group,
        "listener": http,
        "primary": primary,
        "canary": canary,
        "rule": rule,
    }


def seed(endpoint: str, *, second: bool = False) -> Sample:
    """Create the sample environment (its services start rolling out; the caller waits for them); with
    `second`, the three services of one image in the second region too."""
    network = create_network(client(endpoint, "ec2"), services.PORT)
    balancer, lb = _demo(client(endpoint, "elbv2"), network)
    uri, digests = push_images(client(endpoint, "ecr"))
    # First: its rollouts then run while the rest is created, so waiting for them costs little more.
    other = second_region.seed(endpoint, uri) if second else ""
    ecs, logs = client(endpoint, "ecs"), client(endpoint, "logs")
    services.web(ecs, logs, uri, network, lb["target_group"])
    task_set = services.external(ecs, logs, uri, network, lb["primary"])
    names = ("elbv2", "ecs", "logs", "iam", "application-autoscaling", "cloudwatch")
    clients = {name: client(endpoint, name) for name in names}
    for role in services.TASK_ROLES:  # the roles every sample task definition names
        clients["iam"].create_role(
            RoleName=role, AssumeRolePolicyDocument=bluegreen.trust("ecs-tasks.amazonaws.com")
        )
    bg = bluegreen.codedeploy(clients, network, balancer.arn, uri)
    sw = switching.switch(clients, network, balancer.arn, uri)
    dual = switching.dual(clients, network, balancer.arn, uri)
    natives = native.native(clients, network, balancer.arn, uri)
    many.push_tags(client(endpoint, "ecr"), uri)
    many.seed(clients, network, balancer.arn, uri)
    return Sample(
        region=REGION,
        account_id=ACCOUNT_ID,
        cluster=services.CLUSTER,
        service=services.SERVICE,
        container=services.CONTAINER,
        container_port=services.PORT,
        repository=uri,
        images=digests,
        task_family=services.FAMILY,
        target_group_arn=lb["target_group"],
        load_balancer_arn=balancer.arn,
        listener_arn=lb["listener"],
        url=f"http://{balancer.dns}/",
        subnets=network.subnets,
        security_groups=network.security_groups,
        external_service=services.EXTERNAL_SERVICE,
        external_task_family=services.EXTERNAL_FAMILY,
        primary_task_set_arn=task_set,
        primary_target_group_arn=lb["primary"],
        canary_target_group_arn=lb["canary"],
        listener_rule_arn=lb["rule"],
        codedeploy_service=bluegreen.CODEDEPLOY_SERVICE,
        codedeploy_task_family=bluegreen.CODEDEPLOY_FAMILY,
        codedeploy_role_arn=bg["role"],
        blue_target_group_arn=bg["blue"],
        green_target_group_arn=bg["green"],
        production_listener_arn=bg["prod"],
        test_listener_arn=bg["test"],
        switch_service=switching.SWITCH_SERVICE,
        switch_prefix=switching.SWITCH_PREFIX,
        switch_target_group_arn=sw.group,
        switch_listener_arn=sw.listener,
        public_rule_arn=sw.public,
        preparing_rule_arn=sw.preparing,
        dual_service=switching.DUAL_SERVICE,
        dual_base=switching.DUAL_BASE,
        dual_routes=tuple(
            (route.public, route.preparing, prefix)
            for route, prefix in zip(dual, switching.DUAL_PREFIXES, strict=True)
        ),
        native=natives,
        second_region=other,
    )
