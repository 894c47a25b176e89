"""The sample's switch side: `web-sw-v1` behind one load balancer's rules, `web-dual-v1` behind two."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ci_ecs.sandbox.seed import services
from ci_ecs.sandbox.seed.bluegreen import DESIRED, service
from ci_ecs.sandbox.seed.load_balancers import create_load_balancer, forward, listener, target_group
from ci_ecs.sandbox.seed.network import Network

SWITCH_PREFIX = SWITCH_FAMILY = "web-sw"
SWITCH_SERVICE = "web-sw-v1"
SWITCH_PORT = 8090
PUBLIC_HOST, PREPARING_HOST = "app.switch.test", "preparing.switch.test"
# Behind two load balancers (a public site and an admin site), each with its public and preparing rule.
DUAL_BASE = DUAL_FAMILY = "web-dual"
DUAL_SERVICE = "web-dual-v1"
DUAL_PREFIXES = ("web-dual", "web-dual-admin")
DUAL_HOSTS = (("app.dual.test", "preparing.dual.test"), ("admin.dual.test", "preparing.admin.dual.test"))
ADMIN_BALANCER = "demo-admin"
NOT_FOUND = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]


@dataclass(frozen=True)
class Route:
    """One way in: the version's target group, and the public and preparing rules that forward to it."""

    group: str
    listener: str
    public: str
    preparing: str


def _route(elbv2: Any, network: Network, listener_arn: str, group_name: str, hosts: tuple[str, str]) -> Route:
    """A target group and, on the listener, a public and a preparing rule (by host) forwarding to it."""
    group = target_group(elbv2, group_name, network.vpc)
    taken = [r["Priority"] for r in elbv2.describe_rules(ListenerArn=listener_arn)["Rules"]]
    first = 10 * (1 + sum(p != "default" for p in taken))
    rules = [
        elbv2.create_rule(
            ListenerArn=listener_arn,
            Priority=first + offset,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
            Actions=forward(group),
        )["Rules"][0]["RuleArn"]
        for offset, host in enumerate(hosts)
    ]
    return Route(group, listener_arn, rules[0], rules[1])


def _autoscaled(clients: dict[str, Any], name: str) -> None:
    """Autoscaling 2–4 tasks on CPU for the service: what must be removed before it can be scaled to 0."""
    target = {
        "ServiceNamespace": "ecs",
        "ResourceId": f"service/{services.CLUSTER}/{name}",
        "ScalableDimension": "ecs:service:DesiredCount",
    }
    scaling = clients["application-autoscaling"]
    scaling.register_scalable_target(**target, MinCapacity=DESIRED, MaxCapacity=4)
    scaling.put_scaling_policy(
        **target,
        PolicyName=f"{name}-cpu50",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    )


def _switch_service(
    clients: dict[str, Any], network: Network, name: str, family: str, uri: str, routes: list[Route]
) -> None:
    """The version's service on v1 in each route's target group, tagged as ci-ecs would, autoscaled."""
    service(
        clients,
        name,
        family,
        f"{uri}:v1",
        network,
        [r.group for r in routes],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        tags=[{"key": "ci-ecs:version", "value": "v1"}],
    )
    _autoscaled(clients, name)


def switch(clients: dict[str, Any], network: Network, balancer: str, uri: str) -> Route:
    """`web-sw-v1` (2 tasks on v1, autoscaled 2–4) in `web-sw-v1`; public and preparing rules on :8090."""
    switch_listener = listener(clients["elbv2"], balancer, SWITCH_PORT, NOT_FOUND)
    route = _route(clients["elbv2"], network, switch_listener, SWITCH_SERVICE, (PUBLIC_HOST, PREPARING_HOST))
    _switch_service(clients, network, SWITCH_SERVICE, SWITCH_FAMILY, uri, [route])
    return route


def dual(clients: dict[str, Any], network: Network, balancer: str, uri: str) -> tuple[Route, Route]:
    """`web-dual-v1` behind two load balancers: the demo ALB's :8090 and ALB `demo-admin`'s :80."""
    elbv2 = clients["elbv2"]
    admin = create_load_balancer(elbv2, ADMIN_BALANCER, network)
    listeners = (
        next(
            item["ListenerArn"]
            for item in elbv2.describe_listeners(LoadBalancerArn=balancer)["Listeners"]
            if item["Port"] == SWITCH_PORT
        ),
        listener(elbv2, admin.arn, 80, NOT_FOUND),
    )
    first, second = (
        _route(elbv2, network, arn, f"{prefix}-v1", hosts)
        for arn, prefix, hosts in zip(listeners, DUAL_PREFIXES, DUAL_HOSTS, strict=True)
    )
    _switch_service(clients, network, DUAL_SERVICE, DUAL_FAMILY, uri, [first, second])
    return first, second
