"""IAM calls: the roles ci-ecs hands to other services (CodeDeploy's service role)."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws.clients import Aws, call, call_unless


def role_name(arn: str) -> str:
    """`deploy` from `arn:aws:iam::123456789012:role/path/deploy`."""
    return arn.rsplit("/", 1)[-1]


def get_role(aws: Aws, arn: str) -> dict[str, Any] | None:
    """The role an ARN names, or None when it does not exist."""
    client = aws.client("iam")
    name = role_name(arn)
    reply = call_unless(("NoSuchEntity",), f"reading IAM role {name}", client.get_role, RoleName=name)
    return None if reply is None else dict(reply["Role"])


def role_arn(aws: Aws, name: str) -> str | None:
    """The ARN of the role of this name (with its path), or None when it does not exist."""
    found = get_role(aws, name)
    return None if found is None else str(found["Arn"])


def denied(
    aws: Aws,
    principal: str,
    actions: list[str],
    resources: list[str],
    context: dict[str, list[str]] | None = None,
) -> list[str]:
    """The actions (of `actions` on `resources`) the principal's policies do not allow, by simulation
    (`context`: the condition keys the requests would carry, with their values)."""
    client = aws.client("iam")
    extra: dict[str, Any] = {"ResourceArns": resources} if resources else {}
    if context:
        extra["ContextEntries"] = [
            {"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": "string"}
            for key, values in context.items()
        ]
    refused: list[str] = []
    paginator = client.get_paginator("simulate_principal_policy")
    pages = call(
        f"simulating the IAM policies of {principal}",
        lambda: list(paginator.paginate(PolicySourceArn=principal, ActionNames=actions, **extra)),
    )
    for page in pages:
        for result in page.get("EvaluationResults", []):
            if result.get("EvalDecision") != "allowed":
                refused.append(str(result.get("EvalActionName")))
    return refused
