"""What the `switch` technique finds in AWS: its routes' rules and every version's service, by their tags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import output
from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws.clients import missing_is
from ci_ecs.errors import AwsError, PreconditionError
from ci_ecs.output import counted
from ci_ecs.settings import Settings, SwitchRoute
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context


def routes(settings: Settings) -> tuple[SwitchRoute, ...]:
    """The configured routes, in the order of the service's load balancers, each with its name prefix."""
    return settings.switch.all_routes(settings.service)


def forwarding(which: str, groups: Sequence[str]) -> str:
    """ "the public rule forwards to a", "the preparing rules forward to a, b": one rule per target group."""
    rules, verb = ("rule", "forwards") if len(groups) == 1 else ("rules", "forward")
    return f"the {which} {rules} {verb} to {', '.join(map(elbv2.target_group_name, groups))}"


def plural(settings: Settings) -> str:
    """ "s" when the service has several routes, for the words rule and target group."""
    return "s" if len(routes(settings)) > 1 else ""


@dataclass
class Rules:
    """What one route's rules forward to, as read (target group ARN → weight)."""

    route: SwitchRoute
    public: dict[str, int] = field(default_factory=dict)
    preparing: dict[str, int] = field(default_factory=dict)
    preparing_conditions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Family:
    """The routes' rules and the services of every version of one base service."""

    base: str
    rules: tuple[Rules, ...] = ()
    services: list[dict[str, Any]] = field(default_factory=list)

    def by_group(self, group: str) -> dict[str, Any] | None:
        """The service whose tasks register in this target group."""
        return next((s for s in self.services if group in groups_of(s)), None)

    def by_name(self, name: str) -> dict[str, Any] | None:
        """The service of this name."""
        return next((s for s in self.services if s["serviceName"] == name), None)

    def by_version(self, version: str) -> dict[str, Any] | None:
        """The service of this version."""
        return next((s for s in self.services if version_of(s, self.base) == version), None)

    def public_services(self) -> list[dict[str, Any]]:
        """The services the public rules forward to, by their largest share of a rule's traffic."""
        shares: dict[str, tuple[float, dict[str, Any]]] = {}
        for rules in self.rules:
            total = sum(rules.public.values()) or 1
            for group, weight in rules.public.items():
                found = self.by_group(group)
                if found is not None:
                    best = max(weight / total, shares.get(found["serviceName"], (0.0, found))[0])
                    shares[found["serviceName"]] = (best, found)
        return [service for _, service in sorted(shares.values(), key=lambda item: -item[0])]

    def live(self, in_flight: str | None = None) -> dict[str, Any] | None:
        """The live service: the one the public rules forward to most, other than a version in flight.

        A job killed half-way through a switch may leave one route on the new version and another on both:
        the old version is live until every route has moved.
        """
        found = self.public_services()
        others = [s for s in found if version_of(s, self.base) != in_flight]
        return (others or found)[0] if found else None

    def only_on(self, service: dict[str, Any]) -> bool:
        """Whether every public rule forwards to this service only (its version is live)."""
        groups = groups_of(service)
        return bool(groups) and all(set(r.public) == {g} for r, g in zip(self.rules, groups, strict=False))

    def preparing_of(self) -> tuple[dict[str, Any], str] | None:
        """(the service carrying the mark, the version) of a prepare under way."""
        marked = [
            (s, ecs.tags_of(s)[state.SWITCH_PREPARING])
            for s in self.services
            if state.SWITCH_PREPARING in ecs.tags_of(s)
        ]
        return marked[0] if marked else None

    def used(self) -> set[str]:
        """Every target group a rule forwards to."""
        return {g for r in self.rules for g in (*r.public, *r.preparing)}


def groups_of(service: dict[str, Any]) -> tuple[str, ...]:
    """The target groups a version's service registers its tasks in, one a route, in order."""
    return tuple(
        str(lb["targetGroupArn"]) for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")
    )


def group_of(service: dict[str, Any]) -> str:
    """The target group of the service's first route."""
    groups = groups_of(service)
    return groups[0] if groups else ""


def version_of(service: dict[str, Any], base: str) -> str:
    """A service's version: its ci-ecs tag, else its name after `<base>-`."""
    tags, name = ecs.tags_of(service), str(service["serviceName"])
    return tags.get(state.VERSION) or (name[len(base) + 1 :] if name.startswith(base + "-") else name)


def read(ctx: Context) -> Family:
    """Every route's rules (one call), then the base service's services (tagged or on a rule)."""
    s = ctx.settings
    configured = routes(s)
    arns = list(dict.fromkeys(a for r in configured for a in (r.public_rule, r.preparing_rule)))
    try:
        found = elbv2.describe_rules(ctx.aws, arns)
    except AwsError as exc:
        if exc.code != "RuleNotFound":
            raise
        _name_missing_rule(ctx, s)
        raise
    rules = tuple(
        Rules(
            route,
            public=elbv2.weights_of(found[route.public_rule].get("Actions", [])),
            preparing=elbv2.weights_of(found[route.preparing_rule].get("Actions", [])),
            preparing_conditions=list(found[route.preparing_rule].get("Conditions", [])),
        )
        for route in configured
    )
    for r in rules:
        if not r.public:
            raise PreconditionError(
                f"switch.public_rule: {r.route.public_rule} does not forward to a target group"
            )
    family = Family(s.service, rules)
    used = family.used()
    family.services = [
        service
        for service in ecs.list_services(ctx.aws, s.cluster)
        if ecs.tags_of(service).get(state.SWITCH) == s.service or set(groups_of(service)) & used
    ]
    live = family.live()
    forwards_to = ", ".join(elbv2.target_group_name(g) for g in rules[0].public)
    if live is None:
        raise PreconditionError(
            f"switch.public_rule: no service of cluster {s.cluster} registers in the target "
            f"{output.plural(len(rules[0].public), 'group')} it forwards to ({forwards_to})"
        )
    if not is_version_of(live, s.service):
        raise PreconditionError(
            f"service: the public rule forwards to {forwards_to} of {live['serviceName']}, not a version "
            f"of {s.service} (named {s.service}-<version> or tagged {state.SWITCH}={s.service}) — set "
            "`service:` to its base name"
        )
    _check_routes(family, live)
    return family


def is_version_of(service: dict[str, Any], base: str) -> bool:
    """Whether a service is one of the base service's versions: by its tag, else by its name."""
    name, tags = str(service["serviceName"]), ecs.tags_of(service)
    if state.SWITCH in tags:
        return tags[state.SWITCH] == base
    return name == base or name.startswith(base + "-")


def _name_missing_rule(ctx: Context, settings: Settings) -> None:
    """PreconditionError naming the key of the first configured rule that does not exist."""
    several = bool(settings.switch.routes)
    for number, route in enumerate(routes(settings)):
        for what, arn in (("public_rule", route.public_rule), ("preparing_rule", route.preparing_rule)):
            label = f"switch.routes[{number}].{what}" if several else f"switch.{what}"
            with missing_is(
                f"{label}: rule {arn} does not exist — set it to a rule of the listener", ("RuleNotFound",)
            ):
                elbv2.describe_rules(ctx.aws, [arn])


def _check_routes(family: Family, live: dict[str, Any]) -> None:
    """The live service has a load balancer a route, and each route's public rule forwards to its group."""
    groups, count = groups_of(live), len(family.rules)
    if len(groups) != count:
        raise PreconditionError(
            f"switch.routes: service {live['serviceName']} registers in "
            f"{counted(len(groups), 'target group')} "
            f"({', '.join(map(elbv2.target_group_name, groups))}) but {counted(count, 'route')} "
            f"{'is' if count == 1 else 'are'} configured — "
            "give each of its load balancers a route (public and preparing rule)"
        )
    for number, (rules, group) in enumerate(zip(family.rules, groups, strict=True), 1):
        if group not in rules.public:
            raise PreconditionError(
                f"switch.routes: route {number}'s public rule forwards to "
                f"{', '.join(map(elbv2.target_group_name, rules.public))}, not to "
                f"{elbv2.target_group_name(group)} (load balancer {number} of {live['serviceName']}) — "
                "list the routes in the order of the service's load balancers"
            )


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


def _names(weights: dict[str, int]) -> dict[str, int]:
    return {elbv2.target_group_name(g): w for g, w in weights.items()}


def status(family: Family) -> dict[str, Any]:
    """For `ci-ecs status`: each route's target groups, the live service, and every version's service."""
    live = family.live()
    assert live is not None  # read() fails without one
    marked = family.preparing_of()
    return {
        "live_service": live["serviceName"],
        "public": _names(family.rules[0].public),
        "preparing": _names(family.rules[0].preparing),
        "routes": [{"public": _names(r.public), "preparing": _names(r.preparing)} for r in family.rules],
        "preparing_version": marked[1] if marked else None,
        "versions": [
            {
                "service": s["serviceName"],
                "version": version_of(s, family.base),
                "running": s.get("runningCount", 0),
                "desired": s.get("desiredCount", 0),
                "obsolete": state.OBSOLETE in ecs.tags_of(s),
            }
            for s in sorted(family.services, key=lambda s: str(s.get("createdAt", "")))
        ],
    }


def status_lines(found: dict[str, Any]) -> list[str]:
    """The switch state as text lines for `ci-ecs status`."""
    lines = []
    for route in found["routes"]:
        weights = ", ".join(f"{g} {w}" for g, w in route["public"].items())
        lines += [f"  public rule    {weights}", f"  preparing rule {', '.join(route['preparing'])}"]
    if found["preparing_version"]:
        lines.append(f"  preparing      {found['preparing_version']}")
    for v in found["versions"]:
        mark = "obsolete" if v["obsolete"] else ("live" if v["service"] == found["live_service"] else "")
        lines.append(
            f"    {v['service']:<24} {v['version']:<12} {v['running']}/{v['desired']} running {mark}"
        )
    return lines
