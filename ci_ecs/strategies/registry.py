"""The one place that knows every technique: which a job uses, and the plans it gives each job."""

from __future__ import annotations

from collections.abc import Mapping

from ci_ecs.settings import Settings
from ci_ecs.strategies import canary, codedeploy, native, rolling, switch, taskset
from ci_ecs.strategies.several import canary as several_canary
from ci_ecs.strategies.several import deploy as several_deploy
from ci_ecs.strategies.several import rollback as several_rollback
from ci_ecs.strategies.technique import Name, Technique

# Rolling and task-set services get their canary from `canary.mode` (a canary beside the service):
# a rolling deploy ends it once the new revision is live, and a rollback ends it first.
TECHNIQUES: Mapping[Name, Technique] = {
    "rolling": Technique(
        canary.plan,
        lambda ctx: rolling.deploy_plan(ctx, canary.end_recorded),
        lambda ctx, to: canary.rollback_plan(ctx, to, rolling.rollback_plan),
    ),
    "taskset": Technique(
        canary.plan,
        taskset.deploy_plan,  # its task sets replace the canary's with the others
        lambda ctx, to: canary.rollback_plan(ctx, to, taskset.rollback_plan),
    ),
    "codedeploy": Technique(codedeploy.canary_plan, codedeploy.deploy_plan, codedeploy.rollback_plan),
    "switch": Technique(switch.prepare_plan, switch.deploy_plan, switch.rollback_plan),
    "native": Technique(native.canary_plan, native.deploy_plan, native.rollback_plan),
}


def name_of(settings: Settings) -> Name:
    """The technique of `strategy`; for rolling, an EXTERNAL service (canary.mode taskset) uses task sets."""
    if settings.strategy != "rolling":
        return settings.strategy
    return "taskset" if settings.canary.mode == "taskset" else "rolling"


def _of(settings: Settings) -> tuple[Name, Technique]:
    """A service's technique, by name."""
    name = name_of(settings)
    return name, TECHNIQUES[name]


# `services:` (several services, one release): each service by its own technique's plans.
SEVERAL = Technique(
    lambda ctx: several_canary.plan(ctx, _of),
    lambda ctx: several_deploy.plan(ctx, _of),
    lambda ctx, to: several_rollback.plan(ctx, to, _of),
)


def technique(settings: Settings) -> Technique:
    """The technique a job with these settings uses."""
    return SEVERAL if settings.services else TECHNIQUES[name_of(settings)]
