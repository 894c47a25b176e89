"""Why a task stopped, in ECS's words, and whether that stop is its version's failure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def task_id(task: Mapping[str, Any]) -> str:
    """The task's id (the last part of its ARN)."""
    return str(task.get("taskArn", "?")).rsplit("/", 1)[-1]


def why_stopped(task: Mapping[str, Any]) -> str:
    """The stopped reason, then each container's exit code and reason: `… [web exit 1]`."""
    exits = ", ".join(
        f"{c['name']} exit {c['exitCode']}" + (f" ({c['reason']})" if c.get("reason") else "")
        for c in task.get("containers", [])
        if c.get("exitCode") is not None or c.get("reason")
    )
    return str(task.get("stoppedReason") or "no reason given") + (f" [{exits}]" if exits else "")


def failed(task: Mapping[str, Any]) -> bool:
    """Whether a stopped task failed: its health checks, its start, or an essential container's exit."""
    reason = str(task.get("stoppedReason", "")).lower()
    code = task.get("stopCode")
    if "health check" in reason or code == "TaskFailedToStart":
        return True
    exited = [c for c in task.get("containers", []) if c.get("exitCode") not in (None, 0)]
    return code == "EssentialContainerExited" and bool(exited)
