"""The records of ECS-native service deployments and service revisions, kept on moto's Service objects."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.models import ecs_backends

NATIVE = ("BLUE_GREEN", "LINEAR", "CANARY")
HOOK_STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
# Statuses in which a deployment still moves; the rest are final.
MOVING = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
_ATTR = "_ci_ecs_native"  # on moto's Service, so that moto's reset forgets them too


@dataclass(frozen=True)
class Position:
    """One step of a deployment's plan: the stage it reports, the hooks it runs, what it does."""

    stage: str
    hook_stage: str | None = None
    work: str = ""  # reconcile | scale_up | test_shift | shift | wait | clean_up
    weight: float = 0.0  # shift: the target's share of production traffic (percent)
    ticks: int = 0  # wait: how long


@dataclass(frozen=True)
class Pair:
    """One load balancer of the service: where the source runs, where the target goes, the rules."""

    source_group: str
    target_group: str
    production_rule: str
    test_rule: str | None


@dataclass
class Revision:
    """A service revision: the task definition and environment one set of the service's tasks run."""

    arn: str
    deployment_id: str  # the ecs-svc/ deployment whose tasks (startedBy) are this revision's
    task_definition: str
    load_balancers: list[dict[str, Any]]  # targetGroupArn: where its tasks register
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class HookRun:
    """One run of a lifecycle hook at one stage."""

    hook_id: str
    stage: str
    target_type: str  # AWS_LAMBDA | PAUSE
    target_arn: str | None
    status: str  # AWAITING_ACTION | IN_PROGRESS | SUCCEEDED | FAILED | TIMED_OUT
    started: int  # tick
    timeout_ticks: int
    timeout_action: str
    expires_at: datetime
    position: int = -1  # the deployment's plan position it runs at
    resolves_at: int | None = None  # a Lambda hook: the tick its answer arrives
    outcome: str = "SUCCEEDED"  # a Lambda hook: the answer


@dataclass
class Deployment:
    """One service deployment of a BLUE_GREEN, LINEAR or CANARY service."""

    arn: str
    service: Any
    strategy: str
    config: dict[str, Any]
    target: Revision
    sources: list[Revision]
    pairs: list[Pair]
    plan: list[Position]
    status: str = "PENDING"
    status_reason: str | None = None
    position: int = -1
    since: int = 0  # tick the current position (or rollback phase) began
    prod_weight: float = 0.0  # the target's share of production traffic (percent)
    test_weight: float = 0.0
    hooks: list[HookRun] = field(default_factory=list)
    alarm_baseline: set[str] = field(default_factory=set)  # alarms already in ALARM at start
    triggered_alarms: list[str] = field(default_factory=list)
    breaker_tripped: bool = False
    target_wanted: bool = False  # ECS keeps desiredCount tasks of the target revision
    source_wanted: bool = True  # … and of the surviving source revision
    rollback: dict[str, Any] | None = None
    created_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    stopped_at: datetime | None = None
    updated_at: datetime = field(default_factory=utcnow)

    @property
    def stage(self) -> str | None:
        return self.plan[self.position].stage if 0 <= self.position < len(self.plan) else None

    @property
    def current(self) -> Position | None:
        return self.plan[self.position] if 0 <= self.position < len(self.plan) else None

    def touch(self) -> None:
        self.updated_at = utcnow()


def random_id(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    """A random id of `length` characters from `alphabet`."""
    return "".join(random.choices(alphabet, k=length))


def service_prefix(service: Any, kind: str) -> str:
    """`arn:aws:ecs:<region>:<account>:<kind>/<cluster>/<service>`."""
    where = f"{service.region_name}:{service._account_id}"
    return f"arn:aws:ecs:{where}:{kind}/{service.cluster_name}/{service.name}"


def records(service: Any) -> dict[str, Any]:
    """The service's deployments (newest last) and revisions, created on first use."""
    found: dict[str, Any] | None = service.__dict__.get(_ATTR)
    if found is None:
        found = {"deployments": [], "revisions": []}
        service.__dict__[_ATTR] = found
    return found


def deployments_of(service: Any) -> list[Deployment]:
    """Every service deployment of a service, oldest first."""
    found: list[Deployment] = records(service)["deployments"]
    return found


def revisions_of(service: Any) -> list[Revision]:
    """Every service revision of a service, oldest first."""
    found: list[Revision] = records(service)["revisions"]
    return found


def latest(service: Any) -> Deployment | None:
    """The service's newest service deployment, if it has one."""
    found = deployments_of(service) if _ATTR in service.__dict__ else []
    return found[-1] if found else None


def active(service: Any) -> Deployment | None:
    """The service's service deployment that still moves, if any."""
    newest = latest(service)
    return newest if newest is not None and newest.status in MOVING else None


def strategy_of(service: Any) -> str:
    """The service's deploymentConfiguration.strategy (ROLLING unless given)."""
    return str((getattr(service, "deployment_configuration", None) or {}).get("strategy") or "ROLLING")


def is_native(service: Any) -> bool:
    """An ECS-controller service whose strategy is BLUE_GREEN, LINEAR or CANARY."""
    controller = (service.deployment_controller or {}).get("type", "ECS")
    return controller == "ECS" and strategy_of(service) in NATIVE


def all_services(account: str | None = None, region: str | None = None) -> Iterator[Any]:
    """Every moto ECS Service (of one account and region, if given)."""
    for account_id, regions in list(ecs_backends.items()):
        if account is not None and account_id != account:
            continue
        for region_name, backend in list(regions.items()):
            if region is None or region_name == region:
                yield from list(backend.services.values())


def _recorded(arn: str) -> Iterator[Any]:
    """The services with native records in the account and region of `arn` (any, for a short ARN)."""
    parts = arn.split(":")
    account, region = (parts[4], parts[3]) if len(parts) > 5 else (None, None)
    return (s for s in all_services(account, region) if _ATTR in s.__dict__)


def find_deployment(arn: str) -> Deployment | None:
    """A service deployment by ARN."""
    return next((d for s in _recorded(arn) for d in deployments_of(s) if d.arn == arn), None)


def find_revision(arn: str) -> tuple[Any, Revision] | None:
    """(service, revision) by the revision's ARN."""
    return next(((s, r) for s in _recorded(arn) for r in revisions_of(s) if r.arn == arn), None)
