"""The tasks of a BLUE_GREEN, LINEAR or CANARY service while a service deployment runs.

ECS keeps the source revision's tasks until CLEAN_UP and starts the target revision's at SCALE_UP in
the alternate target group (both at the desired count: a blue/green deployment runs 200 %); a failed
task is replaced while the deployment is in progress. Tasks of a revision no longer wanted are stopped
(their targets drain first).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ci_ecs.sandbox.ecs import events, launcher, tasks
from ci_ecs.sandbox.ecs.native.model import Deployment, latest
from ci_ecs.sandbox.state import task_sim

BY_SCHEDULER = "ServiceSchedulerInitiated"
FINISHED = ("SUCCESSFUL", "ROLLBACK_SUCCESSFUL")


def owning(service: Any) -> Deployment | None:
    """The service deployment that decides the service's tasks: the newest one, unless it has finished."""
    found = latest(service)
    return found if found is not None and found.status not in FINISHED else None


def wanted(deployment: Deployment) -> dict[str, int]:
    """ECS deployment id → how many tasks of that revision ECS keeps."""
    desired = int(deployment.service.desired_count)
    counts: dict[str, int] = {}
    if deployment.sources and deployment.source_wanted:
        counts[deployment.sources[0].deployment_id] = desired
    if deployment.target_wanted:
        counts[deployment.target.deployment_id] = desired
    return counts


def _may_launch(deployment: Deployment, deployment_id: str) -> bool:
    if deployment_id != deployment.target.deployment_id:
        return deployment.status in ("PENDING", "IN_PROGRESS")
    return deployment.status == "IN_PROGRESS" and not deployment.breaker_tripped


def reconcile(backend: Any, service: Any, deployment: Deployment, mine: list[Any]) -> None:
    """Start and stop tasks so that each revision runs what the deployment wants of it now."""
    counts = wanted(deployment)
    frozen = deployment.status in ("ROLLBACK_REQUESTED", "STOP_REQUESTED")  # traffic moves first
    by_revision: dict[str | None, list[Any]] = defaultdict(list)
    for task in mine:
        if task.last_status != "STOPPED" and task.desired_status == "RUNNING":
            by_revision[tasks.deployment_of(task)].append(task)
    to_stop: list[Any] = []
    for deployment_id, alive in by_revision.items():
        keep = counts.get(str(deployment_id), 0)
        if deployment_id == deployment.target.deployment_id and frozen:
            keep = len(alive)
        ranked = tasks.scale_in_order(alive)
        to_stop.extend(ranked[: max(0, len(alive) - keep)])
    reason = f"Scaling activity initiated by (service-deployment {deployment.arn})"
    draining = [
        t for t in to_stop if tasks.begin_stop(t, reason, BY_SCHEDULER) and t.last_status == "DEACTIVATING"
    ]
    if draining:
        events.add(service, f"has begun draining connections on {len(draining)} tasks.")
    events.stopped(service, [t.id for t in to_stop])
    started = []
    for deployment_id, count in counts.items():
        if not _may_launch(deployment, deployment_id):
            continue
        ecs_deployment = next((d for d in service.deployments if d["id"] == deployment_id), None)
        revision = next(
            (r for r in [deployment.target, *deployment.sources] if r.deployment_id == deployment_id), None
        )
        if ecs_deployment is None or revision is None:
            continue
        for _ in range(max(0, count - len(by_revision.get(deployment_id, [])))):
            try:
                task = launcher.launch(backend, service, ecs_deployment, revision.load_balancers)
            except Exception as exc:  # ECS reports placement failures as service events
                events.add(service, f"was unable to place a task. Reason: {exc}.")
                break
            started.append(task.id)
    events.started(service, started)


def tasks_of(service: Any) -> list[Any]:
    """Every task the scheduler started for the service."""
    found = []
    for cluster_tasks in list(service._backend.tasks.values()):
        for task in list(cluster_tasks.values()):
            sim = task_sim(task)
            if sim is not None and sim.service is service:
                found.append(task)
    return found


def alive_of(service: Any, deployment_id: str) -> list[Any]:
    """The tasks of one revision that have not stopped yet."""
    alive = [t for t in tasks_of(service) if t.last_status != "STOPPED"]
    return [t for t in alive if tasks.deployment_of(t) == deployment_id]
