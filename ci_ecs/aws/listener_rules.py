"""Listener rules as a whole: every rule of a listener with its tags, creating and deleting rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from ci_ecs.aws.clients import Aws, call, call_unless

if TYPE_CHECKING:
    from mypy_boto3_elbv2.type_defs import DescribeRulesInputTypeDef, RuleConditionTypeDef

TAGS_PER_CALL = 20  # DescribeTags takes at most 20 resource ARNs
_RULE_GONE = ("RuleNotFound",)


def _short(arn: str) -> str:
    return arn.split("/", 1)[-1]


def listener(aws: Aws, listener_arn: str) -> dict[str, Any]:
    """The listener (protocol, port, load balancer)."""
    elbv2 = aws.client("elbv2")
    found = call(
        f"reading listener {_short(listener_arn)}", elbv2.describe_listeners, ListenerArns=[listener_arn]
    )
    return dict(found["Listeners"][0])


def dns_name(aws: Aws, balancer_arn: str) -> str:
    """The load balancer's DNS name."""
    elbv2 = aws.client("elbv2")
    found = call(
        f"reading load balancer {_short(balancer_arn)}",
        elbv2.describe_load_balancers,
        LoadBalancerArns=[balancer_arn],
    )
    return str(found["LoadBalancers"][0].get("DNSName", ""))


def rules(aws: Aws, listener_arn: str) -> list[dict[str, Any]]:
    """Every rule of the listener (the default one too), each with its `Tags` as a dict."""
    elbv2 = aws.client("elbv2")
    found: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        params: DescribeRulesInputTypeDef = {"ListenerArn": listener_arn}
        if marker:
            params["Marker"] = marker
        page = call(f"reading the rules of listener {_short(listener_arn)}", elbv2.describe_rules, **params)
        found += [dict(rule) for rule in page.get("Rules", [])]
        marker = page.get("NextMarker")
        if not marker:
            break
    found_tags = tags(aws, [str(rule["RuleArn"]) for rule in found if not rule.get("IsDefault")])
    return [{**rule, "Tags": found_tags.get(str(rule["RuleArn"]), {})} for rule in found]


def tags(aws: Aws, arns: list[str]) -> dict[str, dict[str, str]]:
    """The tags of ELB resources (rules, target groups) by ARN, 20 a call."""
    elbv2 = aws.client("elbv2")
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(arns), TAGS_PER_CALL):
        batch = arns[start : start + TAGS_PER_CALL]
        reply = call(
            f"reading the tags of {', '.join(map(_short, batch))}", elbv2.describe_tags, ResourceArns=batch
        )
        for item in reply.get("TagDescriptions", []):
            found[item["ResourceArn"]] = {t["Key"]: t.get("Value", "") for t in item.get("Tags", [])}
    return found


def create_rule(
    aws: Aws,
    listener_arn: str,
    priority: int,
    conditions: list[dict[str, Any]],
    target_group_arn: str,
    tags: Mapping[str, str],
) -> dict[str, Any]:
    """A rule forwarding what matches `conditions` to one target group, tagged at creation."""
    elbv2 = aws.client("elbv2")
    reply = call(
        f"creating a rule with priority {priority} on listener {_short(listener_arn)}",
        elbv2.create_rule,
        ListenerArn=listener_arn,
        Priority=priority,
        Conditions=cast("list[RuleConditionTypeDef]", conditions),
        Actions=[{"Type": "forward", "TargetGroupArn": target_group_arn}],
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return dict(reply["Rules"][0])


def delete_rule(aws: Aws, rule_arn: str) -> None:
    """Delete a listener rule; one already gone is fine."""
    elbv2 = aws.client("elbv2")
    call_unless(_RULE_GONE, f"deleting rule {_short(rule_arn)}", elbv2.delete_rule, RuleArn=rule_arn)
