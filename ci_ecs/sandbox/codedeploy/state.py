"""The engine's record of one ECS blue/green deployment, attached to moto's DeploymentInfo."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.models import ecs_backends

from ci_ecs.sandbox.codedeploy.appspec import AppSpec
from ci_ecs.sandbox.codedeploy.configs import TrafficConfig
from ci_ecs.sandbox.state import RUNTIME

_ATTR = "_ci_ecs_deploy"
LIFECYCLE = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
ACTIVE_PHASES = ("install", "ready", "shift", "terminate", "draining", "rollback")


@dataclass
class DeploySim:
    """One ECS blue/green deployment as CodeDeploy runs it."""

    account: str
    region: str
    cluster: str
    service: str
    pair: tuple[str, str]  # (blue, green) target group ARNs: blue serves production now
    prod: tuple[str, ...]
    test: tuple[str, ...]
    appspec: AppSpec
    config: TrafficConfig
    ready_wait: int | None  # ticks the replacement waits for ContinueDeployment; None: no wait
    termination: int | None  # ticks before blue is terminated; None: KEEP_ALIVE
    rollback_on_failure: bool
    phase: str = "install"
    since: int = field(default_factory=lambda: RUNTIME.now)
    blue_set: Any = None
    green_set: Any = None
    weight: int = 0  # the replacement's share of production traffic
    events: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {n: {"lifecycleEventName": n, "status": "Pending"} for n in LIFECYCLE}
    )
    target_status: str = "InProgress"
    updated: datetime = field(default_factory=utcnow)
    rollback_of: str | None = None  # for a rollback deployment: the deployment that triggered it


def sim_of(deployment: Any) -> DeploySim | None:
    """The engine record of a moto DeploymentInfo, if the engine runs it."""
    found: DeploySim | None = getattr(deployment, _ATTR, None)
    return found


def attach(deployment: Any, sim: DeploySim) -> None:
    """Let the engine run a deployment (it starts InProgress)."""
    setattr(deployment, _ATTR, sim)
    deployment.status, deployment.start_time = "InProgress", utcnow()


def ecs_service(sim: DeploySim) -> Any:
    """The moto ECS Service the deployment targets."""
    return ecs_backends[sim.account][sim.region]._get_service(sim.cluster, sim.service)


def new_id() -> str:
    """A deployment id as CodeDeploy makes them: `d-` and 9 upper-case letters or digits."""
    return "d-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=9))


def event(sim: DeploySim, name: str, status: str) -> None:
    """Move a lifecycle event to `status`, stamping its start and end."""
    record = sim.events[name]
    now = utcnow()
    record.setdefault("startTime", now)
    if status in ("Succeeded", "Failed", "Skipped"):
        record["endTime"] = now
    record["status"] = status
    sim.updated = now


def finish(deployment: Any, sim: DeploySim, status: str) -> None:
    """The deployment and its target end with `status`."""
    sim.phase, sim.target_status = "done", status
    deployment.status, deployment.complete_time = status, utcnow()
    sim.updated = utcnow()


def gone(service: Any, task_set: Any) -> bool:
    """Whether a task set has left its service (deleted and drained)."""
    return task_set is None or task_set not in service.task_sets
