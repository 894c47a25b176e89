"""The listeners CodeDeploy reroutes: forward weights between the blue and green target groups."""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import FakeAction, elbv2_backends

from ci_ecs.sandbox.elb import listeners


def _listener(account: str, region: str, arn: str) -> Any:
    backend = elbv2_backends[account][region]
    for balancer in list(backend.load_balancers.values()):
        if arn in balancer.listeners:
            return balancer.listeners[arn]
    return None


def exists(account: str, region: str, arn: str) -> bool:
    """Whether the listener exists."""
    return _listener(account, region, arn) is not None


def weights(account: str, region: str, arn: str) -> dict[str, int]:
    """Target group ARN → weight of the listener's default forward action."""
    listener = _listener(account, region, arn)
    action = listeners.forward_action(list(listener.default_actions)) if listener is not None else None
    return dict(listeners.forward_weights(action)) if action else {}


def serving(account: str, region: str, arn: str, pair: tuple[str, str]) -> str:
    """Which of the pair the listener sends traffic to now (the first one if neither)."""
    current = weights(account, region, arn)
    return next((group for group in pair if current.get(group, 0) > 0), pair[0])


def route(account: str, region: str, arns: tuple[str, ...], blue: str, green: str, green_weight: int) -> None:
    """Forward `100 - green_weight` : `green_weight` to blue and green on each listener.

    The default action changes, and so does every rule of the listener that forwards only to the pair.
    """
    groups = [
        {"TargetGroupArn": blue, "Weight": 100 - green_weight},
        {"TargetGroupArn": green, "Weight": green_weight},
    ]
    data = {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}
    for arn in arns:
        listener = _listener(account, region, arn)
        if listener is None:
            continue
        listener.default_actions = [FakeAction(dict(data))]
        listener._default_rule[0].actions = listener.default_actions
        for rule in list(listener._non_default_rules.values()):
            action = listeners.forward_action(rule.actions)
            if action and {group for group, _ in listeners.forward_weights(action)} <= {blue, green}:
                rule.actions = [FakeAction(dict(data))]
    listeners.attach_balancers(elbv2_backends[account][region])


def group_name(account: str, region: str, arn: str) -> str:
    """A target group's name (the ARN's `targetgroup/<name>/<id>`)."""
    group = elbv2_backends[account][region].target_groups.get(arn)
    return str(group.name) if group is not None else arn.split("/")[-2]
