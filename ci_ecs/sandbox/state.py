"""The simulator's own state, attached to moto's objects so that moto's reset wipes it too."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.sandbox.config import SimConfig

# One lock for everything: moto serves HTTP in other threads, the simulator steps in its own.
LOCK = threading.RLock()

_TASK_ATTR = "_ci_ecs_task"
_SERVICE_ATTR = "_ci_ecs_service"
_TARGETS_ATTR = "_ci_ecs_targets"
_TASK_SET_ATTR = "_ci_ecs_task_set"

PENDING_STATES = ("PROVISIONING", "PENDING", "ACTIVATING")
STOPPING_STATES = ("DEACTIVATING", "STOPPING", "DEPROVISIONING")


@dataclass
class Runtime:
    """The simulated clock (in ticks) and its configuration."""

    config: SimConfig = field(default_factory=SimConfig)
    now: int = 0


RUNTIME = Runtime()


@dataclass(frozen=True)
class Behaviour:
    """What a task's image makes it do, from the tag suffix."""

    slow: bool = False
    crash: bool = False
    unhealthy: bool = False
    errors: bool = False  # healthy, but answers `error_percent` % of its requests with 5XX
    latency: bool = False  # healthy, but answers in `slow_response_seconds`
    exit_code: int | None = None  # a one-off task's command exits with it (`-exitN`)


@dataclass
class TaskSim:
    """A task the simulator drives; `service` is the moto Service it belongs to (None: standalone)."""

    behaviour: Behaviour
    ip: str
    since: int  # tick at which the current lastStatus was entered
    service: Any = None
    deployment_id: str | None = None  # the deployment or task set id (its startedBy)
    container_port: int | None = None
    targets: list[tuple[str, str]] = field(default_factory=list)  # (target group ARN, target key)
    failed: bool = False
    failure_counted: bool = False
    was_healthy: bool = False
    version: str = ""  # the image tag of its first essential container
    task_set: Any = None  # the moto TaskSet it belongs to
    load_balancers: list[dict[str, Any]] | None = None  # where ECS registers it; None: the service's
    logs: list[Any] = field(default_factory=list)  # its containers' awslogs streams (ecs.logs.Stream)
    command: tuple[str, ...] | None = None  # a one-off task's command override (RunTask); None: a server
    health_checked: bool = False  # an essential container has a container health check (`healthCheck`)


@dataclass
class DeploymentSim:
    """Circuit-breaker bookkeeping of one deployment."""

    failures: int = 0


@dataclass
class ServiceSim:
    """Scheduler bookkeeping of one ECS-controller service."""

    deployments: dict[str, DeploymentSim] = field(default_factory=dict)
    completed: tuple[str, str] | None = None  # (deployment id, task definition ARN) last COMPLETED
    steady: bool = False
    next_subnet: int = 0


@dataclass
class TaskSetSim:
    """Scheduler bookkeeping of one task set of an EXTERNAL-controller service."""

    next_subnet: int = 0


@dataclass
class TargetSim:
    """The health of one registered target (an `Id` on a `Port`)."""

    target_id: str
    port: int
    state: str
    since: int
    reason: str | None = None
    description: str | None = None


def task_sim(task: Any) -> TaskSim | None:
    """The simulator record of a moto Task, if it drives that task."""
    found: TaskSim | None = getattr(task, _TASK_ATTR, None)
    return found


def attach_task(task: Any, sim: TaskSim) -> None:
    """Make the simulator drive a moto Task."""
    setattr(task, _TASK_ATTR, sim)


def service_sim(service: Any) -> ServiceSim | None:
    """The scheduler record of a moto Service, if the simulator schedules it."""
    found: ServiceSim | None = getattr(service, _SERVICE_ATTR, None)
    return found


def attach_service(service: Any, sim: ServiceSim) -> None:
    """Make the simulator schedule a moto Service."""
    setattr(service, _SERVICE_ATTR, sim)


def target_sims(target_group: Any) -> dict[str, TargetSim]:
    """The health records of a moto FakeTargetGroup, keyed like its `targets`."""
    found: dict[str, TargetSim] | None = getattr(target_group, _TARGETS_ATTR, None)
    if found is None:
        found = {}
        setattr(target_group, _TARGETS_ATTR, found)
    return found


def task_set_sim(task_set: Any) -> TaskSetSim | None:
    """The scheduler record of a moto TaskSet, if the simulator scales it."""
    found: TaskSetSim | None = getattr(task_set, _TASK_SET_ATTR, None)
    return found


def attach_task_set(task_set: Any, sim: TaskSetSim) -> None:
    """Make the simulator scale a moto TaskSet."""
    setattr(task_set, _TASK_SET_ATTR, sim)
