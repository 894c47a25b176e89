"""Waits and gates, each ending in one CheckResult: the strategies decide what a failed check means."""

from ci_ecs.checks.base import (
    CheckResult,
    Clock,
    Endpoint,
    cut_short,
    format_duration,
    intervals,
    poll,
    watch,
)
from ci_ecs.checks.rollout import failure_threshold, progress_line, watch_rollout
from ci_ecs.checks.targets import (
    healthy_at_least,
    traffic_share,
    unhealthy,
    watch_healthy_count,
    watch_targets,
)
from ci_ecs.checks.tasks import watch_scaled_in, watch_task_addresses, watch_task_set

__all__ = [
    "CheckResult",
    "Clock",
    "Endpoint",
    "cut_short",
    "failure_threshold",
    "format_duration",
    "healthy_at_least",
    "intervals",
    "poll",
    "progress_line",
    "traffic_share",
    "unhealthy",
    "watch",
    "watch_healthy_count",
    "watch_rollout",
    "watch_scaled_in",
    "watch_targets",
    "watch_task_addresses",
    "watch_task_set",
]
