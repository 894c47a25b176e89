"""The listener rules ECS reroutes in a BLUE_GREEN, LINEAR or CANARY deployment.

`advancedConfiguration.productionListenerRule` / `testListenerRule` name a listener rule (Application
Load Balancer) or a listener (Network Load Balancer); ECS sets their forward weights between the
service's two target groups itself.
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import FakeAction, elbv2_backends

from ci_ecs.sandbox.elb import listeners


def _listeners(account: str, region: str) -> list[Any]:
    backend = elbv2_backends[account][region]
    balancers = list(backend.load_balancers.values())
    return [item for balancer in balancers for item in list(balancer.listeners.values())]


def find(account: str, region: str, arn: str) -> tuple[Any, Any] | None:
    """(listener, rule) for a rule ARN, or (listener, None) for a listener ARN; None if neither exists."""
    for listener in _listeners(account, region):
        if listener.arn == arn:
            return listener, None
        for rule in list(listener.rules.values()):
            if rule.arn == arn:
                return listener, rule
    return None


def weights(account: str, region: str, arn: str) -> dict[str, int]:
    """Target group ARN → weight of the rule's (or listener's default) forward action."""
    found = find(account, region, arn)
    if found is None:
        return {}
    listener, rule = found
    actions = rule.actions if rule is not None else listener.default_actions
    action = listeners.forward_action(list(actions))
    return dict(listeners.forward_weights(action)) if action else {}


def split(percent: float) -> tuple[int, int]:
    """(source weight, target weight) for the target's share: whole percents as 100-w : w, tenths ×10."""
    if float(percent).is_integer():
        return 100 - int(percent), int(percent)
    target = round(percent * 10)
    return 1000 - target, target  # ALB weights are 0–999 each: 0.1 % steps need the finer scale


def route(account: str, region: str, arn: str | None, source: str, target: str, percent: float) -> bool:
    """Forward `100 - percent` : `percent` to the source and target groups; False if nothing changed."""
    found = find(account, region, arn) if arn else None
    if found is None:
        return False
    listener, rule = found
    old, new = split(percent)
    wanted = {source: old, target: new}
    if weights(account, region, str(arn)) == wanted:
        return False
    groups = [{"TargetGroupArn": source, "Weight": old}, {"TargetGroupArn": target, "Weight": new}]
    data = {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}
    if rule is None or getattr(rule, "is_default", False):  # a listener, or its default rule
        listener.default_actions = [FakeAction(dict(data))]
        listener._default_rule[0].actions = listener.default_actions
    else:
        rule.actions = [FakeAction(dict(data))]
    listeners.attach_balancers(elbv2_backends[account][region])
    return True


def forwards_to(account: str, region: str, arn: str, groups: set[str]) -> bool:
    """Whether the rule's forward action names only groups of `groups` (and at least one)."""
    found = set(weights(account, region, arn))
    return bool(found) and found <= groups
