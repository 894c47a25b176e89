"""What the `switch` technique finds in AWS: its two rules and every version's service, by their tags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.errors import DeploymentFailed, PreconditionError
from ci_ecs.strategies.common import Context

SWITCH = "ci-ecs:switch"  # the base service name, on every version's service and target group
VERSION = "ci-ecs:version"
PREPARING = "ci-ecs:switch-preparing"  # on the live service: the version being prepared
PREPARING_WAS = "ci-ecs:switch-preparing-was"  # on the live service: the preparing rule before it
PREVIOUS_SERVICE = "ci-ecs:previous-service"
PREVIOUS_VERSION = "ci-ecs:previous-version"
PREVIOUS_TD = "ci-ecs:previous-task-definition"
ROLLED_BACK_FROM = "ci-ecs:rolled-back-from"
OBSOLETE = "ci-ecs:obsolete"
SAVED_DESIRED = "ci-ecs:saved-desired-count"


@dataclass
class Family:
    """The switch rules and the services of every version of one base service."""

    base: str
    public: dict[str, int] = field(default_factory=dict)  # target group ARN → weight
    preparing: dict[str, int] = field(default_factory=dict)
    preparing_conditions: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)

    def by_group(self, group: str) -> dict[str, Any] | None:
        """The service whose tasks register in this target group."""
        return next((s for s in self.services if group_of(s) == group), None)

    def by_name(self, name: str) -> dict[str, Any] | None:
        """The service of this name."""
        return next((s for s in self.services if s["serviceName"] == name), None)

    def by_version(self, version: str) -> dict[str, Any] | None:
        """The service of this version."""
        return next((s for s in self.services if version_of(s, self.base) == version), None)

    def public_services(self) -> list[dict[str, Any]]:
        """The services the public rule forwards to, heaviest first."""
        ordered = sorted(self.public.items(), key=lambda item: -item[1])
        return [s for g, _ in ordered if (s := self.by_group(g)) is not None]

    def live(self, in_flight: str | None = None) -> dict[str, Any] | None:
        """The live service: the one the public rule forwards to, other than a version in flight."""
        found = self.public_services()
        others = [s for s in found if version_of(s, self.base) != in_flight]
        return (others or found)[0] if found else None

    def preparing_of(self) -> tuple[dict[str, Any], str] | None:
        """(the service carrying the mark, the version) of a prepare under way."""
        marked = [(s, ecs.tags_of(s)[PREPARING]) for s in self.services if PREPARING in ecs.tags_of(s)]
        return marked[0] if marked else None


def group_of(service: dict[str, Any]) -> str:
    """The target group a version's service registers its tasks in."""
    balancers = [lb for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")]
    return str(balancers[0]["targetGroupArn"]) if balancers else ""


def version_of(service: dict[str, Any], base: str) -> str:
    """A service's version: its ci-ecs tag, else its name after `<base>-`."""
    tags, name = ecs.tags_of(service), str(service["serviceName"])
    return tags.get(VERSION) or (name[len(base) + 1 :] if name.startswith(base + "-") else name)


def read(ctx: Context) -> Family:
    """Both rules, then the cluster's services that belong to the base service (tagged, or on a rule)."""
    s = ctx.settings
    public, preparing = s.switch.public_rule, s.switch.preparing_rule
    if not public or not preparing:
        raise PreconditionError("switch.public_rule and switch.preparing_rule: both are needed")
    rules = elbv2.describe_rules(ctx.aws, [public, preparing] if public != preparing else [public])
    family = Family(
        base=s.service,
        public=elbv2.weights_of(rules[public].get("Actions", [])),
        preparing=elbv2.weights_of(rules[preparing].get("Actions", [])),
        preparing_conditions=list(rules[preparing].get("Conditions", [])),
    )
    if not family.public:
        raise PreconditionError(f"switch.public_rule: {public} does not forward to a target group")
    on_rules = set(family.public) | set(family.preparing)
    family.services = [
        found
        for found in ecs.list_services(ctx.aws, s.cluster)
        if ecs.tags_of(found).get(SWITCH) == s.service or group_of(found) in on_rules
    ]
    if family.live() is None:
        raise PreconditionError(
            f"switch.public_rule: no service of cluster {s.cluster} registers in the target group(s) it "
            f"forwards to ({', '.join(elbv2.target_group_name(g) for g in family.public)})"
        )
    return family


def conditions_text(conditions: list[dict[str, Any]]) -> str:
    """A rule's conditions as a person would type them: `Host: a.example`, `path /x/*`."""
    parts = []
    for c in conditions:
        field_name = c.get("Field", "")
        values = (
            c.get("HostHeaderConfig", {}).get("Values")
            or c.get("PathPatternConfig", {}).get("Values")
            or c.get("Values", [])
        )
        if field_name == "host-header":
            parts.append("Host: " + " or ".join(values))
        elif field_name == "path-pattern":
            parts.append("path " + " or ".join(values))
        elif field_name == "http-header":
            header = c.get("HttpHeaderConfig", {})
            parts.append(f"{header.get('HttpHeaderName')}: " + " or ".join(header.get("Values", [])))
        else:
            parts.append(f"{field_name} {' or '.join(str(v) for v in values)}")
    return ", ".join(parts) or "no conditions"


def status(family: Family) -> dict[str, Any]:
    """For `ci-ecs status`: the rules' target groups, the live service, and every version's service."""
    live = family.live()
    assert live is not None
    marked = family.preparing_of()
    return {
        "live_service": live["serviceName"],
        "public": {elbv2.target_group_name(g): w for g, w in family.public.items()},
        "preparing": {elbv2.target_group_name(g): w for g, w in family.preparing.items()},
        "preparing_version": marked[1] if marked else None,
        "versions": [
            {
                "service": s["serviceName"],
                "version": version_of(s, family.base),
                "running": s.get("runningCount", 0),
                "desired": s.get("desiredCount", 0),
                "obsolete": OBSOLETE in ecs.tags_of(s),
            }
            for s in sorted(family.services, key=lambda s: str(s.get("createdAt", "")))
        ],
    }


def status_lines(found: dict[str, Any]) -> list[str]:
    """The switch state as text lines for `ci-ecs status`."""
    weights = ", ".join(f"{g} {w}" for g, w in found["public"].items())
    lines = [f"  public rule    {weights}", f"  preparing rule {', '.join(found['preparing'])}"]
    if found["preparing_version"]:
        lines.append(f"  preparing      {found['preparing_version']}")
    for v in found["versions"]:
        state = "obsolete" if v["obsolete"] else ("live" if v["service"] == found["live_service"] else "")
        lines.append(
            f"    {v['service']:<24} {v['version']:<12} {v['running']}/{v['desired']} running {state}"
        )
    return lines


def forward(ctx: Context, rule: str, weights: dict[str, int]) -> None:
    """Point a rule at these target groups and read it back: traffic moves only when AWS says it has."""
    elbv2.set_forward_weights(ctx.aws, rule, weights)
    found = elbv2.forward_weights(ctx.aws, rule)
    if found != weights:
        raise DeploymentFailed(f"rule {rule} did not take the weights {weights}: it reads {found}")
