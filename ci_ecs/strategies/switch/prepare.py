"""`switch` prepare: the version's service and target groups beside the live one, on the preparing rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks, output
from ci_ecs.aws import ecs, elbv2, launches
from ci_ecs.errors import DeploymentFailed
from ci_ecs.output import counted
from ci_ecs.runner import Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, Live, learn_secrets
from ci_ecs.strategies.revision import pin_image, register_revision, render_revision
from ci_ecs.strategies.switch import autoscaling as scaling
from ci_ecs.strategies.switch import retire
from ci_ecs.strategies.switch.family import (
    Family,
    conditions_text,
    forwarding,
    groups_of,
    plural,
    read,
    routes,
    version_of,
)
from ci_ecs.strategies.switch.names import Names, names


@dataclass
class Job:
    """What the steps of one switch job learn from each other (the names are known before any call)."""

    names: Names  # the version's service, and its first route's target group
    target_groups: tuple[str, ...]  # the version's target group name on each route
    family: Family = field(default_factory=lambda: Family(""))
    live: Live = field(default_factory=Live)  # the service the public rules forward to now
    new: dict[str, Any] = field(default_factory=dict)  # the rendered revision
    arn: str = ""
    service: dict[str, Any] = field(default_factory=dict)  # the version's service ({}: not made yet)
    groups: list[str] = field(default_factory=list)  # the version's target group ARN on each route

    @property
    def version(self) -> str:
        """The version this job deploys."""
        return self.names.version

    def is_live(self) -> bool:
        """Whether every public rule already forwards to this version only (a re-run after the switch)."""
        return bool(self.service) and self.family.only_on(self.service)


def job_for(ctx: Context) -> Job:
    """The job of this release: every name computed and checked before anything is read or changed."""
    s, version = ctx.settings, ctx.require_release().version
    per_route = [names(s.service, route.name_prefix, version) for route in routes(s)]
    return Job(per_route[0], tuple(n.target_group for n in per_route))


def steps(ctx: Context, job: Job) -> list[Step]:
    """Inspect; create (or find) the version's target groups and service; put it on the preparing rules."""
    s = plural(ctx.settings)
    return [
        Step("inspect the switch rules and services", lambda: inspect(ctx, job), read_only=True),
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        Step("replace another version being prepared", lambda: _replace_other(ctx, job)),
        Step("mark the prepare on the live service", lambda: _mark(ctx, job), lambda: _undo(ctx, job)),
        Step("register the task definition", lambda: _register(ctx, job)),
        Step(f"create the version's target group{s}", lambda: _target_groups(ctx, job)),
        # ECS refuses a target group no listener forwards to: the rules first, then the service.
        Step(f"attach {'them' if s else 'it'} to the preparing rule{s}", lambda: _attach(ctx, job)),
        Step("create the version's service", lambda: _service(ctx, job)),
        Step("give it the live service's autoscaling", lambda: _autoscaling(ctx, job)),
        Step("wait until enough targets are healthy", lambda: healthy(ctx, job.groups)),
    ]


def inspect(ctx: Context, job: Job) -> str:
    """Read the rules and services, the live service and its revision, and the version's if it exists."""
    job.family = read(ctx)
    job.service = job.family.by_name(job.names.service) or {}
    job.groups = list(groups_of(job.service))
    live = job.family.live(in_flight=job.version)
    assert live is not None  # read() fails without one
    job.live.service = live
    job.live.task_definition, job.live.task_definition_tags = ecs.describe_task_definition(
        ctx.aws, live["taskDefinition"]
    )
    learn_secrets(ctx.console, job.live.task_definition)
    groups = output.plural(len(job.target_groups), "target group")
    where = f"service {job.names.service}, {groups} {', '.join(job.target_groups)}"
    if job.is_live():
        return f"{job.version} is live ({where})"
    found = "exists" if job.service else "will be created"
    live_version = version_of(live, ctx.settings.service)
    return f"live: {live['serviceName']} ({live_version}); {job.version}: {where} {found}"


def _render(ctx: Context, job: Job) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _replace_other(ctx: Context, job: Job) -> str:
    marked = job.family.preparing_of()
    if marked is None or marked[1] == job.version:
        return "none"
    done = retire.end_prepare(ctx, job.family, marked[0], marked[1])
    job.family = read(ctx)
    job.live.service = job.family.live(in_flight=job.version) or job.live.service
    return done


def _mark(ctx: Context, job: Job) -> str:
    if job.is_live():
        return f"not needed: {job.version} is live"
    tags = ecs.tags_of(job.live.service)
    if tags.get(state.SWITCH_PREPARING) == job.version:
        return f"{state.SWITCH_PREPARING}={job.version} already"
    # The switch tag keeps a hand-made first version in the family once no rule forwards to it.
    marks = {state.SWITCH_PREPARING: job.version, state.SWITCH: ctx.settings.service}
    was = retire.preparing_text(job.family)
    if state.SWITCH_PREPARING_WAS not in tags and len(was) <= 256:
        marks[state.SWITCH_PREPARING_WAS] = was
    ecs.tag(ctx.aws, job.live.service["serviceArn"], marks)
    return f"{state.SWITCH_PREPARING}={job.version} on {job.live.service['serviceName']}"


def _undo(ctx: Context, job: Job) -> str:
    family = read(ctx)
    marked = family.preparing_of()
    if marked is None:
        return "nothing being prepared"
    if marked[1] != job.version:
        # Another job prepares its own version now: that is theirs to finish or end.
        return f"left as it is: {marked[1]}, not {job.version}, is being prepared now"
    live = family.live(in_flight=marked[1])  # a canary may have half the public traffic: not live yet
    if live is not None and version_of(live, family.base) == marked[1]:
        # Traffic is on the new version already: taking it away now would be the outage.
        return f"{marked[1]} is live: not undone — re-run the deploy to finish retiring the old version"
    return retire.end_prepare(ctx, family, marked[0], marked[1])


def _register(ctx: Context, job: Job) -> str:
    if job.service and (job.is_live() or ecs.tags_of(job.service).get(state.VERSION) == job.version):
        job.arn = str(job.service["taskDefinition"])
        return f"reusing {ecs.short_arn(job.arn)}, the revision of {job.version}'s service"
    job.arn, done = register_revision(ctx, job.live, job.new)
    return done


def _target_groups(ctx: Context, job: Job) -> str:
    if job.groups:
        return f"{', '.join(map(elbv2.target_group_name, job.groups))} exist"
    done = []
    for name, like_arn in zip(job.target_groups, groups_of(job.live.service), strict=True):
        found = elbv2.find_target_group(ctx.aws, name)
        if found is None:
            like = elbv2.describe_target_groups(ctx.aws, [like_arn])[like_arn]
            tags = {state.SWITCH: ctx.settings.service, state.VERSION: job.version}
            found = elbv2.create_target_group(ctx.aws, name, like, tags)
            done.append(f"created {name} with the health check of {like['TargetGroupName']}")
        else:
            done.append(f"{name} exists")
        job.groups.append(str(found["TargetGroupArn"]))
    return "; ".join(done)


def _attach(ctx: Context, job: Job) -> str:
    if job.is_live():
        return "they already are"
    for rules, group in zip(job.family.rules, job.groups, strict=True):
        if rules.preparing != {group: 1}:
            elbv2.forward(ctx.aws, rules.route.preparing_rule, {group: 1})
            rules.preparing = {group: 1}
    return forwarding("preparing", job.groups)


def _service(ctx: Context, job: Job) -> str:
    if job.service:
        # Its tasks go behind its target groups whether or not reviving it updates the service (a re-run).
        launches.remember_service(ctx.aws, job.service)
        return retire.revive(ctx, job.service, job.live.service, job.arn)
    live = job.live.service
    moved = dict(zip(groups_of(live), job.groups, strict=True))
    balancers = [
        {**lb, "targetGroupArn": moved[lb["targetGroupArn"]]}
        for lb in live.get("loadBalancers", [])
        if lb.get("targetGroupArn") in moved
    ]
    tags = {k: v for k, v in ecs.tags_of(live).items() if not k.startswith(state.PREFIX)}
    tags.update({state.SWITCH: ctx.settings.service, state.VERSION: job.version})
    like = {**live, "loadBalancers": balancers}
    count = live["desiredCount"]
    job.service = ecs.create_service(ctx.aws, like, job.names.service, job.arn, count, tags)
    return f"created {job.names.service}: {counted(count, 'task')} of {ecs.short_arn(job.arn)}"


def _autoscaling(ctx: Context, job: Job) -> str:
    if job.is_live() or scaling.read(ctx.aws, job.service) is not None:
        return f"{job.service['serviceName']} has its autoscaling"
    found = scaling.read(ctx.aws, job.live.service)
    if found is None:
        return f"{job.live.service['serviceName']} has no autoscaling to copy"
    scaling.apply(
        ctx.aws, job.service, found, dict(zip(groups_of(job.live.service), job.groups, strict=True))
    )
    policies = counted(len(found.policies), "policy", "policies")
    return f"{found.minimum}–{found.maximum} tasks, {policies} as on the live service"


def healthy(ctx: Context, groups: list[str] | tuple[str, ...]) -> str:
    """Wait until `switch.min_healthy` targets of each of these target groups are healthy."""
    wanted = ctx.settings.switch.min_healthy
    for group in groups:
        result = checks.watch_healthy_count(ctx.aws, group, wanted, ctx.settings.wait, ctx.console)
        if not result.ok:
            raise DeploymentFailed(result.reason)
    names = ", ".join(map(elbv2.target_group_name, groups))
    return f"at least {counted(wanted, 'healthy target')} in {names}"


def address_step(ctx: Context, job: Job) -> Step:
    """A step printing how to reach the prepared version through each preparing rule."""

    def show() -> str:
        return "; ".join(
            f"{job.version} answers at {elbv2.listener_address(ctx.aws, r.route.preparing_rule)} "
            f"with {conditions_text(r.preparing_conditions)}"
            for r in job.family.rules
        )

    return Step("show how to reach it", show, read_only=True)
