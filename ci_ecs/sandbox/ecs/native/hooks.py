"""Lifecycle hooks of a service deployment: PAUSE hooks and simulated Lambda hooks.

ECS Developer Guide, *Lifecycle hooks for Amazon ECS service deployments*, *Pause hooks*, *Lambda hooks*;
API *DeploymentLifecycleHook*, *DeploymentLifecycleHookDetail*. No Lambda function runs: the answer comes
from the function's name (a name ending `-fail` answers FAILED, `-slow` IN_PROGRESS for a sandbox minute
— its re-invocations after the 30 s callBackDelay — then SUCCEEDED; any other SUCCEEDED).
"""

from __future__ import annotations

import string
from datetime import timedelta
from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox.ecs.native.model import Deployment, HookRun, random_id
from ci_ecs.sandbox.ecs.native.plan import minutes
from ci_ecs.sandbox.state import RUNTIME

DEFAULT_TIMEOUT_MINUTES = 1440
DEFAULT_TIMEOUT_ACTION = "ROLLBACK"
_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
RESOLVED = ("SUCCEEDED", "FAILED", "TIMED_OUT")


def function_name(arn: str) -> str:
    """The function name of a Lambda ARN (`…:function:name[:qualifier]`), or the ARN itself."""
    _, marker, rest = arn.partition(":function:")
    return rest.split(":")[0] if marker else arn.rsplit(":", 1)[-1]


def start(deployment: Deployment, stage: str) -> None:
    """Start a run of every hook configured at `stage`."""
    for hook in deployment.config.get("lifecycleHooks") or []:
        if stage not in (hook.get("lifecycleStages") or []):
            continue
        kind = hook.get("targetType") or "AWS_LAMBDA"
        timeout = hook.get("timeoutConfiguration") or {}
        ticks = minutes(timeout.get("timeoutInMinutes") or DEFAULT_TIMEOUT_MINUTES)
        run = HookRun(
            hook_id=f"ecs-{'pause' if kind == 'PAUSE' else 'lambda'}-{random_id(43, _ID_ALPHABET)}",
            stage=stage,
            target_type=kind,
            target_arn=None if kind == "PAUSE" else str(hook.get("hookTargetArn")),
            status="AWAITING_ACTION" if kind == "PAUSE" else "IN_PROGRESS",
            started=RUNTIME.now,
            timeout_ticks=ticks,
            timeout_action=str(timeout.get("action") or DEFAULT_TIMEOUT_ACTION),
            expires_at=utcnow() + timedelta(seconds=ticks * RUNTIME.config.tick),
            position=deployment.position,
        )
        if kind != "PAUSE":
            name = function_name(run.target_arn or "")
            run.outcome = "FAILED" if name.endswith("-fail") else "SUCCEEDED"
            slow = name.endswith("-slow")
            run.resolves_at = RUNTIME.now + (max(1, RUNTIME.config.minute_ticks) if slow else 1)
        deployment.hooks.append(run)
        deployment.touch()


def current(deployment: Deployment) -> list[HookRun]:
    """The runs of the hooks of the deployment's current position."""
    return [run for run in deployment.hooks if run.position == deployment.position]


def advance(deployment: Deployment) -> HookRun | None:
    """Lambda answers and timeouts; returns the run that asks for a rollback, if one does."""
    for run in current(deployment):
        if run.status == "IN_PROGRESS" and run.resolves_at is not None and RUNTIME.now >= run.resolves_at:
            run.status = run.outcome
            deployment.touch()
            if run.status == "FAILED":
                return run
        expired = RUNTIME.now - run.started >= run.timeout_ticks
        if run.status in ("IN_PROGRESS", "AWAITING_ACTION") and expired:
            run.status = "TIMED_OUT"
            deployment.touch()
            if run.timeout_action == "ROLLBACK":
                return run
    return None


def done(deployment: Deployment) -> bool:
    """Whether every hook of the current position has let the deployment go on."""
    return all(run.status in RESOLVED for run in current(deployment))


def awaiting(deployment: Deployment) -> bool:
    """Whether a PAUSE hook of the current position waits for ContinueServiceDeployment."""
    return any(run.status == "AWAITING_ACTION" for run in current(deployment))


def find(deployment: Deployment, hook_id: str) -> HookRun | None:
    """A hook run of the deployment by its id."""
    return next((run for run in deployment.hooks if run.hook_id == hook_id), None)


def act(run: HookRun, action: str) -> None:
    """ContinueServiceDeployment on a PAUSE hook: CONTINUE lets it pass, ROLLBACK fails it."""
    run.status = "SUCCEEDED" if action == "CONTINUE" else "FAILED"


def detail(run: HookRun) -> dict[str, Any]:
    """The DeploymentLifecycleHookDetail shape (it has no member for the stage)."""
    found: dict[str, Any] = {
        "hookId": run.hook_id,
        "targetType": run.target_type,
        "status": run.status,
        "expiresAt": run.expires_at,
        "timeoutAction": run.timeout_action,
    }
    if run.target_arn:
        found["targetArn"] = run.target_arn
    return found
