"""The ECS service scheduler for ECS-controller services: a rolling update within min/max percent."""

from __future__ import annotations

import math
from typing import Any

from ci_ecs.sandbox.ecs import deployments, events, launcher, tasks
from ci_ecs.sandbox.ecs.native import keeper
from ci_ecs.sandbox.elb import targets
from ci_ecs.sandbox.state import RUNTIME, ServiceSim, service_sim, task_sim

BY_SCHEDULER = "ServiceSchedulerInitiated"


def unhealthy_group(task: Any, load_balancers: list[dict[str, Any]]) -> str | None:
    """The ARN of a target group that has reported the task's target unhealthy for long enough, if any."""
    sim = task_sim(task)
    for lb in load_balancers:
        group = targets.find_group(task._account_id, task.region_name, lb.get("targetGroupArn", ""))
        port = int(lb.get("containerPort") or 0)
        record = targets.record_of(group, sim.ip, port) if sim and group is not None and port else None
        reported = RUNTIME.now - record.since >= RUNTIME.config.unhealthy_report_ticks if record else False
        if record is not None and record.state == "unhealthy" and reported:
            return str(group.arn)
    return None


def healthy_in(task: Any, load_balancers: list[dict[str, Any]]) -> bool:
    """RUNNING, past its container health check if it has one, and `healthy` in every target group."""
    sim = task_sim(task)
    if sim is None or task.last_status != "RUNNING" or task.desired_status != "RUNNING":
        return False
    if sim.health_checked and (sim.behaviour.crash or RUNTIME.now - sim.since <= RUNTIME.config.crash_ticks):
        return False  # its container health check passes after the time a `-crash` app takes to die
    for lb in load_balancers:
        group = targets.find_group(task._account_id, task.region_name, lb.get("targetGroupArn", ""))
        port = int(lb.get("containerPort") or 0)
        if group is not None and port and targets.state_of(group, sim.ip, port) != "healthy":
            return False
    return True


def is_healthy(task: Any, service: Any) -> bool:
    """RUNNING and `healthy` in every target group ECS registered it in (by default the service's)."""
    sim = task_sim(task)
    return healthy_in(task, tasks.load_balancers_of(sim) if sim is not None else service.load_balancers)


def stop_failing_health_checks(
    service: Any, mine: list[Any], load_balancers: list[dict[str, Any]] | None, task_set: str | None = None
) -> None:
    """ECS stops a task whose target stayed unhealthy ("Task failed ELB health checks"): a failed task.

    `load_balancers`: where the tasks are registered; None: where ECS registered each of them.
    """
    stopped = []
    for task in mine:
        record = task_sim(task)
        where = load_balancers
        if where is None and record is not None:
            where = tasks.load_balancers_of(record)
        arn = unhealthy_group(task, where or [])
        if arn is None or record is None or task.desired_status != "RUNNING":
            continue
        record.failed = True
        tasks.begin_stop(task, f"Task failed ELB health checks in (target-group {arn})", BY_SCHEDULER)
        events.add(
            service,
            f"(task {task.id}) (port {record.container_port}) is unhealthy in (target-group {arn}) "
            "due to (reason Health checks failed with these codes: [503]).",
            task_set,
        )
        stopped.append(task.id)
    events.stopped(service, stopped, task_set)


def reconcile(backend: Any, service: Any, mine: list[Any]) -> None:
    """One scheduler pass over a service and its tasks."""
    sim = service_sim(service)
    if sim is None:
        return
    if service.status != "ACTIVE":
        _drain_deleted(service, mine)
        return
    stop_failing_health_checks(service, mine, None)
    for task in mine:
        record = task_sim(task)
        if record is None:
            continue
        if record.failed and not record.failure_counted:
            record.failure_counted = True
            deployments.note_failure(service, sim, record.deployment_id)
        if not record.was_healthy and is_healthy(task, service):
            record.was_healthy = True
            deployments.note_healthy(service, sim, record.deployment_id)
    native = keeper.owning(service)
    if native is not None:  # a BLUE_GREEN, LINEAR or CANARY service deployment decides the tasks
        keeper.reconcile(backend, service, native, mine)
    else:
        deployments.check_breaker(service, sim)
        if service.deployments:
            _roll(backend, service, sim, mine)
    healthy = {t.task_arn for t in mine if is_healthy(t, service)}
    deployments.refresh(service, sim, mine, healthy)


def _roll(backend: Any, service: Any, sim: ServiceSim, mine: list[Any]) -> None:
    """Start tasks of the PRIMARY and stop the others, keeping within minimumHealthy/maximum percent."""
    config = deployments.configuration(service)
    desired = int(service.desired_count)
    # AWS: maximumPercent caps RUNNING+PENDING tasks (rounded down); minimumHealthyPercent is the floor
    # of RUNNING, healthy tasks (rounded up). Stopping tasks still count against the cap here.
    ceiling = math.floor(desired * int(config["maximumPercent"]) / 100)
    floor = math.ceil(desired * int(config["minimumHealthyPercent"]) / 100)
    primary = service.deployments[0]
    alive = [t for t in mine if t.last_status != "STOPPED"]
    wanted = [t for t in alive if t.desired_status == "RUNNING"]
    current = [t for t in wanted if tasks.deployment_of(t) == primary["id"]]
    old = [t for t in wanted if tasks.deployment_of(t) != primary["id"]]
    reason = f"Scaling activity initiated by (deployment {primary['id']})"
    to_stop: list[Any] = []
    if len(current) > desired:  # scale in: pending ones first, then the newest
        ranked = tasks.scale_in_order(current)
        to_stop.extend(ranked[: len(current) - desired])
        current = ranked[len(current) - desired :]
    healthy = sum(is_healthy(t, service) for t in wanted if t not in to_stop)
    for task in sorted(old, key=lambda t: is_healthy(t, service)):
        if not is_healthy(task, service):
            to_stop.append(task)
        elif healthy - 1 >= floor:
            to_stop.append(task)
            healthy -= 1
    draining = [
        t for t in to_stop if tasks.begin_stop(t, reason, BY_SCHEDULER) and t.last_status == "DEACTIVATING"
    ]
    if draining:
        events.add(service, f"has begun draining connections on {len(draining)} tasks.")
    events.stopped(service, [t.id for t in to_stop])
    if primary["rolloutState"] == "FAILED":
        return  # the circuit breaker stops launching tasks of a failed deployment
    started = []
    for _ in range(max(0, min(desired - len(current), ceiling - len(alive)))):
        try:
            started.append(launcher.launch(backend, service, primary).id)
        except Exception as exc:  # ECS reports placement failures as service events
            events.add(service, f"was unable to place a task. Reason: {exc}.")
            break
    events.started(service, started)


def _drain_deleted(service: Any, mine: list[Any]) -> None:
    """A deleted service (DRAINING) stops its tasks and turns INACTIVE once they are gone."""
    reason = "Service deleted"
    stopping = [t for t in mine if t.last_status != "STOPPED" and tasks.begin_stop(t, reason, BY_SCHEDULER)]
    events.stopped(service, [t.id for t in stopping])
    alive = [t for t in mine if t.last_status != "STOPPED"]
    service.running_count = sum(t.last_status == "RUNNING" for t in alive)
    service.pending_count = 0
    if not alive:
        service.status = "INACTIVE"


def stop_orphans(orphans: list[Any]) -> None:
    """Tasks whose service was replaced or removed are stopped by ECS."""
    for task in orphans:
        tasks.begin_stop(task, "Service deleted", BY_SCHEDULER)
