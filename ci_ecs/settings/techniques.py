"""The techniques one can choose, and the settings of each technique and of waiting: groups of Settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Strategy = Literal["rolling", "codedeploy", "switch", "native"]
CanaryMode = Literal["task", "service", "taskset"]
OnCancel = Literal["rollback", "leave"]
NativeType = Literal["blue-green", "linear", "canary"]
WaitUntil = Literal["traffic-shifted", "baked", "done"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
ON_CANCEL: tuple[OnCancel, ...] = get_args(OnCancel)
CANARY_MODES: tuple[CanaryMode, ...] = get_args(CanaryMode)
NATIVE_TYPES: tuple[NativeType, ...] = get_args(NativeType)
WAIT_UNTIL: tuple[WaitUntil, ...] = get_args(WaitUntil)


@dataclass(frozen=True)
class WaitSettings:
    """How long and how often to wait for a rollout (seconds)."""

    timeout: float = 900.0
    poll_first: float = 2.0
    poll_cap: float = 15.0


@dataclass(frozen=True)
class CanarySettings:
    """How `canary-deploy` puts the new version beside the stable one."""

    mode: CanaryMode | None = None  # None: no canary configured
    count: int = 1  # tasks (task and service modes)
    service: str | None = None  # service mode; default <service>-canary
    scale: float = 10.0  # taskset mode: percent of the service's desired count
    weight: int = 10  # taskset mode: percent of the listener rules' traffic
    steps: tuple[int, ...] = ()  # taskset mode: the canary's weights step by step (default: `weight`)
    target_group: str | None = None  # taskset mode: the canary target group
    listener_rules: tuple[str, ...] = ()  # taskset mode: rules (or listeners) whose weights move

    def weights(self) -> tuple[int, ...]:
        """The canary's share of the traffic at each step: `steps`, else the one `weight`."""
        return self.steps or (self.weight,)


@dataclass(frozen=True)
class CodeDeploySettings:
    """The CodeDeploy application and blue/green deployment group."""

    application: str | None = None  # default AppECS-<cluster>-<service>
    deployment_group: str | None = None  # default DgpECS-<cluster>-<service>
    config: str = "CodeDeployDefault.ECSAllAtOnce"
    service_role: str | None = None  # only needed to create the deployment group
    target_groups: tuple[str, ...] = ()  # blue, green: only needed to create the deployment group
    production_listener: str | None = None  # only needed to create the deployment group
    test_listener: str | None = None
    termination_wait: float = 300.0  # seconds the blue task set stays after success (rollback window)
    ready_wait: float = 3600.0  # seconds a canary deployment waits for `deploy` before CodeDeploy stops it

    def application_name(self, cluster: str, service: str) -> str:
        """The application's name: as configured, else AppECS-<cluster>-<service>."""
        return self.application or f"AppECS-{cluster}-{service}"

    def group_name(self, cluster: str, service: str) -> str:
        """The deployment group's name: as configured, else DgpECS-<cluster>-<service>."""
        return self.deployment_group or f"DgpECS-{cluster}-{service}"


@dataclass(frozen=True)
class NativeSettings:
    """ECS's own blue/green, linear or canary deployment; None: as the service is configured."""

    type: NativeType | None = None
    bake_minutes: int | None = None
    canary_percent: float | None = None
    canary_bake_minutes: int | None = None
    step_percent: float | None = None
    step_bake_minutes: int | None = None
    alarms: tuple[str, ...] | None = None
    configure: bool = False  # ci-ecs may change the service's strategy settings to the above
    pause_timeout: float = 86400.0  # seconds a canary waits for `deploy` before ECS rolls it back
    wait_until: WaitUntil = "done"  # where `deploy` stops following the deployment


@dataclass(frozen=True)
class DiagnosticsSettings:
    """What a failed job shows of its failure."""

    log_lines: int = 30  # the last lines of each failed container's log (0: none)


@dataclass(frozen=True)
class LockSettings:
    """The lock that keeps two jobs off one service: where it is kept, how long to wait for it."""

    table: str = "ci-ecs-locks"  # the DynamoDB table (created on first use)
    wait: float | None = None  # seconds to wait for another job's lock; None: exit 3 at once


@dataclass(frozen=True)
class SwitchRoute:
    """One way in to a switch service: its public and preparing listener rules, its target groups' prefix."""

    public_rule: str
    preparing_rule: str
    name_prefix: str = ""  # target groups are <name_prefix>-<version>; default (first route): the service


@dataclass(frozen=True)
class SwitchSettings:
    """A service and target group(s) per version, switched on the load balancer(s)."""

    public_rule: str = ""  # the listener rule real users reach
    preparing_rule: str = ""  # the listener rule for verifying a prepared version
    name_prefix: str = ""  # target groups are <name_prefix>-<version>; default: the service name
    routes: tuple[SwitchRoute, ...] = ()  # several load balancers: one route each, instead of the above
    min_healthy: int = 1
    overlap: float = 60.0  # seconds both versions serve the public rule

    def prefix(self, service: str) -> str:
        """The (first route's) target-group name prefix: as configured, else the service name."""
        return self.all_routes(service)[0].name_prefix

    def all_routes(self, service: str) -> tuple[SwitchRoute, ...]:
        """Every route in the order of the service's load balancers, each with its name prefix."""
        routes = self.routes or (SwitchRoute(self.public_rule, self.preparing_rule, self.name_prefix),)
        first = routes[0]
        return (
            SwitchRoute(first.public_rule, first.preparing_rule, first.name_prefix or service),
            *routes[1:],
        )
