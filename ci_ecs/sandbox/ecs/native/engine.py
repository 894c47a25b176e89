"""The stage machine of BLUE_GREEN, LINEAR and CANARY service deployments, stepped every tick.

Each position of the plan (`plan.build`) is entered (its work starts: tasks, weights; its hooks run),
held for at least one tick (a first deployment, with nothing to shift, passes hookless stages at once)
and left when its hooks and its work are done. The monitors and failed hooks end it early (`rollback`).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox.ecs import events, scheduler
from ci_ecs.sandbox.ecs.native import counts, hooks, keeper, monitors, rollback, routing
from ci_ecs.sandbox.ecs.native.model import Deployment, all_services, latest
from ci_ecs.sandbox.state import RUNTIME, service_sim


def step() -> None:
    """Advance every moving service deployment by one tick (LOCK held)."""
    for service in all_services():
        deployment = latest(service)
        if deployment is not None and service.status == "ACTIVE":
            advance(deployment)
            service.current_service_revisions = counts.current_revisions(deployment)


def advance(deployment: Deployment) -> None:
    """One tick of one deployment."""
    if deployment.status == "PENDING":
        deployment.status, deployment.started_at = "IN_PROGRESS", utcnow()
        enter(deployment, 0)
        return
    if deployment.status in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"):
        rollback.advance(deployment)
        return
    if deployment.status == "STOP_REQUESTED":
        rollback.finish_stop(deployment)
        return
    if deployment.status != "IN_PROGRESS":
        return
    failure = monitors.check(deployment)
    if failure is not None:
        rollback.fail(deployment, failure.reason, failure.rollback)
        return
    failed = hooks.advance(deployment)
    if failed is not None:
        word = "timed out" if failed.status == "TIMED_OUT" else "failed"
        rollback.request(deployment, f"Lifecycle hook {failed.hook_id} at {failed.stage} {word}.")
        return
    while ready(deployment):
        if deployment.position == len(deployment.plan) - 1:
            succeed(deployment)
            return
        enter(deployment, deployment.position + 1)
        if _hold(deployment):
            return


def _hold(deployment: Deployment) -> int:
    return 1 if deployment.sources else 0


def ready(deployment: Deployment) -> bool:
    """Whether the current position's hooks and work are done and it has been held long enough."""
    held = RUNTIME.now - deployment.since >= _hold(deployment)
    return held and hooks.done(deployment) and work_done(deployment)


def work_done(deployment: Deployment) -> bool:
    """Whether the current position's own work (waiting, tasks starting or stopping) is done."""
    position, service = deployment.current, deployment.service
    if position is None:
        return False
    if position.work == "wait":
        return RUNTIME.now - deployment.since >= position.ticks
    if position.work == "scale_up":
        return target_ready(deployment)
    if position.work == "reconcile":
        return all(not keeper.alive_of(service, r.deployment_id) for r in deployment.sources[1:])
    if position.work == "clean_up":
        return not deployment.sources or not keeper.alive_of(service, deployment.sources[0].deployment_id)
    return True


def target_ready(deployment: Deployment) -> bool:
    """The target revision runs its desired count of tasks, all healthy in its target groups."""
    alive = keeper.alive_of(deployment.service, deployment.target.deployment_id)
    wanted = [t for t in alive if t.desired_status == "RUNNING"]
    balancers = deployment.target.load_balancers
    return len(wanted) >= int(deployment.service.desired_count) and all(
        scheduler.healthy_in(t, balancers) for t in wanted
    )


def enter(deployment: Deployment, index: int) -> None:
    """Enter a position of the plan: start its work and its hooks."""
    deployment.position, deployment.since = index, RUNTIME.now
    position = deployment.plan[index]
    service = deployment.service
    account, region = service._account_id, service.region_name
    if position.work == "reconcile":  # traffic to the surviving source FIRST; the others' tasks then go
        for pair in deployment.pairs:
            for rule in (pair.production_rule, pair.test_rule):
                routing.route(account, region, rule, pair.source_group, pair.target_group, 0)
    elif position.work == "scale_up":
        deployment.target_wanted = True
    elif position.work == "test_shift":
        deployment.test_weight = 100.0
        _route(deployment, "test", 100.0)
    elif position.work == "shift":
        deployment.prod_weight = position.weight
        _route(deployment, "production", position.weight)
    elif position.work == "clean_up":  # the target is the production revision from here on
        deployment.source_wanted = False
        service.load_balancers = copy.deepcopy(deployment.target.load_balancers)
    if position.hook_stage:
        hooks.start(deployment, position.hook_stage)
    deployment.touch()


def _route(deployment: Deployment, which: str, percent: float) -> None:
    service = deployment.service
    for pair in deployment.pairs:
        if pair.source_group == pair.target_group:
            continue  # a first deployment: its tasks are already where production goes
        rule = pair.production_rule if which == "production" else pair.test_rule
        account, region = service._account_id, service.region_name
        if routing.route(account, region, rule, pair.source_group, pair.target_group, percent):
            events.add(
                service,
                f"(service-deployment {deployment.arn}) shifted {percent:g}% of {which} traffic to "
                f"(target-group {pair.target_group}).",
            )


def succeed(deployment: Deployment) -> None:
    """SUCCESSFUL: the target's ECS deployment COMPLETED, its load balancers the service's."""
    service, now = deployment.service, utcnow()
    deployment.status, deployment.finished_at = "SUCCESSFUL", now
    deployment.touch()
    sim = service_sim(service)
    for ecs_deployment in service.deployments:
        if ecs_deployment["id"] == deployment.target.deployment_id:
            ecs_deployment["rolloutState"], ecs_deployment["updatedAt"] = "COMPLETED", now
            ecs_deployment["rolloutStateReason"] = f"ECS deployment {ecs_deployment['id']} completed."
            if sim is not None:
                sim.completed = (ecs_deployment["id"], ecs_deployment["taskDefinition"])
            events.add(service, f"(deployment {ecs_deployment['id']}) deployment completed.")


def waiting_for_a_person(service: Any) -> bool:
    """A deployment stands at a PAUSE hook with nothing else to do: only an action (or a timeout) moves it."""
    deployment = latest(service)
    if deployment is None or deployment.status != "IN_PROGRESS":
        return False
    return hooks.awaiting(deployment) and work_done(deployment)
