"""`deploy` of a review environment: a service, target group and listener rule beside the template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2, listener_rules
from ci_ecs.errors import AwsError, DeploymentFailed, PreconditionError
from ci_ecs.model import DeploymentRecord, Status, TechniqueName
from ci_ecs.output import counted
from ci_ecs.review import names as naming
from ci_ecs.review.found import Found, find
from ci_ecs.review.names import Names
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, Live, inspect_service
from ci_ecs.strategies.revision import pin_image, register_revision, render_revision

TECHNIQUE: TechniqueName = "review"
TASKS = 1  # a review environment runs one task: it is for looking at, not for load
_PRIORITY_ATTEMPTS = 5  # another job may take the free priority between our read and our create


@dataclass
class Job:
    """What the steps of one review deploy learn from each other (the names are known before any call)."""

    names: Names
    url: str = ""
    found: Found = field(default_factory=Found)
    live: Live = field(default_factory=Live)  # the template service
    new: dict[str, Any] = field(default_factory=dict)  # the rendered revision
    arn: str = ""
    group: str = ""  # the environment's target group ARN
    service: dict[str, Any] = field(default_factory=dict)
    deployment: str = ""
    previous_version: str | None = None


def job_for(ctx: Context) -> Job:
    """The job of this environment: its slug and names, from the environment and the CI's variables."""
    slug = naming.slug_of(ctx.settings.environment, ctx.env)
    return Job(naming.names(ctx.settings.service, slug))


def address(ctx: Context, job: Job) -> str:
    """Where the environment answers (reads the listener, and its load balancer for a path rule)."""
    review = ctx.settings.review
    found = listener_rules.listener(ctx.aws, review.listener)
    dns = "" if review.host else listener_rules.dns_name(ctx.aws, str(found["LoadBalancerArn"]))
    job.url = naming.url(review, job.names.slug, str(found.get("Protocol", "HTTP")), int(found["Port"]), dns)
    return job.url


def plan(ctx: Context, job: Job) -> Plan:
    """Create (or update) the review environment and report where it answers."""
    s, release = ctx.settings, ctx.require_release()
    return Plan(
        title=f"deploy {release.version} to review environment {job.names.slug} ({job.names.service}, "
        f"cluster {s.cluster})",
        steps=(
            Step(
                f"inspect {s.service} and the review environments", lambda: _inspect(ctx, job), read_only=True
            ),
            Step("check the image", lambda: pin_image(ctx), read_only=True),
            Step("render the task definition", lambda: _render(ctx, job), read_only=True),
            Step("register the task definition", lambda: _register(ctx, job)),
            Step(f"create target group {job.names.target_group}", lambda: _target_group(ctx, job)),
            # ECS refuses a target group no listener forwards to: the rule first, then the service.
            Step("add the listener rule", lambda: _rule(ctx, job)),
            Step(f"create or update service {job.names.service}", lambda: _service(ctx, job)),
            Step("wait for the rollout", lambda: _wait(ctx, job)),
            Step("record the version in the service's tags", lambda: _record(ctx, job)),
            Step("show the address", lambda: f"{job.names.slug} answers at {job.url}", read_only=True),
        ),
        record=lambda status, reason: record(ctx, job, status, reason),
    )


def _inspect(ctx: Context, job: Job) -> str:
    s = ctx.settings
    inspect_service(ctx, job.live, controller=None)
    if not _template_balancer(job.live.service):
        raise PreconditionError(
            f"service: {s.service} has no target group: a review environment copies its container, port and "
            "health check from the template service's load balancer"
        )
    job.found = find(ctx, job.names)
    if job.found.stranger:
        raise PreconditionError(
            f"review: target group {job.names.target_group} exists and is not review environment "
            f"{job.names.slug}'s of {s.service} (no ci-ecs tags naming it) — delete or rename it"
        )
    others = sorted(job.found.others)
    if not job.found.exists and len(others) >= s.review.max:
        raise PreconditionError(
            f"review.max: {s.service} has {counted(len(others), 'review environment')} already "
            f"({', '.join(others)}), the most review.max {s.review.max} allows — stop one (`ci-ecs stop`) or "
            f"raise review.max (from {s.sources.get('review.max', 'default')})"
        )
    if job.found.service:
        job.previous_version = ecs.tags_of(job.found.service).get(state.VERSION)
    parts = [
        f"{what} exists" if there else f"{what} will be created"
        for what, there in (
            (f"service {job.names.service}", job.found.service),
            (f"target group {job.names.target_group}", job.found.group),
            ("its rule", job.found.rules),
        )
    ]
    return f"{'; '.join(parts)}; {counted(len(others), 'other review environment')} of {s.service}"


def _template_balancer(service: dict[str, Any]) -> dict[str, Any]:
    """The template's first load balancer entry that names a target group ({} when none does)."""
    return next((dict(lb) for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")), {})


def _render(ctx: Context, job: Job) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, job: Job) -> str:
    service = job.found.service
    if service and ecs.tags_of(service).get(state.VERSION) == ctx.require_release().version:
        job.arn = str(service["taskDefinition"])
        return f"reusing {ecs.short_arn(job.arn)}, the revision {job.names.service} runs"
    job.arn, done = register_revision(ctx, job.live, job.new)
    return done


def _target_group(ctx: Context, job: Job) -> str:
    if job.found.group:
        job.group = str(job.found.group["TargetGroupArn"])
        return f"{job.names.target_group} exists"
    like_arn = _template_balancer(job.live.service)["targetGroupArn"]
    like = elbv2.describe_target_groups(ctx.aws, [like_arn])[like_arn]
    try:
        created = elbv2.create_target_group(ctx.aws, job.names.target_group, like, _tags(ctx, job))
    except AwsError as exc:
        # A create whose reply was lost and was sent again: the first one made it.
        again = elbv2.find_target_group(ctx.aws, job.names.target_group)
        if exc.code != "DuplicateTargetGroupName" or again is None:
            raise
        created = again
    job.group = str(created["TargetGroupArn"])
    return f"created {job.names.target_group} with the health check of {like['TargetGroupName']}"


def _tags(ctx: Context, job: Job) -> dict[str, str]:
    return {state.REVIEW: job.names.slug, state.REVIEW_OF: ctx.settings.service}


def _rule(ctx: Context, job: Job) -> str:
    s = ctx.settings
    for extra in job.found.rules[1:]:  # a create repeated after a lost reply
        listener_rules.delete_rule(ctx.aws, str(extra["RuleArn"]))
    if job.found.rules:
        rule = job.found.rules[0]
        if elbv2.weights_of(list(rule.get("Actions", []))) != {job.group: 1}:
            elbv2.forward(ctx.aws, str(rule["RuleArn"]), {job.group: 1})
            return f"rule {rule['Priority']} forwards to {job.names.target_group} again"
        return f"rule {rule['Priority']} exists"
    conditions = naming.conditions(s.review, job.names.slug)
    taken = job.found.taken
    for attempt in range(_PRIORITY_ATTEMPTS):
        priority = naming.lowest_free(taken)
        try:
            created = listener_rules.create_rule(
                ctx.aws, s.review.listener, priority, conditions, job.group, _tags(ctx, job)
            )
        except AwsError as exc:
            if exc.code != "PriorityInUse" or attempt == _PRIORITY_ATTEMPTS - 1:
                raise
            taken = [str(r.get("Priority", "")) for r in listener_rules.rules(ctx.aws, s.review.listener)]
            continue
        job.found.rules = [created]
        break
    what = s.review.host or s.review.path
    return f"rule {priority}: {what.replace('{slug}', job.names.slug)} → {job.names.target_group}"


def _service(ctx: Context, job: Job) -> str:
    service = job.found.service
    if service:
        if ecs.short_arn(ecs.primary_deployment(service).get("taskDefinition", "")) == ecs.short_arn(job.arn):
            job.service, job.deployment = service, ecs.primary_deployment(service).get("id", "")
            return f"{job.names.service} already runs {ecs.short_arn(job.arn)}"
        job.service = ecs.update_service(
            ctx.aws, service, job.arn, circuit_breaker=ctx.settings.circuit_breaker
        )
        job.deployment = ecs.primary_deployment(job.service).get("id", "")
        return f"updated {job.names.service} to {ecs.short_arn(job.arn)}: deployment {job.deployment}"
    template = job.live.service
    balancer = {**_template_balancer(template), "targetGroupArn": job.group}
    like = {**template, "loadBalancers": [balancer]}
    tags = {k: v for k, v in ecs.tags_of(template).items() if not k.startswith(state.PREFIX)}
    tags.update({**_tags(ctx, job), state.VERSION: ctx.require_release().version})
    job.service = ecs.create_service(ctx.aws, like, job.names.service, job.arn, TASKS, tags)
    job.deployment = ecs.primary_deployment(job.service).get("id", "")
    return f"created {job.names.service}: {counted(TASKS, 'task')} of {ecs.short_arn(job.arn)}"


def _wait(ctx: Context, job: Job) -> str:
    s = ctx.settings
    result = checks.watch_rollout(
        ctx.aws,
        s.cluster,
        job.names.service,
        job.deployment,
        s.wait,
        ctx.console,
        circuit_breaker=s.circuit_breaker,
    )
    if not result.ok:
        raise DeploymentFailed(result.reason)
    return result.reason


def _record(ctx: Context, job: Job) -> str:
    version = ctx.require_release().version
    if ecs.tags_of(job.service).get(state.VERSION) == version:
        return f"{state.VERSION}={version} on {job.names.service} already"
    ecs.tag(ctx.aws, str(job.service["serviceArn"]), {state.VERSION: version})
    return f"{state.VERSION}={version} on {job.names.service}"


def record(ctx: Context, job: Job, status: Status, reason: str | None) -> DeploymentRecord:
    """The DeploymentRecord of a review deploy: the review service, its version and its address."""
    release = ctx.require_release()
    moved = state.Moved(release.version, job.arn, job.previous_version)
    details = {"url": job.url, "slug": job.names.slug, "image": release.reference}
    who = ctx.job("deploy", TECHNIQUE, job.names.service)
    return state.deployment_record(who, moved, status, reason, ctx.aws.calls, details)
