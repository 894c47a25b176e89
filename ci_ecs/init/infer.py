"""What `ci-ecs init` concludes from what it read: the technique, the container, the technique's wiring."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ci_ecs.aws.elbv2 import target_group_name, weights_of
from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.iam_policy.target import Technique

NATIVE = {"BLUE_GREEN": "blue-green", "LINEAR": "linear", "CANARY": "canary"}
# The deployment controller each technique needs (every other technique: ECS).
CONTROLLER: dict[Technique, str] = {"taskset": "EXTERNAL", "codedeploy": "CODE_DEPLOY"}
_PREPARING = re.compile(r"prepar|preview|staging|verif", re.I)


@dataclass(frozen=True)
class Rule:
    """A listener rule, or a listener's default action (`priority` "default"), as read."""

    arn: str
    priority: str
    actions: tuple[dict[str, Any], ...]
    conditions: tuple[dict[str, Any], ...] = ()

    def weights(self) -> dict[str, int]:
        """Target group ARN → weight of its forward action."""
        return weights_of([dict(a) for a in self.actions])

    def order(self) -> int:
        """Its evaluation order (the default rule last)."""
        return int(self.priority) if self.priority.isdigit() else 1_000_000


def controller(service: Mapping[str, Any]) -> str:
    """ECS, EXTERNAL or CODE_DEPLOY."""
    return str((service.get("deploymentController") or {}).get("type") or "ECS")


def technique(
    service: Mapping[str, Any], asked: Technique | None, switch_base: str | None
) -> tuple[Technique, str]:
    """The technique and why: `asked` if it suits the service, else what its controller and strategy say."""
    # switch_base: the service looks like a version of a switch family (named and tagged so).
    kind = controller(service)
    strategy = str((service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING")
    name = service["serviceName"]
    if asked is not None:
        needed = CONTROLLER.get(asked, "ECS")
        if needed != kind:
            raise ConfigError(
                f"--technique: {asked} needs a service with the {needed} deployment controller; {name} has "
                f"{kind} — leave --technique out to use the one that fits it"
            )
        if asked == "native" and strategy not in NATIVE:
            raise ConfigError(
                f"--technique: native needs a service whose deployment strategy is BLUE_GREEN, LINEAR or "
                f"CANARY; {name} deploys by {strategy} — set it where the service is defined"
            )
        return asked, f"as asked (--technique {asked})"
    if kind == "EXTERNAL":
        return (
            "taskset",
            "the EXTERNAL deployment controller: task sets, a canary task set beside the primary",
        )
    if kind == "CODE_DEPLOY":
        return "codedeploy", "the CODE_DEPLOY deployment controller: CodeDeploy blue/green"
    if strategy in NATIVE:
        return (
            "native",
            f"the ECS controller with the {strategy} deployment strategy: ECS's own {NATIVE[strategy]}",
        )
    if switch_base is not None:
        return "switch", f"a version ({name}) of the service {switch_base}, switched on listener rules"
    return "rolling", f"the ECS controller with the {strategy} deployment strategy: a rolling update"


def switch_base(service: Mapping[str, Any], version: str | None) -> str | None:
    """The base name when the service is `<base>-<version>` of the version it is tagged with."""
    name = str(service["serviceName"])
    if version and name.endswith(f"-{version}") and len(name) > len(version) + 1:
        return name[: -len(version) - 1]
    return None


def container(
    task_definition: Mapping[str, Any], asked: str | None, service: Mapping[str, Any]
) -> tuple[str, str]:
    """The container whose image deploys replace, and why."""
    containers = list(task_definition.get("containerDefinitions") or [])
    names = [str(c["name"]) for c in containers]
    if asked is not None:
        if asked not in names:
            raise ConfigError(
                f"--container: the task definition has no container {asked} — it has {', '.join(names)}"
            )
        return asked, "as asked (--container)"
    essential = [str(c["name"]) for c in containers if c.get("essential", True)]
    if len(essential) == 1:
        return essential[0], "the task definition's only essential container"
    balanced = {str(b["containerName"]) for b in service.get("loadBalancers") or [] if b.get("containerName")}
    behind = [n for n in essential if n in balanced]
    if len(behind) == 1:
        return behind[0], "the essential container the load balancer sends traffic to"
    raise ConfigError(
        f"--container: the task definition has {len(essential)} essential containers "
        f"({', '.join(essential)}) — name the one whose image the pipeline builds"
    )


def weighted_rules(primary_group: str, found: Sequence[Rule]) -> tuple[str, list[str]]:
    """The canary target group and the rules (or listeners) that forward to it beside `primary_group`."""
    pairs = [(rule, rule.weights()) for rule in found]
    beside = [
        (rule, [g for g in weights if g != primary_group])
        for rule, weights in pairs
        if primary_group in weights
    ]
    canaries = {others[0] for _, others in beside if len(others) == 1}
    if len(canaries) != 1:
        shown = ", ".join(map(target_group_name, sorted(canaries))) or "none"
        raise PreconditionError(
            f"canary.target_group: no single target group is forwarded to beside the primary task set's "
            f"{target_group_name(primary_group)} (found: {shown}) — create a canary target group and make "
            "the listener rule forward to both, weights 100 and 0"
        )
    (canary,) = canaries
    return canary, [rule.arn for rule, others in beside if others == [canary]]


def switch_route(group: str, found: Sequence[Rule]) -> tuple[str, str]:
    """(public rule, preparing rule) of the rules that forward only to `group`."""
    only = sorted(
        (r for r in found if set(r.weights()) == {group} and r.priority != "default"), key=Rule.order
    )
    if len(only) != 2:
        raise PreconditionError(
            f"switch.public_rule: {len(only)} listener rule(s) forward only to {target_group_name(group)}; a "
            "switch needs two, the public one and a preparing one (e.g. by host name) — create them, or pass "
            "--technique rolling"
        )
    preparing = [r for r in only if _PREPARING.search(str(r.conditions))]
    if len(preparing) == 1:
        return next(r.arn for r in only if r is not preparing[0]), preparing[0].arn
    return only[0].arn, only[1].arn


def name_prefix(group_arn: str, version: str | None) -> str:
    """A version's target-group name without its `-<version>` end."""
    name = target_group_name(group_arn)
    return name[: -len(version) - 1] if version and name.endswith(f"-{version}") else name


def green_group(blue: Mapping[str, Any], groups: Sequence[Mapping[str, Any]]) -> str | None:
    """The one target group like `blue` (VPC, protocol, port, target type) that no load balancer uses."""
    keys = ("VpcId", "Protocol", "Port", "TargetType")
    alike = [
        g
        for g in groups
        if g["TargetGroupArn"] != blue["TargetGroupArn"]
        and not g.get("LoadBalancerArns")
        and all(g.get(k) == blue.get(k) for k in keys)
    ]
    named = [
        g for g in alike if g["TargetGroupName"] == str(blue["TargetGroupName"]).replace("blue", "green")
    ]
    chosen = named or alike
    return str(chosen[0]["TargetGroupArn"]) if len(chosen) == 1 else None


def native_entries(configuration: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    """(key, value, why) of the `native:` section as the service is configured."""
    strategy = str(configuration.get("strategy") or "ROLLING")
    entries: list[tuple[str, Any, str]] = [
        ("native.type", NATIVE[strategy], f"the service's {strategy} strategy")
    ]
    linear, canary = (
        configuration.get("linearConfiguration") or {},
        configuration.get("canaryConfiguration") or {},
    )
    read = {
        "native.bake_minutes": configuration.get("bakeTimeInMinutes"),
        "native.step_percent": linear.get("stepPercent") if strategy == "LINEAR" else None,
        "native.step_bake_minutes": linear.get("stepBakeTimeInMinutes") if strategy == "LINEAR" else None,
        "native.canary_percent": canary.get("canaryPercent") if strategy == "CANARY" else None,
        "native.canary_bake_minutes": canary.get("canaryBakeTimeInMinutes") if strategy == "CANARY" else None,
        "native.alarms": ((configuration.get("alarms") or {}).get("alarmNames") or None),
    }
    for key, value in read.items():
        if value is not None:
            entries.append((key, _number(value), "the service's"))
    return entries


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value
