"""What CreateService and UpdateService refuse in a BLUE_GREEN, LINEAR or CANARY configuration.

ECS API Reference, *DeploymentConfiguration*, *LinearConfiguration*, *CanaryConfiguration*,
*DeploymentLifecycleHook*, *DeploymentLifecycleHookTimeoutConfiguration*, *AdvancedConfiguration*.
The rules are AWS's; the messages are the sandbox's own wording.
"""

from __future__ import annotations

from typing import Any

from moto.ecs.exceptions import InvalidParameterException

from ci_ecs.sandbox.ecs.native import routing
from ci_ecs.sandbox.ecs.native.model import HOOK_STAGES, NATIVE
from ci_ecs.sandbox.elb import targets

STRATEGIES = ("ROLLING", *NATIVE)
NO_PAUSE = ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT")
MAX_MINUTES = 1440


def check(
    backend: Any, config: dict[str, Any], controller: str, load_balancers: list[dict[str, Any]] | None
) -> None:
    """Raise InvalidParameterException for a deploymentConfiguration (and its load balancers) ECS refuses."""
    strategy = config.get("strategy") or "ROLLING"
    if strategy not in STRATEGIES:
        _refuse(f"deploymentConfiguration.strategy must be one of {', '.join(STRATEGIES)}, not {strategy}.")
    if strategy not in NATIVE:
        return
    if controller != "ECS":
        _refuse(f"The {strategy} deployment strategy requires the ECS deployment controller.")
    bake = config.get("bakeTimeInMinutes")
    if bake is None and strategy == "BLUE_GREEN":
        _refuse("deploymentConfiguration.bakeTimeInMinutes is required for the BLUE_GREEN strategy.")
    _range("deploymentConfiguration.bakeTimeInMinutes", bake, 0, MAX_MINUTES)
    _strategy_settings(strategy, config)
    for i, hook in enumerate(config.get("lifecycleHooks") or []):
        _hook(f"deploymentConfiguration.lifecycleHooks[{i}]", hook)
    for lb in load_balancers or []:
        _advanced(backend, lb)


def _strategy_settings(strategy: str, config: dict[str, Any]) -> None:
    linear, canary = config.get("linearConfiguration"), config.get("canaryConfiguration")
    if linear is not None and strategy != "LINEAR":
        _refuse("linearConfiguration is only valid with the LINEAR deployment strategy.")
    if canary is not None and strategy != "CANARY":
        _refuse("canaryConfiguration is only valid with the CANARY deployment strategy.")
    if linear:
        _percent("linearConfiguration.stepPercent", linear.get("stepPercent"), 3.0)
        bake = linear.get("stepBakeTimeInMinutes")
        _range("linearConfiguration.stepBakeTimeInMinutes", bake, 0, MAX_MINUTES)
    if canary:
        _percent("canaryConfiguration.canaryPercent", canary.get("canaryPercent"), 0.1)
        bake = canary.get("canaryBakeTimeInMinutes")
        _range("canaryConfiguration.canaryBakeTimeInMinutes", bake, 0, MAX_MINUTES)


def _hook(where: str, hook: dict[str, Any]) -> None:
    kind = hook.get("targetType") or "AWS_LAMBDA"
    if kind not in ("AWS_LAMBDA", "PAUSE"):
        _refuse(f"{where}.targetType must be AWS_LAMBDA or PAUSE, not {kind}.")
    stages = hook.get("lifecycleStages") or []
    if not stages:
        _refuse(f"{where}.lifecycleStages must name at least one lifecycle stage.")
    for stage in stages:
        if stage not in HOOK_STAGES:
            _refuse(f"{where}.lifecycleStages: {stage} is not a lifecycle stage a hook can run at.")
        if kind == "PAUSE" and stage in NO_PAUSE:
            _refuse(f"{where}: PAUSE hooks cannot be configured at the {stage} stage.")
    if kind == "AWS_LAMBDA":
        for member in ("hookTargetArn", "roleArn"):
            if not hook.get(member):
                _refuse(f"{where}.{member} is required for an AWS_LAMBDA lifecycle hook.")
    timeout = hook.get("timeoutConfiguration") or {}
    _range(f"{where}.timeoutConfiguration.timeoutInMinutes", timeout.get("timeoutInMinutes"), 1, 20160)
    action = timeout.get("action")
    if action is not None and action not in ("CONTINUE", "ROLLBACK"):
        _refuse(f"{where}.timeoutConfiguration.action must be CONTINUE or ROLLBACK, not {action}.")


def _advanced(backend: Any, lb: dict[str, Any]) -> None:
    """A load balancer of a BLUE_GREEN, LINEAR or CANARY service needs its advancedConfiguration."""
    primary = lb.get("targetGroupArn")
    if not primary:
        return
    advanced = lb.get("advancedConfiguration") or {}
    for member in ("alternateTargetGroupArn", "productionListenerRule", "roleArn"):
        if not advanced.get(member):
            _refuse(
                f"loadBalancers[].advancedConfiguration.{member} is required for a load balancer of a "
                "service with the BLUE_GREEN, LINEAR or CANARY deployment strategy."
            )
    account, region = backend.account_id, backend.region_name
    alternate = str(advanced["alternateTargetGroupArn"])
    if alternate == primary:
        _refuse("advancedConfiguration.alternateTargetGroupArn must differ from the targetGroupArn.")
    if targets.find_group(account, region, alternate) is None:
        _refuse(f"The target group {alternate} does not exist.")
    for member in ("productionListenerRule", "testListenerRule"):
        arn = advanced.get(member)
        if arn and routing.find(account, region, str(arn)) is None:
            _refuse(f"advancedConfiguration.{member}: the listener rule or listener {arn} does not exist.")
        if arn and not routing.forwards_to(account, region, str(arn), {str(primary), alternate}):
            _refuse(
                f"advancedConfiguration.{member} {arn} must forward to the service's target group "
                f"{primary} or its alternate {alternate}, and to nothing else."
            )


def _range(name: str, value: Any, low: int, high: int) -> None:
    if value is not None and not low <= int(value) <= high:
        _refuse(f"{name} must be between {low} and {high}, not {value}.")


def _percent(name: str, value: Any, low: float) -> None:
    if value is None:
        return
    tenths = float(value) * 10
    if not low <= float(value) <= 100.0 or abs(tenths - round(tenths)) > 1e-6:
        _refuse(f"{name} must be a multiple of 0.1 from {low} to 100.0, not {value}.")


def _refuse(message: str) -> None:
    raise InvalidParameterException(message)
