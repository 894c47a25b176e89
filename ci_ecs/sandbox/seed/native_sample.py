"""The sample's ECS-native blue/green, linear and canary services, as `Sample.native` names them, and the
`native:` section of their ci-ecs configs."""

from __future__ import annotations

from dataclasses import dataclass

# (service, deploymentConfiguration.strategy, ci-ecs native.type, config file)
SERVICES = (
    ("web-native-blue-green", "BLUE_GREEN", "blue-green", "ci-ecs-native-blue-green.yml"),
    ("web-native-linear", "LINEAR", "linear", "ci-ecs-native-linear.yml"),
    ("web-native-canary", "CANARY", "canary", "ci-ecs-native-canary.yml"),
)
BAKE_MINUTES = 2
LINEAR = {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}
CANARY = {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1}


@dataclass(frozen=True)
class NativeSample:
    """One ECS-controller service with a BLUE_GREEN, LINEAR or CANARY deployment strategy.

    It runs v1 in `blue_target_group_arn`; the production rule (on `production_listener_arn`) and the test
    rule (on `test_listener_arn`) forward 100:0 to blue and green; `alarm` is a CloudWatch alarm (OK)
    named in its deploymentConfiguration.alarms (rollback on)."""

    service: str
    strategy: str
    native_type: str
    config: str
    task_family: str
    blue_target_group_arn: str
    green_target_group_arn: str
    production_listener_arn: str
    test_listener_arn: str
    production_rule_arn: str
    test_rule_arn: str
    alarm: str
    role_arn: str


def config_lines(native: NativeSample) -> list[str]:
    """`strategy: native` and the `native:` section of the service's ci-ecs config."""
    lines = [
        "strategy: native",
        "native:",
        f"  type: {native.native_type}",
        f"  bake_minutes: {BAKE_MINUTES}    # minutes: 1 s at the default pace, 60 s ÷ N at time scale N",
    ]
    if native.strategy == "LINEAR":
        lines += [
            f"  step_percent: {LINEAR['stepPercent']:g}",
            f"  step_bake_minutes: {LINEAR['stepBakeTimeInMinutes']}",
        ]
    if native.strategy == "CANARY":
        lines += [
            f"  canary_percent: {CANARY['canaryPercent']:g}",
            f"  canary_bake_minutes: {CANARY['canaryBakeTimeInMinutes']}",
        ]
    return [*lines, f"  alarms: [{native.alarm}]"]
