"""How fast simulated time runs: the tick, every simulated duration in ticks, and the optional time scale.

By default every duration is a small, fixed number of ticks (a rollout takes about a second). Under a time
scale N, each duration is instead AWS's typical duration (`AWS_SECONDS`) divided by N, counted in ticks of
the same length: the tick stays as it is (the simulator's CPU use with it), only the counts grow.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

ENV_PREFIX = "CI_ECS_SANDBOX_"
DEFAULT_TICK = 0.1
TIME_SCALE_VARIABLE = ENV_PREFIX + "TIME_SCALE"
# Named time scales: AWS durations divided by this much (realistic: an AWS minute takes 6 s).
PROFILES: dict[str, float] = {"realistic": 10.0}
TIME_SCALE_HELP = (
    "a number > 0 (every AWS duration divided by it: 1 = as long as in AWS, 10 = ten times faster) or "
    + ", ".join(f"{name} (= {value:g})" for name, value in PROFILES.items())
)

# AWS's typical durations, in seconds, of what each tick count of SimConfig stands for. They are used only
# under a time scale. Where the sandbox can read the setting from the resource itself, it does so instead
# (the target group's health check and deregistration delay); these are then the AWS defaults.
AWS_SECONDS: dict[str, float] = {
    # PROVISIONING → PENDING: Fargate launches the task's compute and attaches its ENI (~10–20 s).
    # ECS Developer Guide, "Amazon ECS task lifecycle"; AWS re:Post, "How to speed up provisioning of an
    # ECS Fargate task": "It is normal for new AWS Fargate tasks to take 30-45 seconds or longer to start".
    "provisioning_ticks": 15,
    # PENDING → RUNNING: the whole image is pulled (Fargate caches no layers) and the containers start
    # (~20–40 s). ECS Developer Guide, "Linux containers on Fargate container image pull behavior".
    "pending_ticks": 30,
    # The same for a `-slow` image: a large image (hundreds of MB) takes minutes to pull and unpack
    # (same page: lazy loading is advised above 250 MB). The sandbox's choice: 3 minutes.
    "slow_pending_ticks": 180,
    # A new target: `initial` → `healthy` after ONE passing health check, whatever HealthyThresholdCount
    # says (that count applies only to an unhealthy target recovering), so at most HealthCheckIntervalSeconds,
    # default 30 s. ECS Developer Guide, "Optimize load balancer health check parameters for Amazon ECS";
    # ELB User Guide for ALB, "Health checks for Application Load Balancer target groups" (defaults 30 s,
    # HealthyThresholdCount 5, UnhealthyThresholdCount 2). Read from the target group under a time scale.
    "healthy_ticks": 30,
    # A new target of an `-unhealthy` app: `initial` → `unhealthy` after UnhealthyThresholdCount failed
    # checks: HealthCheckIntervalSeconds × UnhealthyThresholdCount = 30 s × 2 (same pages; read from the
    # target group under a time scale).
    "unhealthy_ticks": 60,
    # An `unhealthy` target until ECS stops its task ("Task failed ELB health checks"): ECS polls the load
    # balancer; AWS documents no figure. The sandbox's choice: 15 s.
    "unhealthy_report_ticks": 15,
    # A `-crash` app exits this long after its task is RUNNING: an application's own start-up. The sandbox's
    # choice: 10 s.
    "crash_ticks": 10,
    # A one-off task's command (`ci-ecs run`, RunTask with a command override) runs this long once RUNNING,
    # unless it says `sleep N`. The sandbox's choice: 10 s, a short database migration.
    "command_ticks": 10,
    # `draining` → gone: the target group attribute deregistration_delay.timeout_seconds, default 300 s.
    # ELB User Guide for ALB, "Target groups for your Application Load Balancers", "Deregistration delay".
    # Read from the target group under a time scale.
    "drain_ticks": 300,
    # Each of STOPPING (SIGTERM, then SIGKILL after the container's stopTimeout, default 30 s: ECS Developer
    # Guide, "Task definition parameters", stopTimeout) and DEPROVISIONING (the ENI is detached and
    # deleted: "Amazon ECS task lifecycle"). The sandbox's choice: 15 s each.
    "stopping_ticks": 15,
    # ALB metrics reach CloudWatch in 60-second intervals. ELB User Guide for ALB, "CloudWatch metrics for
    # your Application Load Balancer".
    "metrics_ticks": 60,
    # One minute of CodeDeploy (and ECS-native deployment) time: traffic-shift intervals, waits, bake time.
    "minute_ticks": 60,
    # A desired count outside a scalable target's bounds is set back by the next scaling activity, which the
    # policy's CloudWatch alarms start on one-minute metrics. Application Auto Scaling User Guide, "How target
    # tracking scaling for Application Auto Scaling works". The sandbox's choice: 60 s.
    "autoscaling_ticks": 60,
}


@dataclass(frozen=True)
class SimConfig:
    """The simulator's clock and answers: `tick` seconds per step; `*_ticks` fields are durations in ticks.

    `time_scale` None: the fixed tick counts below (the default, fast). A number N: the counts come from
    `AWS_SECONDS` / N (`at_scale`), and target groups' own health-check settings and deregistration delay
    are used.
    """

    tick: float = DEFAULT_TICK
    provisioning_ticks: int = 1  # PROVISIONING → PENDING (ENI attached)
    pending_ticks: int = 2  # PENDING → RUNNING (image pulled, containers started)
    slow_pending_ticks: int = 18  # the same for a `-slow` image (~20 ticks to RUNNING)
    healthy_ticks: int = 2  # a target of a running task: initial → healthy
    unhealthy_ticks: int = 3  # a target of an `-unhealthy` task: initial → unhealthy
    unhealthy_report_ticks: int = 2  # unhealthy is visible this long before ECS replaces the task
    crash_ticks: int = 2  # a `-crash` task: RUNNING → essential container exits
    command_ticks: int = 2  # a one-off task's command: RUNNING → it exits
    drain_ticks: int = 4  # deregistration delay: draining → gone
    stopping_ticks: int = 2  # each of STOPPING and DEPROVISIONING
    event_cap: int = 100  # ECS keeps the latest 100 service events
    requests_per_tick: int = 100  # simulated requests each listener rule receives per tick (0: none)
    metrics_ticks: int = 10  # CloudWatch datapoints every this many ticks (0: none)
    minute_ticks: int = 10  # one minute of CodeDeploy time (traffic shifting, wait times)
    autoscaling_ticks: int = 10  # a desired count outside the scalable target's bounds → corrected
    error_percent: int = 50  # the share of its requests an `-errors` app answers with 5XX (0–100)
    response_seconds: float = 0.05  # every app's response time (TargetResponseTime), in AWS seconds
    slow_response_seconds: float = 2.5  # the response time of a `-latency` app, in AWS seconds
    time_scale: float | None = None  # None: the tick counts above; N: AWS durations divided by N

    def __post_init__(self) -> None:
        if self.tick <= 0:
            raise ValueError(f"{ENV_PREFIX}TICK must be > 0 seconds, got {self.tick}")
        if self.time_scale is not None and not (math.isfinite(self.time_scale) and self.time_scale > 0):
            raise ValueError(f"the time scale must be {TIME_SCALE_HELP}; got {self.time_scale}")
        for field in fields(self):
            if field.name not in ("tick", "time_scale") and getattr(self, field.name) < 0:
                raise ValueError(f"{ENV_PREFIX}{field.name.upper()} must be >= 0")
        if self.error_percent > 100:
            raise ValueError(f"{ENV_PREFIX}ERROR_PERCENT must be at most 100, got {self.error_percent}")

    def ticks_for(self, seconds: float) -> int:
        """Ticks that `seconds` of AWS time last under the time scale (at least 1 unless 0 s; no scale: 1)."""
        if seconds <= 0:
            return 0
        scale = self.time_scale or 1.0
        return max(1, round(seconds / scale / self.tick))

    def seconds(self, ticks: int) -> float:
        """The AWS seconds that `ticks` stand for under the time scale (without one: wall seconds)."""
        return ticks * self.tick * (self.time_scale or 1.0)

    def at_scale(self, time_scale: float | None) -> SimConfig:
        """This clock with each duration of `AWS_SECONDS` at AWS length ÷ `time_scale` (None: defaults)."""
        if time_scale is None:
            defaults = SimConfig()
            return replace(self, time_scale=None, **{name: getattr(defaults, name) for name in AWS_SECONDS})
        scaled = replace(self, time_scale=time_scale)  # validates the scale
        return replace(scaled, **{name: scaled.ticks_for(value) for name, value in AWS_SECONDS.items()})


def parse_time_scale(raw: str) -> float:
    """A time scale from its text: a number > 0 or a profile name; ValueError saying what it takes."""
    text = raw.strip().lower()
    if text in PROFILES:
        return PROFILES[text]
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not a time scale — give {TIME_SCALE_HELP}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{raw!r} is not a time scale — give {TIME_SCALE_HELP}")
    return value


def from_env(
    env: Mapping[str, str] | None = None, *, tick: float | None = None, time_scale: float | None = None
) -> SimConfig:
    """A SimConfig from `CI_ECS_SANDBOX_<FIELD>` variables.

    An explicit `tick` beats CI_ECS_SANDBOX_TICK; an explicit `time_scale` beats CI_ECS_SANDBOX_TIME_SCALE.
    The durations come from the time scale, if any; a `CI_ECS_SANDBOX_<NAME>_TICKS` variable beats both.
    """
    source = os.environ if env is None else env
    defaults = SimConfig()
    values: dict[str, float | int] = {}
    for field in fields(SimConfig):
        raw = source.get(ENV_PREFIX + field.name.upper())
        if field.name == "time_scale" or raw is None or raw.strip() == "":
            continue
        try:
            values[field.name] = float(raw) if isinstance(getattr(defaults, field.name), float) else int(raw)
        except ValueError as exc:
            raise ValueError(f"{ENV_PREFIX}{field.name.upper()}={raw!r} is not a number") from exc
    if tick is not None:
        values["tick"] = tick
    if time_scale is None:
        raw = source.get(TIME_SCALE_VARIABLE, "")
        if raw.strip():
            try:
                time_scale = parse_time_scale(raw)
            except ValueError as exc:
                raise ValueError(f"{TIME_SCALE_VARIABLE}: {exc}") from None
    base = SimConfig(tick=float(values.pop("tick", DEFAULT_TICK))).at_scale(time_scale)
    return replace(base, **values)  # type: ignore[arg-type]
