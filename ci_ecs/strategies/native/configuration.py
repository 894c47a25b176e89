"""The deployment configuration a job sends: the service's, the `native` settings, ci-ecs's pause hook."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from ci_ecs.errors import PreconditionError
from ci_ecs.settings import NativeSettings, NativeType

STRATEGIES: Mapping[NativeType, str] = {"blue-green": "BLUE_GREEN", "linear": "LINEAR", "canary": "CANARY"}
TYPES = {strategy: name for name, strategy in STRATEGIES.items()}
# Where a canary-deploy pauses for verification: blue/green once the test listener reaches the new
# revision (production untouched); canary and linear after their first production step. ECS runs
# PRE_PRODUCTION_TRAFFIC_SHIFT hooks before every step of those (and POST_PRODUCTION_TRAFFIC_SHIFT only
# once, at 100 %), so the job continues the pause before the first step by itself and stops at the one
# before the second; `deploy` answers each later pause of ours.
PAUSE_STAGES = {
    "BLUE_GREEN": "POST_TEST_TRAFFIC_SHIFT",
    "CANARY": "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "LINEAR": "PRE_PRODUCTION_TRAFFIC_SHIFT",
}
# The lifecycleStage a deployment reports while a hook of each stage runs: ServiceDeployment has no
# PRE_PRODUCTION_TRAFFIC_SHIFT stage of its own (API reference, ServiceDeploymentLifecycleStage).
REPORTED = {"PRE_PRODUCTION_TRAFFIC_SHIFT": ("PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT")}
OURS = {"ci-ecs": "verify"}  # the hookDetails that mark ci-ecs's pause hook among the service's hooks


def is_ours(hook: Mapping[str, Any]) -> bool:
    """Whether a lifecycle hook is the pause ci-ecs adds for a canary."""
    return hook.get("targetType") == "PAUSE" and hook.get("hookDetails") == OURS


def strategy_of(configuration: Mapping[str, Any]) -> str:
    """BLUE_GREEN, LINEAR, CANARY or ROLLING (ECS's default when none is set)."""
    return str(configuration.get("strategy") or "ROLLING")


def wanted(current: Mapping[str, Any], native: NativeSettings) -> tuple[dict[str, Any], list[str]]:
    """The service's configuration with the `native` settings applied, and each difference in words."""
    new = copy.deepcopy(dict(current))
    changes: list[str] = []

    def put(path: tuple[str, ...], value: Any, key: str) -> None:
        if value is None:
            return
        here = new
        for part in path[:-1]:
            here = here.setdefault(part, {})
        was = here.get(path[-1])
        if not _same(was, value):
            had = "rolling (ECS's default)" if path == ("strategy",) and was is None else _shown(was)
            changes.append(f"native.{key}: the service has {had}, the config says {_shown(value)}")
            here[path[-1]] = value

    put(("strategy",), STRATEGIES[native.type] if native.type else None, "type")
    put(("bakeTimeInMinutes",), native.bake_minutes, "bake_minutes")
    put(("canaryConfiguration", "canaryPercent"), native.canary_percent, "canary_percent")
    put(("canaryConfiguration", "canaryBakeTimeInMinutes"), native.canary_bake_minutes, "canary_bake_minutes")
    put(("linearConfiguration", "stepPercent"), native.step_percent, "step_percent")
    put(("linearConfiguration", "stepBakeTimeInMinutes"), native.step_bake_minutes, "step_bake_minutes")
    if native.alarms is not None:
        alarms = {"alarmNames": sorted(native.alarms), "enable": bool(native.alarms), "rollback": True}
        found = dict(current.get("alarms") or {})
        if _watched(found) != _watched(alarms):
            changes.append(
                f"native.alarms: the service has {_alarms(found)}, the config says {_alarms(alarms)}"
            )
            new["alarms"] = alarms
    return new, changes


def check(service: Mapping[str, Any], configuration: Mapping[str, Any], pause: bool) -> None:
    """PreconditionError, naming the fix, when ECS could not run this configuration's deployment."""
    name = service.get("serviceName", "the service")
    strategy = strategy_of(configuration)
    if strategy not in TYPES:
        raise PreconditionError(
            f"native.type: service {name} deploys by {strategy}, not by ECS blue/green, linear or canary "
            "— set native.type (and native.configure: true to let ci-ecs change it)"
        )
    if strategy == "BLUE_GREEN" and configuration.get("bakeTimeInMinutes") is None:
        raise PreconditionError("native.bake_minutes: ECS blue/green needs a bake time — set it")
    balancers = service.get("loadBalancers") or []
    if not balancers and not (service.get("serviceConnectConfiguration") or {}).get("enabled"):
        raise PreconditionError(
            f"service {name} has no load balancer: ECS {TYPES[strategy]} deployments move traffic on one"
        )
    for balancer in balancers:
        advanced = balancer.get("advancedConfiguration") or {}
        if not advanced.get("alternateTargetGroupArn") or not advanced.get("productionListenerRule"):
            raise PreconditionError(
                f"service {name}: its load balancer of {balancer.get('targetGroupArn', '?')} has no "
                "advancedConfiguration (alternate target group, production and test listener rules, role) "
                "— ECS needs it to shift traffic; set it where the service is defined"
            )
    stage = PAUSE_STAGES[strategy]
    if pause and _steps(configuration) < 2:
        raise PreconditionError(
            f"native: a {TYPES[strategy]} deployment that moves all production traffic in one step leaves "
            "no step to verify — lower native.canary_percent or native.step_percent below 100, or use deploy"
        )
    hooks = configuration.get("lifecycleHooks") or []
    theirs = [h for h in hooks if h.get("targetType") == "PAUSE" and stage in h.get("lifecycleStages", [])]
    theirs = [hook for hook in theirs if not is_ours(hook)]
    if pause and theirs:
        raise PreconditionError(
            f"service {name} has a pause hook of its own at {stage}, where canary-deploy pauses: "
            "remove it, or use deploy"
        )


def reported(stage: str) -> tuple[str, ...]:
    """The lifecycleStage values a deployment shows while a hook of `stage` runs."""
    return REPORTED.get(stage, (stage,))


def _steps(configuration: Mapping[str, Any]) -> int:
    """How many production traffic shifts a deployment of this configuration makes (ECS's defaults)."""
    strategy = strategy_of(configuration)
    if strategy == "LINEAR":
        step = float((configuration.get("linearConfiguration") or {}).get("stepPercent") or 10.0)
        return math.ceil(round(100 / step, 6))
    if strategy == "CANARY":
        percent = float((configuration.get("canaryConfiguration") or {}).get("canaryPercent") or 5.0)
        return 1 if percent >= 100 else 2
    return 2  # blue/green pauses before production moves at all


def with_pause(configuration: Mapping[str, Any], pause: bool, timeout: float) -> dict[str, Any]:
    """The configuration with the service's own hooks kept, and ci-ecs's pause only when `pause`."""
    new = copy.deepcopy(dict(configuration))
    hooks = [hook for hook in new.get("lifecycleHooks") or [] if not is_ours(hook)]
    if pause:
        minutes = min(20160, max(1, math.ceil(timeout / 60)))
        hooks.append(
            {
                "targetType": "PAUSE",
                "lifecycleStages": [PAUSE_STAGES[strategy_of(new)]],
                "hookDetails": OURS,
                "timeoutConfiguration": {"timeoutInMinutes": minutes, "action": "ROLLBACK"},
            }
        )
    if hooks or "lifecycleHooks" in new:
        new["lifecycleHooks"] = hooks
    return new


def _same(was: Any, value: Any) -> bool:
    if isinstance(value, float) and isinstance(was, int | float):
        return math.isclose(float(was), value)
    return bool(was == value)


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return TYPES.get(value, value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _watched(alarms: Mapping[str, Any]) -> tuple[tuple[str, ...], bool] | None:
    """(alarm names, whether they roll back), or None when no alarm is watched."""
    names = tuple(sorted(alarms.get("alarmNames") or []))
    return (names, bool(alarms.get("rollback"))) if names and alarms.get("enable") else None


def _alarms(alarms: Mapping[str, Any]) -> str:
    names = ", ".join(alarms.get("alarmNames") or [])
    if not names or not alarms.get("enable"):
        return "no alarms"
    return names + ("" if alarms.get("rollback") else " (without rollback)")
