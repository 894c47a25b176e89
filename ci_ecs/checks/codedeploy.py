"""Follow a CodeDeploy deployment by our own polling: lifecycle events and the traffic split per poll."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ci_ecs.aws import codedeploy
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.base import CheckResult, format_duration, poll
from ci_ecs.output import Console
from ci_ecs.settings import WaitSettings


@dataclass(frozen=True)
class Seen:
    """One poll of a deployment: its info and its ECS targets."""

    info: dict[str, Any]
    targets: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, result: CheckResult) -> Seen:
        """What a `watch_deployment` result saw last."""
        return cls(dict(result.seen.get("deployment", {})), tuple(result.seen.get("targets", ())))

    @property
    def status(self) -> str:
        """Created, Queued, InProgress, Baking, Ready, Succeeded, Failed or Stopped."""
        return str(self.info.get("status", "?"))

    @property
    def ended(self) -> bool:
        """Succeeded, Failed or Stopped."""
        return self.status in codedeploy.ENDED

    @property
    def shifted(self) -> bool:
        """Production traffic is on the replacement: succeeded, or waiting to remove the original."""
        return self.status == "Succeeded" or (
            self.status == "InProgress" and bool(self.info.get("instanceTerminationWaitTimeStarted"))
        )

    @property
    def green_share(self) -> float | None:
        """The replacement (green) task set's share of production traffic, when known."""
        shares = [
            float(t.get("trafficWeight", 0))
            for target in self.targets
            for t in target.get("taskSetsInfo", [])
            if t.get("taskSetLabel") == "Green"
        ]
        return shares[0] if shares else None


def watch_deployment(
    aws: Aws,
    deployment_id: str,
    wait: WaitSettings,
    console: Console,
    until: Callable[[Seen], bool],
    *,
    timeout: float | None = None,
) -> CheckResult:
    """Poll until `until` holds (ok) or the deployment ends without it or times out (not ok, with why).

    The result's `seen` holds the last poll: `Seen.of(result)`.
    """
    ids: list[str] = []  # the deployment's target ids, listed once (they do not change)

    def probe() -> Seen | None:
        info = codedeploy.get_deployment(aws, deployment_id)
        seen = Seen(info)
        if info.get("status") not in ("Created", "Queued", *codedeploy.ENDED):
            # Two calls a poll once the target is known: GetDeployment and one batched target read.
            ids[:] = ids or codedeploy.target_ids(aws, deployment_id)
            if ids:
                seen = Seen(info, tuple(codedeploy.ecs_targets(aws, deployment_id, ids)))
        console.progress(progress_line(deployment_id, seen))
        return seen if seen.ended or until(seen) else None

    limit = wait.timeout if timeout is None else timeout
    last = poll(wait, probe, timeout=limit)
    seen: Mapping[str, Any] = {} if last is None else {"deployment": last.info, "targets": last.targets}
    if last is not None and until(last):
        return CheckResult(True, f"deployment {deployment_id} {last.status}", dict(seen))
    return CheckResult(False, failure(deployment_id, last, limit), dict(seen))


def progress_line(deployment_id: str, seen: Seen) -> str:
    """`d-1 InProgress | AllowTestTraffic Succeeded, AfterAllowTestTraffic InProgress | blue 100% …`."""
    parts = [f"{deployment_id} {seen.status}"]
    for target in seen.targets:
        events = [e for e in target.get("lifecycleEvents", []) if e.get("status") not in (None, "Pending")]
        if events:
            parts.append(", ".join(f"{e['lifecycleEventName']} {e['status']}" for e in events[-2:]))
        for task_set in sorted(target.get("taskSetsInfo", []), key=lambda t: str(t.get("taskSetLabel"))):
            group = task_set.get("targetGroup", {}).get("name", "?")
            parts.append(
                f"{str(task_set.get('taskSetLabel', '?')).lower()} {task_set.get('trafficWeight', 0):g}% "
                f"on {group}, {task_set.get('runningCount', 0)}/{task_set.get('desiredCount', 0)} running"
            )
    if seen.info.get("instanceTerminationWaitTimeStarted") and seen.status == "InProgress":
        parts.append("original task set kept for the termination wait")
    return " | ".join(parts)


def failure(deployment_id: str, seen: Seen | None, timeout: float) -> str:
    """Why a deployment did not get where we waited for: CodeDeploy's error, or the timeout."""
    if seen is None:
        return f"deployment {deployment_id} timed out after {format_duration(timeout)}"
    error = seen.info.get("errorInformation") or {}
    why = f"{error.get('code', '')}: {error.get('message', '')}".strip(": ") or "no reason given"
    failed = [
        e["lifecycleEventName"]
        for t in seen.targets
        for e in t.get("lifecycleEvents", [])
        if e.get("status") == "Failed"
    ]
    at = f" at {failed[0]}" if failed else ""
    rollback = seen.info.get("rollbackInfo", {}).get("rollbackMessage")
    return f"deployment {deployment_id} {seen.status}{at}: {why}" + (f" ({rollback})" if rollback else "")
