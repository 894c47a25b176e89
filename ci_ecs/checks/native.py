"""Follow an ECS service deployment (native blue/green, linear, canary) by DescribeServiceDeployments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ci_ecs.aws import service_deployments
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.base import CheckResult, format_duration, poll
from ci_ecs.output import Console
from ci_ecs.settings import WaitSettings


@dataclass(frozen=True)
class Seen:
    """One poll of a service deployment."""

    info: dict[str, Any]

    @classmethod
    def of(cls, result: CheckResult) -> Seen:
        """What a `watch_service_deployment` result saw last."""
        return cls(dict(result.seen.get("deployment", {})))

    @property
    def status(self) -> str:
        """PENDING, IN_PROGRESS, SUCCESSFUL, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, …"""
        return str(self.info.get("status", "?"))

    @property
    def stage(self) -> str:
        """The lifecycle stage: SCALE_UP, TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, …"""
        return str(self.info.get("lifecycleStage", ""))

    @property
    def ended(self) -> bool:
        """SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED: nothing moves any more."""
        return self.status in service_deployments.ENDED

    @property
    def rolling_back(self) -> bool:
        """ECS is rolling it back (or has): the new revision will not serve."""
        return self.status.startswith("ROLLBACK") or self.status in ("STOP_REQUESTED", "STOPPED")

    @property
    def production_weight(self) -> float:
        """The % of production traffic the new revision is to get now."""
        target = self.info.get("targetServiceRevision", {})
        return float(target.get("requestedProductionTrafficWeight", 0) or 0)

    @property
    def test_weight(self) -> float:
        """The % of test traffic the new revision is to get now."""
        target = self.info.get("targetServiceRevision", {})
        return float(target.get("requestedTestTrafficWeight", 0) or 0)

    @property
    def awaiting(self) -> list[dict[str, Any]]:
        """The lifecycle hooks that wait for an answer (PAUSE hooks at the current stage)."""
        hooks = self.info.get("lifecycleHookDetails", [])
        return [dict(h) for h in hooks if h.get("status") == "AWAITING_ACTION"]


def watch_service_deployment(
    aws: Aws,
    arn: str,
    wait: WaitSettings,
    console: Console,
    until: Callable[[Seen], bool],
    *,
    timeout: float | None = None,
) -> CheckResult:
    """Poll until `until` holds (ok) or the deployment ends without it or times out (not ok, with why).

    One DescribeServiceDeployments a poll; the result's `seen` holds the last poll: `Seen.of(result)`.
    """
    shown: list[str] = []

    def probe() -> Seen | None:
        seen = Seen(service_deployments.describe(aws, arn))
        line = progress_line(seen)
        if not shown or shown[-1] != line:
            console.progress(line)
            shown[:] = [line]
        return seen if seen.ended or until(seen) else None

    limit = wait.timeout if timeout is None else timeout
    last = poll(wait, probe, timeout=limit)
    seen = {} if last is None else {"deployment": last.info}
    if last is not None and until(last):
        return CheckResult(True, f"deployment {short(arn)} {last.status}", seen)
    why = failure(last) if last is not None else f"timed out after {format_duration(limit)}"
    return CheckResult(False, why, seen, ecs_rolled_back=last is not None and last.rolling_back)


def short(arn: str) -> str:
    """A service deployment's id: the last part of its ARN."""
    return arn.rsplit("/", 1)[-1]


def progress_line(seen: Seen) -> str:
    """`abc IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT | production 25% new · test 100% new | new 2/2 …`."""
    info = seen.info
    parts = [f"{short(str(info.get('serviceDeploymentArn', '?')))} {seen.status} {seen.stage}".strip()]
    parts.append(f"production {seen.production_weight:g}% new · test {seen.test_weight:g}% new")
    target = info.get("targetServiceRevision", {})
    sources = info.get("sourceServiceRevisions", [])
    counts = [f"new {_counts(target)}"] + [f"old {_counts(source)}" for source in sources]
    parts.append(", ".join(counts))
    for hook in info.get("lifecycleHookDetails", []):
        if hook.get("status") in ("AWAITING_ACTION", "IN_PROGRESS", "FAILED", "TIMED_OUT"):
            what = "paused" if hook.get("targetType") == "PAUSE" else f"hook {hook.get('targetArn', '?')}"
            parts.append(f"{what} {hook.get('status')}")
    breaker = info.get("deploymentCircuitBreaker", {})
    if breaker.get("status") not in (None, "DISABLED"):
        parts.append(f"circuit breaker {breaker.get('failureCount', 0)}/{breaker.get('threshold', '?')}")
    triggered = info.get("alarms", {}).get("triggeredAlarmNames", [])
    if triggered:
        parts.append("alarm " + ", ".join(triggered))
    return " | ".join(parts)


def _counts(revision: dict[str, Any]) -> str:
    running, requested = revision.get("runningTaskCount", 0), revision.get("requestedTaskCount", 0)
    pending = revision.get("pendingTaskCount", 0)
    return f"{running}/{requested} running" + (f", {pending} pending" if pending else "")


def failure(seen: Seen) -> str:
    """Why a deployment ended where we did not wait for: its status and reason, the rollback's, alarms."""
    info = seen.info
    parts = [f"deployment {short(str(info.get('serviceDeploymentArn', '?')))} {seen.status}"]
    if info.get("statusReason"):
        parts.append(str(info["statusReason"]))
    rollback = info.get("rollback", {})
    if rollback.get("reason") and rollback.get("reason") != info.get("statusReason"):
        parts.append(f"rolled back: {rollback['reason']}")
    triggered = info.get("alarms", {}).get("triggeredAlarmNames", [])
    if triggered:
        parts.append("alarm in ALARM: " + ", ".join(triggered))
    breaker = info.get("deploymentCircuitBreaker", {})
    if breaker.get("status") == "TRIGGERED":
        parts.append(f"circuit breaker: {breaker.get('failureCount', '?')} failed tasks")
    return "; ".join(parts)
