"""`deploy` of `services:`: one release to every service, wave by wave, each by its own technique."""

from __future__ import annotations

from ci_ecs.model import ServiceState, Status
from ci_ecs.output import plural
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.rolling import many
from ci_ecs.strategies.several import job, own
from ci_ecs.strategies.several.job import Service, TechniqueOf


def plan(ctx: Context, technique_of: TechniqueOf) -> Plan:
    """Pin the image once; inspect every service; then each wave: its rolling services updated at once,
    each other service by its technique's deploy (promoting its canary), the rolling ones followed
    together; record. A failure puts back what the job moved (with `keep`: what had not completed)."""
    keep = ctx.settings.on_failure == "keep"

    def make(one: Context) -> Service:
        name, technique = technique_of(one.settings)
        if name == "rolling":
            return Service(one, "rolling update", member=many.member(one))
        # Once deployed, back to the version it recorded before, by its technique's rollback.
        back = own.own(one, technique.deploy_plan, lambda ctx: technique.rollback_plan(ctx, None))
        return Service(one, name, own=back)

    groups = job.in_waves(ctx, make)
    rolling = job.members(groups)
    others = [s.own for wave in groups for s in wave if s.own is not None]
    steps = [Step("check the image", lambda: job.pin(ctx, groups), read_only=True)]
    if rolling:
        names = f"{plural(len(rolling), 'service')} {', '.join(m.name for m in rolling)}"
        steps += [Step(f"inspect {names}", lambda: many.inspect_all(ctx, rolling), read_only=True)]
    steps += [step for o in others for step in own.inspection(o)]
    revisions = plural(len(rolling), "task definition")
    if rolling:
        steps += [
            Step(f"render the {revisions}", lambda: many.render_all(ctx, rolling), read_only=True),
            Step(f"register the {revisions}", lambda: many.register_all(ctx, rolling)),
        ]
    for wave in groups:
        ours = [s.member for s in wave if s.member is not None]
        if ours:  # first, so that they roll out while the others deploy — and are put back after them
            steps.append(many.update_step(ctx, ours))
        steps += [step for s in wave if s.own is not None for step in own.changes(s.own, keep)]
        if ours:
            steps.append(many.wait_step(ctx, ours, lambda: many.finish(ctx, rolling)))
    if rolling:
        steps += [
            Step("record the release in each service's tags", lambda: many.record_all(rolling)),
            Step("remove the canaries", lambda: many.end_canaries(ctx, rolling)),
        ]
    return job.plan(ctx, groups, "deploy", steps, _where(keep))


def _where(keep: bool) -> job.Where:
    def where(s: Service, status: Status) -> tuple[ServiceState, str]:
        if s.member is not None:
            return many.where(s.member, status, keep)
        assert s.own is not None
        return own.where(s.own, status, keep)

    return where
