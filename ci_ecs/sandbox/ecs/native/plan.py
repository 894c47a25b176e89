"""The stages a BLUE_GREEN, LINEAR or CANARY deployment walks through, and its production traffic steps.

ECS Developer Guide, *Amazon ECS blue/green service deployments workflow*, *Amazon ECS linear
deployments*, *Amazon ECS canary deployments*; API *ServiceDeployment.lifecycleStage*.
"""

from __future__ import annotations

import math
from typing import Any

from ci_ecs.sandbox.ecs.native.model import Position
from ci_ecs.sandbox.state import RUNTIME

LINEAR_DEFAULTS = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6}
CANARY_DEFAULTS = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10}


def minutes(value: Any) -> int:
    """Ticks in `value` sandbox minutes (RUNTIME.config.minute_ticks each)."""
    return int(value or 0) * RUNTIME.config.minute_ticks


def steps(config: dict[str, Any]) -> list[tuple[float, int]]:
    """(target's production percent, bake ticks after it) for each production traffic shift."""
    strategy = config.get("strategy")
    if strategy == "LINEAR":
        linear = {**LINEAR_DEFAULTS, **(config.get("linearConfiguration") or {})}
        step, bake = float(linear["stepPercent"]), minutes(linear["stepBakeTimeInMinutes"])
        count = math.ceil(round(100 / step, 6))
        weights = [min(100.0, round(step * (i + 1), 1)) for i in range(count)]
        # LinearConfiguration: "This bake time is not applied after reaching 100 percent traffic."
        return [(weight, bake if weight < 100 else 0) for weight in weights]
    if strategy == "CANARY":
        canary = {**CANARY_DEFAULTS, **(config.get("canaryConfiguration") or {})}
        percent = float(canary["canaryPercent"])
        if percent >= 100:
            return [(100.0, 0)]
        return [(percent, minutes(canary["canaryBakeTimeInMinutes"])), (100.0, 0)]
    return [(100.0, 0)]


def build(config: dict[str, Any], *, has_source: bool, reconcile: bool) -> list[Position]:
    """The positions of one deployment, in order."""
    plan: list[Position] = []
    if reconcile:  # only with more than one service revision ACTIVE (lifecycleStage RECONCILE_SERVICE)
        plan.append(Position("RECONCILE_SERVICE", "RECONCILE_SERVICE", "reconcile"))
    plan += [
        Position("PRE_SCALE_UP", "PRE_SCALE_UP"),
        Position("SCALE_UP", None, "scale_up"),
        Position("POST_SCALE_UP", "POST_SCALE_UP"),
        Position("TEST_TRAFFIC_SHIFT", "TEST_TRAFFIC_SHIFT", "test_shift"),
        Position("POST_TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT"),
    ]
    # For LINEAR and CANARY the PRE_ and PRODUCTION_TRAFFIC_SHIFT hooks run at every step.
    for weight, bake in steps(config) if has_source else [(100.0, 0)]:
        plan.append(Position("PRODUCTION_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT"))
        plan.append(Position("PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "shift", weight))
        if bake:
            plan.append(Position("PRODUCTION_TRAFFIC_SHIFT", None, "wait", ticks=bake))
    plan.append(Position("POST_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"))
    if has_source:  # both revisions run while they bake; a first deployment has nothing to bake against
        plan.append(Position("BAKE_TIME", None, "wait", ticks=minutes(config.get("bakeTimeInMinutes"))))
    plan.append(Position("CLEAN_UP", None, "clean_up"))
    return plan
