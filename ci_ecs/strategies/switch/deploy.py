"""`canary-deploy` and `deploy` by switching: a service and target groups per version, switched by rules."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2
from ci_ecs.errors import DeploymentFailed
from ci_ecs.model import Command, DeploymentRecord, Status, TechniqueName
from ci_ecs.output import counted
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.state import Moved
from ci_ecs.strategies.switch import canary, prepare, retire
from ci_ecs.strategies.switch.family import groups_of, plural, version_of
from ci_ecs.strategies.switch.prepare import Job

TECHNIQUE: TechniqueName = "switch"


@dataclass
class _Deploy:
    """A deploy's job: the prepare's, and the version it replaces (found once the switch is recorded)."""

    job: Job
    replaced: dict[str, Any] = field(default_factory=dict)  # the old version's service ({}: none)


def prepare_plan(ctx: Context) -> Plan:
    """`canary-deploy`: prepare the version beside the live one and put it on the preparing rules; with an
    analysis (or `canary.steps`), give it its share of the public traffic step by step, measured at each."""
    s, job = ctx.settings, prepare.job_for(ctx)
    preparing = prepare.steps(ctx, job)
    if canary.wanted(ctx) and s.analysis.enabled:
        preparing.insert(2, canary.check_step(ctx))  # after the read-only inspection, before any change
    return Plan(
        title=f"prepare {job.version} beside {s.service} (cluster {s.cluster})",
        steps=(*preparing, prepare.address_step(ctx, job), *canary.steps(ctx, job)),
        record=lambda status, reason: record(ctx, job, "canary-deploy", status, reason),
    )


def deploy_plan(ctx: Context) -> Plan:
    """`deploy`: prepare (or find prepared) the version, gate on health, switch the public rules, retire."""
    s, rules = ctx.settings, f"rule{plural(ctx.settings)}"
    deploy = _Deploy(prepare.job_for(ctx))
    job = deploy.job
    return Plan(
        title=f"deploy {job.version} to {s.service} (cluster {s.cluster}) by switching",
        steps=(
            *prepare.steps(ctx, job),
            Step(
                f"check at least {counted(s.switch.min_healthy, 'target')} healthy", lambda: _gate(ctx, job)
            ),
            Step("record the switch on the version's service", lambda: _record_switch(ctx, deploy)),
            Step(f"forward the public {rules} to both versions", lambda: _both(ctx, deploy)),
            Step("hold both versions in service", lambda: _overlap(ctx, job)),
            Step(f"forward the public {rules} to the new version only", lambda: _only_new(ctx, job)),
            Step("retire the old version", lambda: _retire_old(ctx, deploy)),
            Step("delete versions retired earlier", lambda: _delete_earlier(ctx, deploy)),
            Step("record the release in the service's tags", lambda: _record_release(ctx, deploy)),
        ),
        record=lambda status, reason: record(ctx, job, "deploy", status, reason, deploy.replaced),
    )


def _gate(ctx: Context, job: Job) -> str:
    shown = []
    for group in job.groups:
        gate = checks.healthy_at_least(ctx.aws, group, ctx.settings.switch.min_healthy)
        if not gate.ok:
            raise DeploymentFailed(f"{gate.reason} — the public rules were not touched")
        shown.append(gate.reason)
    return ", ".join(shown)


def _record_switch(ctx: Context, deploy: _Deploy) -> str:
    job = deploy.job
    tags = ecs.tags_of(job.service)
    if job.is_live():
        deploy.replaced = job.family.by_name(tags.get(state.PREVIOUS_SERVICE, "")) or {}
        return f"switched already; the previous version is {tags.get(state.PREVIOUS_VERSION) or 'none'}"
    deploy.replaced = job.live.service
    marks = {
        state.PREVIOUS_SERVICE: job.live.service["serviceName"],
        state.PREVIOUS_VERSION: version_of(job.live.service, ctx.settings.service),
        state.PREVIOUS_TASK_DEFINITION: str(job.live.service["taskDefinition"]),
    }
    if any(tags.get(k) != v for k, v in marks.items()):
        ecs.tag(ctx.aws, job.service["serviceArn"], marks)
    return f"{job.version} replaces {marks[state.PREVIOUS_VERSION]} ({marks[state.PREVIOUS_SERVICE]})"


def _both(ctx: Context, deploy: _Deploy) -> str:
    job = deploy.job
    if job.is_live():
        return "they already do"
    shown = []
    for rules, old, new in zip(job.family.rules, groups_of(deploy.replaced), job.groups, strict=True):
        if new not in rules.public:
            elbv2.forward(ctx.aws, rules.route.public_rule, {old: 50, new: 50})
        shown.append(f"{elbv2.target_group_name(old)} 50 : {elbv2.target_group_name(new)} 50")
    return "; ".join(shown)


def _overlap(ctx: Context, job: Job) -> str:
    if job.is_live():
        return "switched already"
    seconds = ctx.settings.switch.overlap
    time.sleep(seconds)  # a guard against dropped connections: both versions serve for a while
    return f"{seconds:g}s"


def _only_new(ctx: Context, job: Job) -> str:
    if job.is_live():
        return "they already do"
    for rules, new in zip(job.family.rules, job.groups, strict=True):
        elbv2.forward(ctx.aws, rules.route.public_rule, {new: 1})
        rules.public = {new: 1}
    return f"public traffic goes to {job.version} only"


def _retire_old(ctx: Context, deploy: _Deploy) -> str:
    # Only once every public rule has moved: the old version served all of them until now.
    old = deploy.replaced
    if not old:
        return "no earlier version"
    current = ecs.find_service(ctx.aws, old["clusterArn"], old["serviceName"])
    return retire.retire(ctx, current) if current else f"{old['serviceName']} is gone"


def _delete_earlier(ctx: Context, deploy: _Deploy) -> str:
    # Earlier runs' obsolete versions; the one just retired stays for rollback.
    keep = {deploy.job.service["serviceName"], deploy.replaced.get("serviceName", "")}
    return retire.delete_obsolete(ctx, deploy.job.family, keep)


def _record_release(ctx: Context, deploy: _Deploy) -> str:
    job, old = deploy.job, deploy.replaced
    moved = Moved(job.version, job.arn, version_of(old, ctx.settings.service) if old else None)
    moved = moved.replacing((moved.previous_version, str(old.get("taskDefinition", ""))))
    extra = {state.SWITCH: ctx.settings.service, state.PREVIOUS_SERVICE: old.get("serviceName", "")}
    provenance = state.Provenance.of_release(ctx.require_release())
    return state.write_release(ctx.aws, job.service, TECHNIQUE, moved, provenance, extra=extra)


def record(
    ctx: Context,
    job: Job,
    command: Command,
    status: Status,
    reason: str | None,
    replaced: dict[str, Any] | None = None,
) -> DeploymentRecord:
    """The DeploymentRecord of a prepare or deploy job."""
    previous = replaced or job.live.service
    moved = Moved(
        ctx.require_release().version,
        job.arn,
        version_of(previous, ctx.settings.service) if previous else None,
        str(previous.get("taskDefinition", "")),
    )
    details = {"target_group": elbv2.target_group_name(job.groups[0]) if job.groups else ""}
    return state.deployment_record(
        ctx.job(command, TECHNIQUE, job.names.service), moved, status, reason, ctx.aws.calls, details
    )
