"""The control-plane clock: a daemon thread that steps tasks, target health and the scheduler each tick."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

from moto.ecs.models import ecs_backends

from ci_ecs.sandbox.autoscaling import bounds
from ci_ecs.sandbox.codedeploy import engine
from ci_ecs.sandbox.ecs import scheduler, services, tasks, tasksets
from ci_ecs.sandbox.ecs.native import engine as service_deployments
from ci_ecs.sandbox.ecs.native import model as native
from ci_ecs.sandbox.elb import targets, traffic
from ci_ecs.sandbox.state import LOCK, PENDING_STATES, RUNTIME, service_sim, task_sim

LOG = logging.getLogger(__name__)


def _ecs_backends() -> list[Any]:
    return [backend for account in list(ecs_backends.values()) for backend in list(account.values())]


def _all_tasks(backend: Any) -> list[Any]:
    return [task for cluster_tasks in list(backend.tasks.values()) for task in list(cluster_tasks.values())]


def step() -> None:
    """One tick of simulated time (call with LOCK held)."""
    RUNTIME.now += 1
    backends = _ecs_backends()
    for backend in backends:
        for service in list(backend.services.values()):
            if service_sim(service) is None:
                services.adopt(service)  # created some other way than CreateService over HTTP
        for task in _all_tasks(backend):
            tasks.advance(task)
    by_ip = _tasks_by_ip(backends)
    targets.step(by_ip)
    for backend in backends:
        _schedule(backend)
        tasksets.step(backend)
        _count_clusters(backend)
    service_deployments.step()
    engine.step()
    bounds.step()
    traffic.step(by_ip)


def _tasks_by_ip(backends: list[Any]) -> dict[tuple[str, str, str], Any]:
    """Each private IP's task, a live one winning over a stopped one."""
    index: dict[tuple[str, str, str], Any] = {}
    for backend in backends:
        for task in _all_tasks(backend):
            sim = task_sim(task)
            if sim is None or not sim.ip:
                continue
            key = (backend.account_id, backend.region_name, sim.ip)
            if key not in index or task.last_status != "STOPPED":
                index[key] = task
    return index


def _schedule(backend: Any) -> None:
    by_service: dict[int, list[Any]] = defaultdict(list)
    for task in _all_tasks(backend):
        sim = task_sim(task)
        if sim is not None and sim.service is not None:
            by_service[id(sim.service)].append(task)
    present = {id(s) for s in backend.services.values()}
    orphans = [
        t
        for key, mine in by_service.items()
        if key not in present
        for t in mine
        if t.desired_status == "RUNNING"
    ]
    scheduler.stop_orphans(orphans)
    for service in list(backend.services.values()):
        scheduler.reconcile(backend, service, by_service.get(id(service), []))


def _count_clusters(backend: Any) -> None:
    for cluster in list(backend.clusters.values()):
        mine = list(backend.tasks.get(cluster.name, {}).values())
        cluster.running_tasks_count = sum(t.last_status == "RUNNING" for t in mine)
        cluster.pending_tasks_count = sum(t.last_status in PENDING_STATES for t in mine)
        cluster.active_services_count = sum(
            s.status == "ACTIVE" and s.cluster_name == cluster.name for s in backend.services.values()
        )


def busy() -> bool:
    """Whether a deployment is IN_PROGRESS, a task set STABILIZING or a deleted service drains (LOCK held).

    A service deployment that waits at a PAUSE hook for ContinueServiceDeployment does not count: only a
    person (or the hook's timeout) moves it on.
    """
    for backend in _ecs_backends():
        if tasksets.busy(backend):
            return True
        for service in list(backend.services.values()):
            # A deleted service's last deployment stays as it was when deleted: it no longer moves.
            if service_sim(service) is None or service.status == "INACTIVE":
                continue
            if service.status == "DRAINING":
                return True
            if native.active(service) is not None:
                if not service_deployments.waiting_for_a_person(service):
                    return True
            elif any(d["rolloutState"] == "IN_PROGRESS" for d in service.deployments):
                return True
    return False


class Simulator:
    """Steps the simulation every `tick` seconds in a daemon thread."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ci-ecs-sandbox-simulator", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        """Start stepping."""
        self._thread.start()

    def stop(self) -> None:
        """Stop stepping and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(RUNTIME.config.tick):
            with LOCK:
                try:
                    step()
                except Exception as exc:  # keep the clock running; Sandbox.wait_idle reports it
                    if self.error is None:
                        LOG.exception("sandbox simulator step failed")
                    self.error = exc
