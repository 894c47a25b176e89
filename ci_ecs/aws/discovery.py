"""The read-only listings `ci-ecs init` makes around a service: ELB, CodeDeploy groups, IAM roles."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from ci_ecs.aws import codedeploy
from ci_ecs.aws.clients import Aws, call, call_unless


def listeners(aws: Aws, load_balancer_arn: str) -> list[dict[str, Any]]:
    """The load balancer's listeners, with their default actions."""
    client = aws.client("elbv2")
    doing = f"listing the listeners of {load_balancer_arn.split('/', 1)[-1]}"
    return _marked(doing, client.describe_listeners, "Listeners", LoadBalancerArn=load_balancer_arn)


def rules(aws: Aws, listener_arn: str) -> list[dict[str, Any]]:
    """The listener's rules (the default one included), with their conditions and actions."""
    client = aws.client("elbv2")
    doing = f"listing the rules of {listener_arn.split('/', 1)[-1]}"
    return _marked(doing, client.describe_rules, "Rules", ListenerArn=listener_arn)


def target_groups(aws: Aws) -> list[dict[str, Any]]:
    """Every target group of the region."""
    return _marked("listing target groups", aws.client("elbv2").describe_target_groups, "TargetGroups")


def _marked(doing: str, fn: Callable[..., Any], key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of an ELB listing, page after page (Marker, NextMarker)."""
    found: list[dict[str, Any]] = []
    while True:
        reply = call(doing, fn, **params)
        found += [dict(item) for item in reply.get(key, [])]
        if not reply.get("NextMarker"):
            return found
        params = {**params, "Marker": reply["NextMarker"]}


def codedeploy_groups(aws: Aws) -> list[dict[str, Any]]:
    """Every deployment group of every ECS CodeDeploy application."""
    client = aws.client("codedeploy")
    applications: list[str] = []
    token: dict[str, Any] = {}
    while True:
        reply = call("listing CodeDeploy applications", client.list_applications, **token)
        applications += reply.get("applications", [])
        if not reply.get("nextToken"):
            break
        token = {"nextToken": reply["nextToken"]}
    found: list[dict[str, Any]] = []
    for application in applications:
        listed = call_unless(
            ("ApplicationDoesNotExistException",),
            f"listing the deployment groups of {application}",
            client.list_deployment_groups,
            applicationName=application,
        )
        for name in listed.get("deploymentGroups", []) if listed is not None else []:
            group = codedeploy.get_group(aws, application, name)
            if group is not None:
                found.append(group)
    return found


def roles_assumed_by(aws: Aws, principal: str) -> list[str]:
    """The ARNs of the roles whose trust policy lets the AWS service `principal` assume them."""
    client = aws.client("iam")
    found: list[str] = []
    marker: dict[str, Any] = {}
    while True:
        reply = call("listing IAM roles", client.list_roles, **marker)
        found += [str(r["Arn"]) for r in reply.get("Roles", []) if principal in _trusted(r)]
        if not reply.get("IsTruncated"):
            return found
        marker = {"Marker": reply["Marker"]}


def _trusted(role: Any) -> set[str]:
    document = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(document, str):  # IAM returns it URL-encoded where botocore does not decode it
        document = json.loads(urllib.parse.unquote(document))
    statements = document.get("Statement", [])
    services: set[str] = set()
    for statement in statements if isinstance(statements, list) else [statements]:
        named = (statement.get("Principal") or {}).get("Service", [])
        services.update([named] if isinstance(named, str) else named)
    return services
