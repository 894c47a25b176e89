"""`strategy: switch` (seed 003): a service and target group per version, switched on the public rule."""

from __future__ import annotations

import time
from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.errors import DeploymentFailed
from ci_ecs.model import DeploymentRecord
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import rollout as rollouts
from ci_ecs.strategies import switch_prepare, switch_retire
from ci_ecs.strategies import switch_state as state
from ci_ecs.strategies.common import Context, Live
from ci_ecs.strategies.rollout import Rollout
from ci_ecs.strategies.switch_prepare import Job

TECHNIQUE = "switch"


def prepare_plan(ctx: Context) -> Plan:
    """`canary-deploy`: prepare the version beside the live one and put it on the preparing rule."""
    s, job = ctx.settings, Job()
    steps = [*switch_prepare.steps(ctx, job), switch_prepare.address_step(ctx, job)]
    return Plan(
        title=f"prepare {ctx.require_release().version} beside {s.service} (cluster {s.cluster})",
        steps=tuple(steps),
        record=lambda status, reason: record(ctx, job, "canary-deploy", status, reason),
    )


def deploy_plan(ctx: Context) -> Plan:
    """`deploy`: prepare (or find prepared) the version, gate on health, switch the public rule, retire."""
    s, job = ctx.settings, Job()
    old: dict[str, Any] = {}
    steps = [
        *switch_prepare.steps(ctx, job),
        Step(f"check at least {s.switch.min_healthy} target(s) are healthy", lambda: _gate(ctx, job)),
        Step("record the switch on the version's service", lambda: _record_switch(ctx, job, old)),
        Step("forward the public rule to both versions", lambda: _both(ctx, job, old)),
        Step("hold both versions in service", lambda: _overlap(ctx, job, old)),
        Step("forward the public rule to the new version only", lambda: _only_new(ctx, job)),
        Step("retire the old version", lambda: _retire_old(ctx, job, old)),
        Step("delete versions retired earlier", lambda: _delete_earlier(ctx, job, old)),
        Step("record the release in the service's tags", lambda: _record_release(ctx, job, old)),
    ]
    return Plan(
        title=f"deploy {ctx.require_release().version} to {s.service} (cluster {s.cluster}) by switching",
        steps=tuple(steps),
        record=lambda status, reason: record(ctx, job, "deploy", status, reason, old),
    )


def rollback_plan(ctx: Context, to: str | None) -> Plan:
    """`rollback`: end a prepare, or return the public rule to the previous (or `to`) version."""
    from ci_ecs.strategies import switch_rollback

    return switch_rollback.plan(ctx, to)


def _gate(ctx: Context, job: Job) -> str:
    targets = elbv2.target_health(ctx.aws, job.group)
    healthy = sum(t.state == "healthy" for t in targets)
    wanted = ctx.settings.switch.min_healthy
    if healthy < wanted:
        raise DeploymentFailed(
            f"{elbv2.target_group_name(job.group)} has {healthy} healthy target(s), {wanted} needed — "
            "the public rule was not touched"
        )
    return f"{healthy}/{len(targets)} healthy"


def _record_switch(ctx: Context, job: Job, old: dict[str, Any]) -> str:
    assert job.service is not None
    tags = ecs.tags_of(job.service)
    if job.is_live():
        found = job.family.by_name(tags.get(state.PREVIOUS_SERVICE, ""))
        old.update(found or {})
        return f"switched already; the previous version is {tags.get(state.PREVIOUS_VERSION) or 'none'}"
    old.update(job.live.service)
    marks = {
        state.PREVIOUS_SERVICE: old["serviceName"],
        state.PREVIOUS_VERSION: state.version_of(old, ctx.settings.service),
        state.PREVIOUS_TD: str(old["taskDefinition"]),
    }
    if any(tags.get(k) != v for k, v in marks.items()):
        ecs.tag(ctx.aws, job.service["serviceArn"], marks)
    return f"{job.version} replaces {marks[state.PREVIOUS_VERSION]} ({old['serviceName']})"


def _both(ctx: Context, job: Job, old: dict[str, Any]) -> str:
    if job.is_live() or job.group in job.family.public:
        return "it already does"
    weights = {state.group_of(old): 50, job.group: 50}
    state.forward(ctx, ctx.settings.switch.public_rule, weights)
    return f"{elbv2.target_group_name(state.group_of(old))} 50 : {elbv2.target_group_name(job.group)} 50"


def _overlap(ctx: Context, job: Job, old: dict[str, Any]) -> str:
    if job.is_live():
        return "switched already"
    seconds = ctx.settings.switch.overlap
    time.sleep(seconds)  # the seed's guard against dropped connections: both versions serve for a while
    return f"{seconds:g}s"


def _only_new(ctx: Context, job: Job) -> str:
    if job.is_live():
        return "it already does"
    state.forward(ctx, ctx.settings.switch.public_rule, {job.group: 1})
    job.family.public = {job.group: 1}
    return f"public traffic goes to {job.version} only"


def _retire_old(ctx: Context, job: Job, old: dict[str, Any]) -> str:
    if not old:
        return "no earlier version"
    current = ecs.find_service(ctx.aws, old["clusterArn"], old["serviceName"])
    return switch_retire.retire(ctx, current) if current else f"{old['serviceName']} is gone"


def _delete_earlier(ctx: Context, job: Job, old: dict[str, Any]) -> str:
    assert job.service is not None
    # Earlier runs' obsolete versions; the one just retired stays for rollback.
    keep = {job.service["serviceName"], old.get("serviceName", "")}
    return switch_retire.delete_obsolete(ctx, job.family, keep)


def _record_release(ctx: Context, job: Job, old: dict[str, Any]) -> str:
    assert job.service is not None
    rollout = Rollout(job.version, job.arn, state.version_of(old, ctx.settings.service) if old else None)
    rollout.previous_arn = str(old.get("taskDefinition", ""))
    extra = {
        state.SWITCH: ctx.settings.service,
        state.PREVIOUS_SERVICE: old.get("serviceName", ""),
        state.ROLLED_BACK_FROM: "",
    }
    release = ctx.require_release()
    extra.update({"ci-ecs:commit": release.commit or "", "ci-ecs:pipeline": release.pipeline_url or ""})
    return rollouts.record(ctx, Live(service=job.service), rollout, TECHNIQUE, extra)


def record(
    ctx: Context, job: Job, command: str, status: str, reason: str | None, old: dict[str, Any] | None = None
) -> DeploymentRecord:
    """The DeploymentRecord of a prepare or deploy job."""
    previous = old or job.live.service
    return DeploymentRecord(
        command=command,
        technique=TECHNIQUE,
        service=job.names.service if job.names else ctx.settings.service,
        cluster=ctx.settings.cluster,
        version=ctx.require_release().version,
        task_definition=job.arn,
        previous_version=state.version_of(previous, ctx.settings.service) if previous else None,
        previous_task_definition=str(previous.get("taskDefinition", "")) or None,
        status=status,
        reason=reason,
        details={"target_group": elbv2.target_group_name(job.group) if job.group else ""},
        api_calls=dict(ctx.aws.calls),
    )
