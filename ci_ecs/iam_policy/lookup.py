"""Where a policy points: account, region, the service's task family, roles and target groups — from the
settings' ARNs, else from AWS (the live service; sts:GetCallerIdentity), else placeholders to replace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ci_ecs.aws import ecs, identity
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import CiEcsError
from ci_ecs.iam_policy.target import Target, Technique, names
from ci_ecs.release import is_ecr
from ci_ecs.settings import Settings

_ARN = re.compile(r"arn:(aws[a-z-]*):[a-z0-9-]+:([a-z0-9-]*):(\d{12}):.+")
_PARTITIONS = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
)
ACCOUNT, REGION, FAMILY = "<account-id>", "<region>", "<task-family>"
Notes = list[str]


def target(settings: Settings, technique: Technique) -> tuple[Target, Notes]:
    """Where the settings' jobs act, and a note on every value guessed or left as a placeholder."""
    notes: Notes = []
    arns = [m for m in map(_ARN.fullmatch, _settings_arns(settings)) if m]
    ecr = is_ecr(settings.image) if settings.image else None
    region = settings.region or next((m[2] for m in arns if m[2]), "")
    region = region or identity.default_region() or (ecr[1] if ecr else "")
    account = arns[0][3] if arns else ""
    service: dict[str, Any] = {}
    task_definition: dict[str, Any] = {}
    if region:
        aws = Aws(region, settings.role_arn)  # a service in another account is read as its role
        service, task_definition = _live(aws, settings, technique, notes)
        account = account or _account_of(service) or _caller(aws, notes)
    if not account and ecr is not None:
        account = ecr[0]
        notes.append(f"the account {account} is that of the image's ECR registry")
    if not account:
        account = ACCOUNT
        notes.append(f"replace {ACCOUNT} with the account of the cluster")
    if not region:
        region = REGION
        notes.append(f"replace {REGION} with the cluster's region (or set `region:`)")
    where = Target(arns[0][1] if arns else _partition(region), region, account, FAMILY)
    return _with_service(where, technique, service, task_definition, notes), notes


def _with_service(
    where: Target,
    technique: Technique,
    service: dict[str, Any],
    task_definition: dict[str, Any],
    notes: Notes,
) -> Target:
    """The target with the live service's family, roles and target groups, or placeholders for them."""
    family = str(task_definition.get("family") or FAMILY)
    roles = tuple(task_definition[k] for k in ("taskRoleArn", "executionRoleArn") if task_definition.get(k))
    if not task_definition:
        roles = tuple(
            where.arn("iam", f"role/<{r}>", regional=False) for r in ("task-role", "execution-role")
        )
        notes.append(
            f"replace {FAMILY}, and the roles <task-role> and <execution-role> (remove any the task "
            "definition does not have)"
        )
    groups = tuple(
        lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")
    )
    if technique == "task" and not groups:
        groups = (where.arn("elasticloadbalancing", "targetgroup/<target-group>/*"),)
        notes.append("replace <target-group> with the service's target groups")
    # A native job sends the service's own lifecycle hooks back with each update: ECS checks their roles.
    hooks = (service.get("deploymentConfiguration") or {}).get("lifecycleHooks") or []
    hook_roles = tuple(h["roleArn"] for h in hooks if h.get("roleArn"))
    return Target(where.partition, where.region, where.account, family, roles, groups, hook_roles)


def _settings_arns(settings: Settings) -> Iterator[str]:
    """Every ARN the settings may hold (empty strings for those not set); the assumed role's first."""
    yield from (settings.role_arn or "", settings.cluster, settings.service)
    yield from (settings.canary.target_group or "", *settings.canary.listener_rules)
    cd = settings.codedeploy
    yield from (
        cd.service_role or "",
        *cd.target_groups,
        cd.production_listener or "",
        cd.test_listener or "",
    )
    for route in settings.switch.all_routes(settings.service):
        yield from (route.public_rule, route.preparing_rule)


def _partition(region: str) -> str:
    return next((partition for start, partition in _PARTITIONS if region.startswith(start)), "aws")


def _live(
    aws: Aws, settings: Settings, technique: Technique, notes: Notes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The live service (switch: one of its versions) and its task definition; {} when AWS cannot say."""
    cluster, name = names(settings)
    try:
        if technique == "switch":
            from ci_ecs.strategies.switch.family import is_version_of

            versions = [s for s in ecs.list_services(aws, cluster) if is_version_of(s, name)]
            service = min(versions, key=lambda s: str(s["serviceName"]), default=None)
        else:
            service = ecs.find_service(aws, cluster, name)
        if service is None:
            notes.append(f"service {name} was not found in cluster {cluster} ({aws.region})")
            return {}, {}
        return service, ecs.describe_task_definition(aws, str(service["taskDefinition"]))[0]
    except CiEcsError as exc:
        notes.append(f"could not read the service from AWS: {exc}")
        return {}, {}


def _account_of(service: dict[str, Any]) -> str:
    match = _ARN.fullmatch(str(service.get("serviceArn", "")))
    return match[3] if match else ""


def _caller(aws: Aws, notes: Notes) -> str:
    """The account of the credentials in use (sts:GetCallerIdentity), said in a note; '' when unknown."""
    try:
        account = identity.account(aws)
    except CiEcsError as exc:
        notes.append(f"could not read the account (sts:GetCallerIdentity): {exc}")
        return ""
    notes.append(f"the account {account} is that of the credentials used (sts:GetCallerIdentity)")
    return account
