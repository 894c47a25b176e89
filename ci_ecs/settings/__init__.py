"""The configuration: ci-ecs.yml, CI_ECS_* variables and flags merged into one frozen Settings."""

from ci_ecs.settings.keys import FLAG_NAMES, GROUPS, KEYS, Key, flag_name, variable_name
from ci_ecs.settings.load import DEFAULT_CONFIG, Settings, load_settings, of_service, service_named
from ci_ecs.settings.techniques import (
    CANARY_MODES,
    STRATEGIES,
    CanaryMode,
    CanarySettings,
    CodeDeploySettings,
    LockSettings,
    NativeSettings,
    NativeType,
    Strategy,
    SwitchRoute,
    SwitchSettings,
    WaitSettings,
)

__all__ = [
    "CANARY_MODES",
    "DEFAULT_CONFIG",
    "FLAG_NAMES",
    "GROUPS",
    "KEYS",
    "STRATEGIES",
    "CanaryMode",
    "CanarySettings",
    "CodeDeploySettings",
    "Key",
    "LockSettings",
    "NativeSettings",
    "NativeType",
    "Settings",
    "Strategy",
    "SwitchRoute",
    "SwitchSettings",
    "WaitSettings",
    "flag_name",
    "load_settings",
    "of_service",
    "service_named",
    "variable_name",
]
