"""Task sets of EXTERNAL-controller services: scale → tasks, registration, counts, stabilityStatus."""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction
from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox.ecs import events, launcher, scheduler, tasks
from ci_ecs.sandbox.state import PENDING_STATES, TaskSetSim, attach_task_set, task_set_sim, task_sim

STEADY, STABILIZING = "STEADY_STATE", "STABILIZING"


def is_external(service: Any) -> bool:
    """Whether the service uses the EXTERNAL deployment controller (task sets made by its clients)."""
    return bool((service.deployment_controller or {}).get("type") == "EXTERNAL")


def uses_task_sets(service: Any) -> bool:
    """Whether the service runs task sets: EXTERNAL, or CODE_DEPLOY (task sets made by CodeDeploy)."""
    return (service.deployment_controller or {}).get("type") in ("EXTERNAL", "CODE_DEPLOY")


def drain(task_set: Any) -> None:
    """Delete a task set as ECS does: DRAINING while its targets deregister and its tasks stop, then gone."""
    if task_set.status != "DRAINING":
        task_set.status, task_set.updatedAt = "DRAINING", utcnow()
        task_set.computed_desired_count = 0
        set_stability(task_set, STABILIZING)


def computed_count(desired: int, scale: dict[str, Any] | None) -> int:
    """The task set's computedDesiredCount: desiredCount × scale %, rounded up (AWS: 1.2 → 2)."""
    value = Fraction(str((scale or {}).get("value", 100)))
    return math.ceil(desired * value / 100)


def desired_of(service: Any, task_set: Any) -> int:
    """The tasks a task set should run now: none once it drains or its service was deleted."""
    if task_set.status == "DRAINING" or service.status != "ACTIVE":
        return 0
    return computed_count(int(service.desired_count), task_set.scale)


def adopt(task_set: Any) -> TaskSetSim:
    """Let the simulator scale a task set: it starts STABILIZING with no tasks."""
    found = task_set_sim(task_set)
    if found is None:
        found = TaskSetSim()
        attach_task_set(task_set, found)
        task_set.computed_desired_count = task_set.pending_count = task_set.running_count = 0
        set_stability(task_set, STABILIZING)
    return found


def set_stability(task_set: Any, status: str) -> None:
    """stabilityStatus and, when it changes, stabilityStatusAt."""
    if getattr(task_set, "stabilityStatus", None) != status:
        task_set.stabilityStatus, task_set.stabilityStatusAt = status, utcnow()


def step(backend: Any) -> None:
    """One scheduler pass over the task sets of every EXTERNAL or CODE_DEPLOY service (LOCK held)."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for cluster_tasks in list(backend.tasks.values()):
        for task in list(cluster_tasks.values()):
            sim = task_sim(task)
            if sim is not None and sim.task_set is not None:
                grouped[id(sim.task_set)].append(task)
    known: set[int] = set()
    for service in list(backend.services.values()):
        if not uses_task_sets(service):
            continue
        alive = 0
        for task_set in list(service.task_sets):
            known.add(id(task_set))
            left = _reconcile(backend, service, task_set, grouped.get(id(task_set), []))
            alive += left
            if task_set.status == "DRAINING" and not left:
                service.task_sets.remove(task_set)  # a deleted task set is gone once its tasks stopped
        service.running_count = sum(int(s.running_count) for s in service.task_sets)
        service.pending_count = sum(int(s.pending_count) for s in service.task_sets)
        if service.status == "DRAINING" and not alive:
            service.status = "INACTIVE"
    for key, mine in grouped.items():
        if key not in known:  # its task set vanished some other way: ECS stops what is left
            for task in mine:
                tasks.begin_stop(task, "Task set deleted", scheduler.BY_SCHEDULER)


def _reconcile(backend: Any, service: Any, task_set: Any, mine: list[Any]) -> int:
    """Start or stop tasks toward the computed count; returns how many of its tasks have not stopped."""
    adopt(task_set)
    desired = desired_of(service, task_set)
    task_set.computed_desired_count = desired
    balancers = list(task_set.load_balancers)
    scheduler.stop_failing_health_checks(service, mine, balancers, task_set.id)
    wanted = [t for t in mine if t.desired_status == "RUNNING" and t.last_status != "STOPPED"]
    if len(wanted) > desired:  # scale in: pending ones first, then the newest
        ranked = tasks.scale_in_order(wanted)
        extra = ranked[: len(wanted) - desired]
        reason = f"Scaling activity initiated by (deployment {task_set.id})"
        draining = [
            t
            for t in extra
            if tasks.begin_stop(t, reason, scheduler.BY_SCHEDULER) and t.last_status == "DEACTIVATING"
        ]
        if draining:
            events.add(service, f"has begun draining connections on {len(draining)} tasks.", task_set.id)
        events.stopped(service, [t.id for t in extra], task_set.id)
    started: list[Any] = []
    for _ in range(desired - len(wanted)):
        try:
            started.append(_launch(backend, service, task_set))
        except Exception as exc:  # ECS reports placement failures as service events
            events.add(service, f"was unable to place a task. Reason: {exc}.", task_set.id)
            break
    events.started(service, [t.id for t in started], task_set.id)
    return _recount(task_set, mine + started, desired, balancers)


def _recount(task_set: Any, mine: list[Any], desired: int, balancers: list[dict[str, Any]]) -> int:
    """runningCount, pendingCount and stabilityStatus as the TaskSet API documents them."""
    alive = [t for t in mine if t.last_status != "STOPPED"]
    current = [t for t in alive if t.desired_status == "RUNNING"]
    running = sum(t.last_status == "RUNNING" for t in alive)
    pending = sum(t.last_status in PENDING_STATES for t in current)
    task_set.running_count, task_set.pending_count = running, pending
    # AWS: STEADY_STATE when runningCount == computedDesiredCount, pendingCount is 0 and every task
    # is healthy in its load balancers; otherwise STABILIZING.
    steady = running == desired and pending == 0 and all(scheduler.healthy_in(t, balancers) for t in current)
    if task_set.status == "DRAINING":
        steady = not alive
    set_stability(task_set, STEADY if steady else STABILIZING)
    return len(alive)


def _launch(backend: Any, service: Any, task_set: Any) -> Any:
    """One task of the task set (startedBy = task set id), spread over its subnets."""
    sim = adopt(task_set)
    network = launcher.rotated(task_set.network_configuration, sim.next_subnet)
    sim.next_subnet += 1
    return launcher.start(
        backend,
        service,
        task_set.task_definition,
        task_set.id,
        launch_type=task_set.launch_type,
        network=network,
        platform_version=task_set.platform_version,
        strategy=list(task_set.capacity_provider_strategy or []),
        load_balancers=list(task_set.load_balancers),
        task_set=task_set,
    )


def busy(backend: Any) -> bool:
    """Whether a task set of a task-set service is STABILIZING, or a deleted one still drains."""
    for service in list(backend.services.values()):
        if not uses_task_sets(service) or service.status == "INACTIVE":
            continue
        if service.status == "DRAINING":
            return True
        if any(getattr(s, "stabilityStatus", STEADY) != STEADY for s in service.task_sets):
            return True
    return False
