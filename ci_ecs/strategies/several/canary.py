"""`canary-deploy` of `services:`: a canary on each service that has one; the others wait for `deploy`."""

from __future__ import annotations

from ci_ecs.errors import ConfigError
from ci_ecs.model import ServiceState, Status
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.several import job, own
from ci_ecs.strategies.several.job import Service, TechniqueOf

LEFT = "no canary: the deploy job deploys it with the rest"


def plan(ctx: Context, technique_of: TechniqueOf) -> Plan:
    """Pin the image once; inspect the services with a canary; start each one's canary, wave by wave.

    A service has a canary when its technique has one (taskset, codedeploy, switch, native) or it sets
    `canary.mode`; the others (workers, say) are not changed: `deploy` rolls them out with the rest.
    """
    keep = ctx.settings.on_failure == "keep"

    def make(one: Context) -> Service:
        name, technique = technique_of(one.settings)
        if name == "rolling" and one.settings.canary.mode is None:
            return Service(one, left=LEFT)
        how = f"a {one.settings.canary.mode} canary" if name == "rolling" else name
        return Service(one, how, own=own.own(one, technique.canary_plan))

    groups = job.in_waves(ctx, make)
    others = [s.own for wave in groups for s in wave if s.own is not None]
    left = [s.name for wave in groups for s in wave if s.left]
    if not others:
        raise ConfigError(
            "services: no service has a canary — set `canary: {mode: task|service|taskset}` (or a "
            "technique with one) for a service that takes traffic, or run `deploy` "
            f"(from {ctx.settings.sources.get('services', 'the configuration')})"
        )
    steps = [Step("check the image", lambda: job.pin(ctx, groups), read_only=True)]
    if left:
        them = "it is" if len(left) == 1 else "they are"
        steps.append(Step(f"leave {', '.join(left)} as {them}", lambda: LEFT, read_only=True))
    steps += [step for o in others for step in own.inspection(o)]
    steps += [step for wave in groups for s in wave if s.own is not None for step in own.changes(s.own, keep)]
    return job.plan(ctx, groups, "canary-deploy", steps, _where(keep))


def _where(keep: bool) -> job.Where:
    def where(s: Service, status: Status) -> tuple[ServiceState, str]:
        if s.own is None:
            return "left alone", f"unchanged ({LEFT})"
        return own.where(s.own, status, keep, canary=True)

    return where
