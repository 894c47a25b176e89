"""The preflight items of a technique: credentials, service, wiring, image, roles, log groups, permissions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import image_registry, render
from ci_ecs import release as releases
from ci_ecs.aws import ecs, elbv2, iam, identity, logs
from ci_ecs.aws.clients import missing_is
from ci_ecs.errors import AwsError, PreconditionError
from ci_ecs.iam_policy import technique_of
from ci_ecs.iam_policy.target import Technique
from ci_ecs.model import ImageRef
from ci_ecs.preflight import Item, NotChecked, Result, before_first_change, require, run, wiring
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies.context import Context, learn_secrets, live_task_definition, require_controller
from ci_ecs.strategies.revision import pin_image

CONTROLLERS: dict[Technique, str] = {"taskset": "EXTERNAL", "codedeploy": "CODE_DEPLOY"}
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException")


@dataclass
class Found:
    """What the items have read so far, for the items after them."""

    ctx: Context
    technique: Technique
    service: dict[str, Any] = field(default_factory=dict)
    task_definition: dict[str, Any] = field(default_factory=dict)


def items(
    ctx: Context,
    technique: Technique,
    *,
    job: bool = False,
    image: bool = True,
    image_by: Context | None = None,
) -> list[Item]:
    """Every item of the technique, in order; a `job`'s (deploy) leave out credentials and IAM permissions.

    `image_by` checks the image when not `ctx`: with `services:`, the job's own context, for the first
    service only (`image`) — the job pins the image once, with its own credentials, whatever the account.
    """
    found = Found(ctx, technique)
    service = "service" if technique != "switch" else "live service"
    # A job's own calls prove its credentials and permissions; a simulation cannot see every condition.
    listed = [
        *([] if job else [Item("credentials and region", lambda: _credentials(found))]),
        Item(service, lambda: _service(found)),
        Item("deployment controller", lambda: _controller(found), (service,)),
        Item("launch type", lambda: _launch_type(found), (service,)),
        Item("target groups", lambda: _target_groups(found), (service,)),
        *(Item(name, _bound(check, found), (service,)) for name, check in wiring.of(technique)),
        *([Item("image", lambda: check_image(image_by or ctx))] if image else []),
        Item("task definition", lambda: _task_definition(found), (service,)),
        Item("execution role", lambda: _role(found, "executionRoleArn"), ("task definition",)),
        Item("task role", lambda: _role(found, "taskRoleArn"), ("task definition",)),
        Item("log groups", lambda: _log_groups(found), ("task definition",)),
    ]
    if not job:
        from ci_ecs.preflight import permissions as simulated

        listed.append(Item("IAM permissions", lambda: simulated.check(ctx, technique)))
    return listed


def results_of(ctx: Context, *, job: bool = False) -> list[Result]:
    """Every item's result for the service — or for each service of `services:`, named by it, each by its
    own technique, region and account."""
    if not ctx.settings.services:
        return run(items(ctx, technique_of(ctx.settings), job=job))
    results: list[Result] = []
    for entry in ctx.settings.services:
        one = ctx.for_service(entry)
        first = entry == ctx.settings.services[0]
        found = run(items(one, technique_of(one.settings), job=job, image=first, image_by=ctx))
        results += [dataclasses.replace(r, name=f"{entry.service}: {r.name}") for r in found]
    return results


def before_changes(plan: Plan, ctx: Context) -> Plan:
    """The plan with the items (for a job) as a read-only step before its first change."""

    def check() -> str:
        results = results_of(ctx, job=True)
        require(results)
        unchecked = [r for r in results if r.status == "not checked"]
        for result in unchecked:
            ctx.console.warn(f"{result.name}: not checked: {result.detail}")
        return f"{len(results) - len(unchecked)} prerequisites in place"

    return before_first_change(plan, Step("check the prerequisites", check, read_only=True))


def _bound(check: Callable[[Context, dict[str, Any]], str], found: Found) -> Callable[[], str]:
    return lambda: check(found.ctx, found.service)


def _credentials(found: Found) -> str:
    account, arn = identity.caller_arn(found.ctx.aws)
    return f"{arn} (account {account}), region {found.ctx.aws.client('ecs').meta.region_name}"


def _service(found: Found) -> str:
    s = found.ctx.settings
    if found.technique == "switch":
        found.service = wiring.switch_live(found.ctx)
    else:
        found.service = ecs.describe_service(found.ctx.aws, s.cluster, s.service)
    service = found.service
    return (
        f"{service['serviceName']} in cluster {s.cluster}: "
        f"{service.get('runningCount', 0)}/{service.get('desiredCount', 0)} running"
    )


def _controller(found: Found) -> str:
    return require_controller(found.service, CONTROLLERS.get(found.technique, "ECS"))


def _launch_type(found: Found) -> str:
    service = found.service
    providers = [p.get("capacityProvider") for p in service.get("capacityProviderStrategy") or []]
    if providers:
        return "capacity providers " + ", ".join(map(str, providers))
    primary = [t for t in service.get("taskSets") or [] if t.get("status") == "PRIMARY"]
    launch = service.get("launchType") or (primary[0].get("launchType") if primary else None)
    if not launch:
        raise PreconditionError(
            f"service {service['serviceName']} names no launch type or capacity provider strategy — "
            "give it one (FARGATE, EC2) where the service is defined"
        )
    return str(launch)


def _target_groups(found: Found) -> str:
    balancers = found.service.get("loadBalancers") or []
    groups = [str(b["targetGroupArn"]) for b in balancers if b.get("targetGroupArn")]
    for primary in [t for t in found.service.get("taskSets") or [] if t.get("status") == "PRIMARY"]:
        groups += [str(b["targetGroupArn"]) for b in primary.get("loadBalancers") or []]
    groups = list(dict.fromkeys(groups))
    if not groups:
        return "none (the service has no load balancer)"
    for group in groups:
        with missing_is(
            f"target group {elbv2.target_group_name(group)} of service {found.service['serviceName']} does "
            f"not exist ({group}) — create it, or update the service's load balancers",
            ("TargetGroupNotFound",),
        ):
            elbv2.describe_target_groups(found.ctx.aws, [group])
    return ", ".join(map(elbv2.target_group_name, groups))


def check_image(ctx: Context) -> str:
    """The image to deploy exists: in ECR as every deploy pins it, elsewhere by the registry's v2 API."""
    if ctx.release is None:
        raise NotChecked("no version to check — pass --image REPO:TAG, or run in the CI pipeline")
    if releases.is_ecr(ctx.release.image) is None:
        return registry_image(ctx.release.image, ctx.env)
    return pin_image(ctx)


def registry_image(ref: ImageRef, env: Any) -> str:
    """The image exists in its (non-ECR) registry; NotChecked when the registry could not say."""
    answer = image_registry.require(ref, env)
    if answer.found == "unknown":
        raise NotChecked(answer.detail)
    return answer.detail


def _task_definition(found: Found) -> str:
    """The revision a deploy starts from: the template rendered for this release, else the live one."""
    ctx = found.ctx
    if ctx.settings.task_definition is not None and ctx.release is not None:
        found.task_definition = render.render_template(ctx.settings.task_definition, ctx.release, ctx.env)
        learn_secrets(ctx.console, found.task_definition)
        return f"{ctx.settings.task_definition} (family {found.task_definition.get('family')})"
    live = live_task_definition(found.service)
    found.task_definition, _ = ecs.describe_task_definition(ctx.aws, live)
    learn_secrets(ctx.console, found.task_definition)
    return ecs.short_arn(str(found.task_definition.get("taskDefinitionArn", live)))


def _role(found: Found, key: str) -> str:
    arn = str(found.task_definition.get(key) or "")
    if not arn:
        return "none"
    if "{{" in arn:
        raise NotChecked(f"{arn} is a template value")
    try:
        role = iam.get_role(found.ctx.aws, arn)
    except AwsError as exc:
        if exc.code in ACCESS_DENIED:
            raise NotChecked(f"{iam.role_name(arn)}: not allowed to read it (iam:GetRole)") from exc
        raise
    if role is None:
        raise PreconditionError(
            f"{key}: role {iam.role_name(arn)} of the task definition does not exist ({arn}) — create it "
            + (
                "(trusting ecs-tasks.amazonaws.com, with AmazonECSTaskExecutionRolePolicy) "
                if key == "executionRoleArn"
                else "(trusting ecs-tasks.amazonaws.com) "
            )
            + "or fix the task definition"
        )
    return str(role.get("Arn", arn))


def _log_groups(found: Found) -> str:
    groups: list[tuple[str | None, str]] = []
    for container in found.task_definition.get("containerDefinitions", []):
        config = container.get("logConfiguration") or {}
        options = config.get("options") or {}
        if config.get("logDriver") == "awslogs" and options.get("awslogs-group"):
            groups.append((options.get("awslogs-region"), str(options["awslogs-group"])))
    if not groups:
        return "none (no awslogs container)"
    missing = []
    for region, group in dict.fromkeys(groups):
        try:
            exists = logs.group_exists(found.ctx.aws, region, group)
        except AwsError as exc:
            if exc.code in ACCESS_DENIED:
                raise NotChecked(f"not allowed to look (logs:DescribeLogGroups): {exc}") from exc
            raise
        if not exists and not _creates_group(found.task_definition, group):
            missing.append(group)
    if missing:
        raise PreconditionError(
            f"log group {', '.join(missing)} does not exist — create it, or set awslogs-create-group: "
            '"true" in the container\'s log options (the execution role then needs logs:CreateLogGroup)'
        )
    return ", ".join(g for _, g in dict.fromkeys(groups))


def _creates_group(task_definition: dict[str, Any], group: str) -> bool:
    for container in task_definition.get("containerDefinitions", []):
        options = (container.get("logConfiguration") or {}).get("options") or {}
        creates = str(options.get("awslogs-create-group")).lower() == "true"
        if options.get("awslogs-group") == group and creates:
            return True
    return False
