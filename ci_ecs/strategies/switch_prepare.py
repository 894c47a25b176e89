"""`switch` prepare: the version's target group and service beside the live one, on the preparing rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.runner import Step
from ci_ecs.strategies import canary_taskset, switch_retire
from ci_ecs.strategies import switch_autoscaling as scaling
from ci_ecs.strategies import switch_state as state
from ci_ecs.strategies.common import (
    Context,
    Live,
    learn_secrets,
    pin_image,
    register_revision,
    render_revision,
)
from ci_ecs.strategies.switch_names import Names, names


@dataclass
class Job:
    """What the steps of one switch job learn from each other."""

    family: state.Family = field(default_factory=lambda: state.Family(""))
    names: Names | None = None
    live: Live = field(default_factory=Live)  # the service the public rule forwards to now
    new: dict[str, Any] = field(default_factory=dict)  # the rendered revision
    arn: str = ""
    service: dict[str, Any] | None = None  # the version's service
    group: str = ""  # the version's target group ARN

    @property
    def version(self) -> str:
        """The version this job deploys."""
        assert self.names is not None
        return self.names.version

    def is_live(self) -> bool:
        """Whether the public rule already forwards to this version only (a re-run after the switch)."""
        return bool(self.group) and set(self.family.public) == {self.group}


def steps(ctx: Context, job: Job) -> list[Step]:
    """Inspect; create (or find) the version's target group and service; put it on the preparing rule."""
    return [
        Step("inspect the switch rules and services", lambda: inspect(ctx, job), read_only=True),
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        Step("replace another version being prepared", lambda: _replace_other(ctx, job)),
        Step("mark the prepare on the live service", lambda: _mark(ctx, job), lambda: _undo(ctx)),
        Step("register the task definition", lambda: _register(ctx, job)),
        Step("create the version's target group", lambda: _target_group(ctx, job)),
        # ECS refuses a target group no listener forwards to: the rule first, then the service.
        Step("attach it to the preparing rule", lambda: _attach(ctx, job)),
        Step("create the version's service", lambda: _service(ctx, job)),
        Step("give it the live service's autoscaling", lambda: _autoscaling(ctx, job)),
        Step("wait until enough targets are healthy", lambda: healthy(ctx, job.group)),
    ]


def inspect(ctx: Context, job: Job) -> str:
    """Read the rules and services; compute and check every name before anything changes."""
    s = ctx.settings
    job.names = names(s.service, s.switch.prefix(s.service), ctx.require_release().version)
    job.family = state.read(ctx)
    job.service = job.family.by_name(job.names.service)
    job.group = state.group_of(job.service) if job.service else ""
    live = job.family.live(in_flight=job.version)
    assert live is not None
    job.live.service = live
    job.live.task_definition, job.live.task_definition_tags = ecs.describe_task_definition(
        ctx.aws, live["taskDefinition"]
    )
    learn_secrets(ctx.console, job.live.task_definition)
    where = f"service {job.names.service}, target group {job.names.target_group}"
    if job.is_live():
        return f"{job.version} is live ({where})"
    found = "exists" if job.service else "will be created"
    return (
        f"live: {live['serviceName']} ({state.version_of(live, s.service)}); {job.version}: {where} {found}"
    )


def _render(ctx: Context, job: Job) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _replace_other(ctx: Context, job: Job) -> str:
    marked = job.family.preparing_of()
    if marked is None or marked[1] == job.version:
        return "none"
    done = switch_retire.end_prepare(ctx, job.family, marked[0], marked[1])
    job.family = state.read(ctx)
    job.live.service = job.family.live(in_flight=job.version) or job.live.service
    return done


def _mark(ctx: Context, job: Job) -> str:
    if job.is_live():
        return f"not needed: {job.version} is live"
    tags = ecs.tags_of(job.live.service)
    if tags.get(state.PREPARING) == job.version:
        return f"{state.PREPARING}={job.version} already"
    # The switch tag keeps a hand-made first version in the family once no rule forwards to it.
    marks = {state.PREPARING: job.version, state.SWITCH: ctx.settings.service}
    was = " ".join(f"{w}@{arn}" for arn, w in job.family.preparing.items())
    if state.PREPARING_WAS not in tags and len(was) <= 256:
        marks[state.PREPARING_WAS] = was
    ecs.tag(ctx.aws, job.live.service["serviceArn"], marks)
    return f"{state.PREPARING}={job.version} on {job.live.service['serviceName']}"


def _undo(ctx: Context) -> str:
    family = state.read(ctx)
    marked = family.preparing_of()
    if marked is None:
        return "nothing being prepared"
    live = family.live()
    if live is not None and state.version_of(live, family.base) == marked[1]:
        # Traffic is on the new version already: taking it away now would be the outage.
        return f"{marked[1]} is live: not undone — re-run the deploy to finish retiring the old version"
    return switch_retire.end_prepare(ctx, family, marked[0], marked[1])


def _register(ctx: Context, job: Job) -> str:
    reuse = ""
    if job.service is not None and ecs.tags_of(job.service).get(state.VERSION) == job.version:
        reuse = str(job.service["taskDefinition"])
    if job.is_live() or reuse:
        job.arn = reuse or str(job.service["taskDefinition"] if job.service else "")
        return f"reusing {ecs.short_arn(job.arn)}, the revision of {job.version}'s service"
    job.arn, done = register_revision(ctx, job.live, job.new)
    return done


def _target_group(ctx: Context, job: Job) -> str:
    assert job.names is not None
    if job.group:
        return f"{elbv2.target_group_name(job.group)} exists"
    found = elbv2.find_target_group(ctx.aws, job.names.target_group)
    if found is None:
        live_group = state.group_of(job.live.service)
        like = elbv2.describe_target_groups(ctx.aws, [live_group])[live_group]
        tags = {state.SWITCH: ctx.settings.service, state.VERSION: job.version}
        found = elbv2.create_target_group(ctx.aws, job.names.target_group, like, tags)
        job.group = str(found["TargetGroupArn"])
        return f"created {job.names.target_group} with the health check of {like['TargetGroupName']}"
    job.group = str(found["TargetGroupArn"])
    return f"{job.names.target_group} exists"


def _service(ctx: Context, job: Job) -> str:
    assert job.names is not None
    if job.service is not None:
        return switch_retire.revive(ctx, job.service, job.live.service, job.arn)
    live = job.live.service
    balancers = [
        {**lb, "targetGroupArn": job.group}
        for lb in live.get("loadBalancers", [])
        if lb.get("targetGroupArn") == state.group_of(live)
    ]
    tags = {k: v for k, v in ecs.tags_of(live).items() if not k.startswith("ci-ecs:")}
    tags.update({state.SWITCH: ctx.settings.service, state.VERSION: job.version})
    like = {**live, "loadBalancers": balancers}
    job.service = ecs.create_service(ctx.aws, like, job.names.service, job.arn, live["desiredCount"], tags)
    return f"created {job.names.service}: {live['desiredCount']} task(s) of {ecs.short_arn(job.arn)}"


def _autoscaling(ctx: Context, job: Job) -> str:
    assert job.service is not None
    if job.is_live() or scaling.read(ctx.aws, job.service) is not None:
        return f"{job.service['serviceName']} has its autoscaling"
    found = scaling.read(ctx.aws, job.live.service)
    if found is None:
        return f"{job.live.service['serviceName']} has no autoscaling to copy"
    scaling.apply(ctx.aws, job.service, found, job.group)
    return f"{found.minimum}–{found.maximum} tasks, {len(found.policies)} polic(ies) as on the live service"


def _attach(ctx: Context, job: Job) -> str:
    if job.family.preparing == {job.group: 1} or job.is_live():
        return "it already is"
    rule = ctx.settings.switch.preparing_rule
    state.forward(ctx, rule, {job.group: 1})
    return f"the preparing rule forwards to {elbv2.target_group_name(job.group)}"


def healthy(ctx: Context, group: str) -> str:
    """Wait until `switch.min_healthy` targets of this target group are healthy."""
    wanted = ctx.settings.switch.min_healthy
    canary_taskset.wait_healthy(ctx, group, wanted)
    return f"at least {wanted} healthy target(s) in {elbv2.target_group_name(group)}"


def address_step(ctx: Context, job: Job) -> Step:
    """A step printing how to reach the prepared version through the preparing rule."""

    def show() -> str:
        where = elbv2.listener_address(ctx.aws, ctx.settings.switch.preparing_rule)
        how = state.conditions_text(job.family.preparing_conditions)
        return f"{job.version} answers at {where} with {how}"

    return Step("show how to reach it", show, read_only=True)
