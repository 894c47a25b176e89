"""The IAM actions the technique's jobs need, simulated for the caller (iam:SimulatePrincipalPolicy)."""

from __future__ import annotations

import re

from ci_ecs.aws import iam, identity
from ci_ecs.errors import AwsError, PreconditionError
from ci_ecs.iam_policy.target import Technique
from ci_ecs.preflight import NotChecked
from ci_ecs.strategies.context import Context

_ASSUMED = re.compile(r"arn:([\w-]+):sts::(\d{12}):assumed-role/([^/]+)/.+")


def check(ctx: Context, technique: Technique) -> str:
    """Every action of `ci-ecs iam-policy` allowed for the caller; NotChecked when it may not simulate."""
    from ci_ecs import iam_policy
    from ci_ecs.iam_policy import lookup

    where, _ = lookup.target(ctx.settings, technique)
    statements = iam_policy.policy(ctx.settings, technique, where)["Statement"]
    principal = _principal(ctx)
    refused: list[str] = []
    try:
        for statement in statements:
            actions = _listed(statement.get("Action", []))
            resources = [r for r in _listed(statement.get("Resource", [])) if r != "*" and "<" not in r]
            refused += iam.denied(ctx.aws, principal, actions, resources, _context(statement))
    except AwsError as exc:
        raise NotChecked(
            f"could not simulate the policies of {principal} ({exc.code}) — compare them with "
            "`ci-ecs iam-policy`"
        ) from exc
    if refused:
        shown = ", ".join(sorted(set(refused)))
        raise PreconditionError(
            f"{principal} is not allowed {shown} — grant them: `ci-ecs iam-policy` prints the policy"
        )
    return f"{sum(len(_listed(s.get('Action', []))) for s in statements)} actions allowed for {principal}"


def _principal(ctx: Context) -> str:
    """The IAM user or role to simulate (an assumed role's own ARN, with its path)."""
    _, arn = identity.caller_arn(ctx.aws)
    assumed = _ASSUMED.fullmatch(arn)
    if assumed is None:
        if ":user/" in arn or ":role/" in arn:
            return arn
        raise NotChecked(f"{arn} cannot be simulated (neither an IAM user nor a role)")
    try:
        role = iam.role_arn(ctx.aws, assumed[3])
    except AwsError as exc:
        raise NotChecked(f"could not read role {assumed[3]} ({exc.code})") from exc
    if role is None:
        raise NotChecked(f"role {assumed[3]} not found")
    return role


def _context(statement: dict[str, object]) -> dict[str, list[str]]:
    """The condition keys of the statement with the values the jobs' requests carry (the ones it allows)."""
    found: dict[str, list[str]] = {}
    condition = statement.get("Condition")
    for keys in condition.values() if isinstance(condition, dict) else ():
        for key, value in keys.items() if isinstance(keys, dict) else ():
            found[str(key)] = _listed(value)
    return found


def _listed(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
