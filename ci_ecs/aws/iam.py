"""IAM calls: the roles ci-ecs hands to other services (CodeDeploy's service role)."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws.clients import Aws, call_unless


def role_name(arn: str) -> str:
    """`deploy` from `arn:aws:iam::123456789012:role/path/deploy`."""
    return arn.rsplit("/", 1)[-1]


def get_role(aws: Aws, arn: str) -> dict[str, Any] | None:
    """The role an ARN names, or None when it does not exist."""
    client = aws.client("iam")
    name = role_name(arn)
    reply = call_unless(("NoSuchEntity",), f"reading IAM role {name}", client.get_role, RoleName=name)
    return None if reply is None else dict(reply["Role"])
