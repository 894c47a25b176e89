"""How fast simulated time runs: the tick and every simulated duration, counted in ticks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

ENV_PREFIX = "CI_ECS_SANDBOX_"
DEFAULT_TICK = 0.1


@dataclass(frozen=True)
class SimConfig:
    """The simulator's clock: `tick` seconds per step; all other fields are durations in ticks."""

    tick: float = DEFAULT_TICK
    provisioning_ticks: int = 1  # PROVISIONING → PENDING (ENI attached)
    pending_ticks: int = 2  # PENDING → RUNNING (image pulled, containers started)
    slow_pending_ticks: int = 18  # the same for a `-slow` image (~20 ticks to RUNNING)
    healthy_ticks: int = 2  # a target of a running task: initial → healthy
    unhealthy_ticks: int = 3  # a target of an `-unhealthy` task: initial → unhealthy
    unhealthy_report_ticks: int = 2  # unhealthy is visible this long before ECS replaces the task
    crash_ticks: int = 2  # a `-crash` task: RUNNING → essential container exits
    drain_ticks: int = 4  # deregistration delay: draining → gone
    stopping_ticks: int = 2  # each of STOPPING and DEPROVISIONING
    event_cap: int = 100  # ECS keeps the latest 100 service events
    requests_per_tick: int = 100  # simulated requests each listener rule receives per tick (0: none)
    metrics_ticks: int = 10  # CloudWatch datapoints every this many ticks (0: none)
    minute_ticks: int = 10  # one minute of CodeDeploy time (traffic shifting, wait times)
    autoscaling_ticks: int = 10  # a desired count outside the scalable target's bounds → corrected

    def __post_init__(self) -> None:
        if self.tick <= 0:
            raise ValueError(f"{ENV_PREFIX}TICK must be > 0 seconds, got {self.tick}")
        for field in fields(self):
            if field.name != "tick" and int(getattr(self, field.name)) < 0:
                raise ValueError(f"{ENV_PREFIX}{field.name.upper()} must be >= 0")


def from_env(env: Mapping[str, str] | None = None, *, tick: float | None = None) -> SimConfig:
    """A SimConfig from `CI_ECS_SANDBOX_<FIELD>` variables; an explicit `tick` beats the variable."""
    source = os.environ if env is None else env
    values: dict[str, float | int] = {}
    for field in fields(SimConfig):
        raw = source.get(ENV_PREFIX + field.name.upper())
        if raw is None or raw.strip() == "":
            continue
        try:
            values[field.name] = float(raw) if field.name == "tick" else int(raw)
        except ValueError as exc:
            raise ValueError(f"{ENV_PREFIX}{field.name.upper()}={raw!r} is not a number") from exc
    config = SimConfig(**values)  # type: ignore[arg-type]
    return replace(config, tick=tick) if tick is not None else config
