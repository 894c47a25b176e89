"""Following a one-off task (`ci-ecs run`) until it stops, its state changes on the console."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.base import CheckResult, watch
from ci_ecs.checks.stopped import why_stopped
from ci_ecs.output import Console
from ci_ecs.settings import WaitSettings


def watch_stopped(aws: Aws, cluster: str, task_arn: str, wait: WaitSettings, console: Console) -> CheckResult:
    """Until the task is STOPPED (ok), printing each new state; seen: {"task": the task as last described}."""
    tid = task_arn.rsplit("/", 1)[-1]
    seen: dict[str, Any] = {}

    def probe() -> CheckResult | None:
        found = ecs_tasks.describe_tasks(aws, cluster, [task_arn])
        if not found:
            return CheckResult(False, f"task {tid} is gone: ECS no longer lists it", dict(seen))
        status = str(found[0].get("lastStatus", "?"))
        if seen.get("task", {}).get("lastStatus") != status:
            console.progress(f"task {tid}: {status}")
        seen["task"] = found[0]
        return CheckResult(True, why_stopped(found[0]), dict(seen)) if status == "STOPPED" else None

    result = watch(wait, probe, f"task {tid} to stop")
    return result if result.seen else CheckResult(False, result.reason, dict(seen))
