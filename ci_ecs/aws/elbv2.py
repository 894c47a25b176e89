"""Elastic Load Balancing v2 calls: target health, weights, target groups and their tags."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.errors import DeploymentFailed
from ci_ecs.output import plural

if TYPE_CHECKING:
    from mypy_boto3_elbv2.type_defs import ActionTypeDef

_GROUP_GONE = ("TargetGroupNotFound",)


@dataclass(frozen=True)
class Target:
    """One registered target and its health."""

    id: str
    port: int | None
    state: str
    reason: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Sighting:
    """What one read of a target group's health saw, and when (monotonic time)."""

    at: float
    group: str
    targets: tuple[Target, ...]


# Every health read of a job, kept per AWS gateway: where the time went is measured from them afterwards
# (checks/slow_settings.py), at no cost of its own.
_SIGHTINGS: WeakKeyDictionary[Aws, list[Sighting]] = WeakKeyDictionary()


def sightings(aws: Aws) -> list[Sighting]:
    """Every target-health read made through this gateway so far, oldest first."""
    return list(_SIGHTINGS.get(aws, ()))


def target_health(aws: Aws, target_group_arn: str) -> list[Target]:
    """Every target of a target group with its current health state (the read is kept: `sightings`)."""
    elbv2 = aws.client("elbv2")
    reply = call(
        f"reading target health of {target_group_name(target_group_arn)}",
        elbv2.describe_target_health,
        TargetGroupArn=target_group_arn,
    )
    targets = [
        Target(
            id=d["Target"]["Id"],
            port=d["Target"].get("Port"),
            state=d.get("TargetHealth", {}).get("State", "unknown"),
            reason=d.get("TargetHealth", {}).get("Reason"),
            description=d.get("TargetHealth", {}).get("Description"),
        )
        for d in reply.get("TargetHealthDescriptions", [])
    ]
    _SIGHTINGS.setdefault(aws, []).append(Sighting(time.monotonic(), target_group_arn, tuple(targets)))
    return targets


def target_group_name(arn: str) -> str:
    """`web` from `arn:…:targetgroup/web/0123456789abcdef`."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn


def register_targets(aws: Aws, target_group_arn: str, targets: list[tuple[str, int]]) -> None:
    """Register IP targets (registering a registered target is fine)."""
    elbv2 = aws.client("elbv2")
    shown = ", ".join(f"{ip}:{port}" for ip, port in targets)
    call(
        f"registering target {shown} in {target_group_name(target_group_arn)}",
        elbv2.register_targets,
        TargetGroupArn=target_group_arn,
        Targets=[{"Id": ip, "Port": port} for ip, port in targets],
    )


def deregister_targets(aws: Aws, target_group_arn: str, targets: list[tuple[str, int]]) -> None:
    """Deregister IP targets; ELB starts draining them at once."""
    elbv2 = aws.client("elbv2")
    shown = ", ".join(f"{ip}:{port}" for ip, port in targets)
    call(
        f"deregistering target {shown} from {target_group_name(target_group_arn)}",
        elbv2.deregister_targets,
        TargetGroupArn=target_group_arn,
        Targets=[{"Id": ip, "Port": port} for ip, port in targets],
    )


def deregistration_delay(aws: Aws, target_group_arn: str) -> float:
    """How long the target group drains a deregistered target (seconds; AWS's default is 300)."""
    elbv2 = aws.client("elbv2")
    reply = call(
        f"reading the attributes of {target_group_name(target_group_arn)}",
        elbv2.describe_target_group_attributes,
        TargetGroupArn=target_group_arn,
    )
    for attribute in reply.get("Attributes", []):
        if attribute.get("Key") == "deregistration_delay.timeout_seconds":
            return float(attribute.get("Value", 300))
    return 300.0


def forward_weights(aws: Aws, rule_or_listener_arn: str) -> dict[str, int]:
    """Target group ARN → weight of the forward action of a listener rule (or a listener's default)."""
    elbv2 = aws.client("elbv2")
    if ":listener-rule/" in rule_or_listener_arn:
        rules = call(
            f"reading rule {_short(rule_or_listener_arn)}",
            elbv2.describe_rules,
            RuleArns=[rule_or_listener_arn],
        )["Rules"]
        actions = rules[0].get("Actions", [])
    else:
        listeners = call(
            f"reading listener {_short(rule_or_listener_arn)}",
            elbv2.describe_listeners,
            ListenerArns=[rule_or_listener_arn],
        )["Listeners"]
        actions = listeners[0].get("DefaultActions", [])
    return weights_of([dict(action) for action in actions])


def weights_of(actions: list[dict[str, Any]]) -> dict[str, int]:
    """Target group ARN → weight of the forward action among a rule's actions ({} when none forwards)."""
    for action in actions:
        if action.get("Type") != "forward":
            continue
        groups = action.get("ForwardConfig", {}).get("TargetGroups")
        if groups:
            return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}
        if action.get("TargetGroupArn"):
            return {action["TargetGroupArn"]: 1}
    return {}


def set_forward_weights(aws: Aws, rule_or_listener_arn: str, weights: dict[str, int]) -> None:
    """Forward a listener rule (or a listener's default action) to target groups by these weights."""
    elbv2 = aws.client("elbv2")
    action: ActionTypeDef = {
        "Type": "forward",
        "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": a, "Weight": w} for a, w in weights.items()]},
    }
    shown = ":".join(str(w) for w in weights.values())
    if ":listener-rule/" in rule_or_listener_arn:
        call(
            f"setting weights {shown} on rule {_short(rule_or_listener_arn)}",
            elbv2.modify_rule,
            RuleArn=rule_or_listener_arn,
            Actions=[action],
        )
    else:
        call(
            f"setting weights {shown} on listener {_short(rule_or_listener_arn)}",
            elbv2.modify_listener,
            ListenerArn=rule_or_listener_arn,
            DefaultActions=[action],
        )


def _short(arn: str) -> str:
    return arn.split("/", 1)[-1]


def describe_rules(aws: Aws, rule_arns: list[str]) -> dict[str, dict[str, Any]]:
    """Listener rules by ARN, with their conditions and actions (one call)."""
    elbv2 = aws.client("elbv2")
    reply = call(
        f"reading {plural(len(rule_arns), 'rule')} {', '.join(_short(a) for a in rule_arns)}",
        elbv2.describe_rules,
        RuleArns=rule_arns,
    )
    return {r["RuleArn"]: dict(r) for r in reply.get("Rules", [])}


def describe_target_groups(aws: Aws, arns: list[str]) -> dict[str, dict[str, Any]]:
    """Target groups by ARN (one call for up to 400)."""
    elbv2 = aws.client("elbv2")
    shown = ", ".join(target_group_name(a) for a in arns)
    what = f"describing {plural(len(arns), 'target group')} {shown}"
    reply = call(what, elbv2.describe_target_groups, TargetGroupArns=arns)
    return {g["TargetGroupArn"]: dict(g) for g in reply.get("TargetGroups", [])}


def find_target_group(aws: Aws, name: str) -> dict[str, Any] | None:
    """The target group of this name, or None."""
    elbv2 = aws.client("elbv2")
    reply = call_unless(
        _GROUP_GONE, f"looking for target group {name}", elbv2.describe_target_groups, Names=[name]
    )
    found = reply.get("TargetGroups", []) if reply else []
    return dict(found[0]) if found else None


_LIKE_KEYS = (
    "Protocol",
    "ProtocolVersion",
    "Port",
    "VpcId",
    "TargetType",
    "IpAddressType",
    "HealthCheckProtocol",
    "HealthCheckPort",
    "HealthCheckEnabled",
    "HealthCheckPath",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "Matcher",
)


def create_target_group(aws: Aws, name: str, like: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    """A new target group with the protocol, port, VPC and health check of `like`, tagged at creation."""
    elbv2 = aws.client("elbv2")
    params = {key: like[key] for key in _LIKE_KEYS if like.get(key) not in (None, "")}
    reply = call(
        f"creating target group {name} like {like.get('TargetGroupName')}",
        elbv2.create_target_group,
        Name=name,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        **params,
    )
    return dict(reply["TargetGroups"][0])


def delete_target_group(aws: Aws, arn: str) -> None:
    """Delete a target group; one already gone is fine."""
    elbv2 = aws.client("elbv2")
    call_unless(
        _GROUP_GONE,
        f"deleting target group {target_group_name(arn)}",
        elbv2.delete_target_group,
        TargetGroupArn=arn,
    )


def add_tags(aws: Aws, arn: str, tags: dict[str, str]) -> None:
    """Set tags on a target group (or other ELB resource), overwriting keys that exist."""
    elbv2 = aws.client("elbv2")
    call(
        f"tagging {target_group_name(arn)}",
        elbv2.add_tags,
        ResourceArns=[arn],
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def remove_tags(aws: Aws, arn: str, keys: list[str]) -> None:
    """Remove tags from a target group (or other ELB resource); absent keys are fine."""
    elbv2 = aws.client("elbv2")
    call(f"untagging {target_group_name(arn)}", elbv2.remove_tags, ResourceArns=[arn], TagKeys=keys)


def listener_address(aws: Aws, rule_arn: str) -> str:
    """`HTTP://<load balancer DNS name>:<port>` of the listener a rule belongs to."""
    elbv2 = aws.client("elbv2")
    listener_arn = rule_arn.replace(":listener-rule/", ":listener/").rsplit("/", 1)[0]
    listener = call(
        f"reading listener {_short(listener_arn)}", elbv2.describe_listeners, ListenerArns=[listener_arn]
    )["Listeners"][0]
    balancer = call(
        f"reading load balancer of listener {_short(listener_arn)}",
        elbv2.describe_load_balancers,
        LoadBalancerArns=[listener["LoadBalancerArn"]],
    )["LoadBalancers"][0]
    scheme = str(listener.get("Protocol", "HTTP")).lower()
    return f"{scheme}://{balancer.get('DNSName', '?')}:{listener.get('Port', '?')}"


def forward(aws: Aws, rule_or_listener_arn: str, weights: dict[str, int]) -> None:
    """Forward a rule (or listener) by these weights, then read it back: traffic moves only when AWS says so.

    DeploymentFailed when the rule reads otherwise.
    """
    set_forward_weights(aws, rule_or_listener_arn, weights)
    found = forward_weights(aws, rule_or_listener_arn)
    if found != weights:
        raise DeploymentFailed(
            f"rule {rule_or_listener_arn} did not take the weights {weights}: it reads {found}"
        )
