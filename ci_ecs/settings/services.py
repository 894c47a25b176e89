"""`services:`: several services deployed from one release, and the waves their `after:` orders make."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, get_args

from ci_ecs.errors import ConfigError
from ci_ecs.settings.names import ecs_name
from ci_ecs.settings.values import Converter, bad, container_names, mapping_of
from ci_ecs.settings.yamlfile import load_yaml

OnFailure = Literal["rollback-all", "keep"]
ON_FAILURE: tuple[OnFailure, ...] = get_args(OnFailure)
_ENTRY_KEYS = ("service", "cluster", "container", "after")
# Keys that belong to the whole job, not to one of its services.
JOB_WIDE = ("image", "services", "on_failure", "on_cancel", "forge", "url", "lock", "notify", "review")


@dataclass(frozen=True)
class ServiceEntry:
    """One service of `services:`; an empty cluster or container inherits the top-level key.

    `own` holds the entry's other keys (strategy, canary, wait, …) as written; the settings loader
    converts them and layers them over the top-level keys for this service alone.
    """

    service: str
    cluster: str = ""
    container: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    own: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def _names(value: object, key: str, source: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise bad(key, source, "a service name or a list of names", value)
    return tuple(ecs_name(item, key, source) for item in items)


def _services(value: object, key: str, source: str) -> tuple[ServiceEntry, ...]:
    items = load_yaml(value, source) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise bad(key, source, "a list of services, each a mapping with `service`", value)
    entries: list[ServiceEntry] = []
    for number, item in enumerate(items):
        label = f"{key}[{number}]"
        if not isinstance(item, Mapping):
            mapping_of(item, label, source, _ENTRY_KEYS, "a service")  # raises: not a mapping
        item = dict(item)
        own = {str(k): item.pop(k) for k in list(item) if k not in _ENTRY_KEYS}
        for name in own:
            if name.partition(".")[0] in JOB_WIDE:
                raise ConfigError(
                    f"{label}.{name}: applies to the whole job, not to one service — set it at the top "
                    f"(from {source})"
                )
        if item.get("service") is None:
            raise ConfigError(f"{label}.service: missing (from {source})")
        entries.append(
            ServiceEntry(
                ecs_name(item["service"], f"{label}.service", source),
                "" if item.get("cluster") is None else ecs_name(item["cluster"], f"{label}.cluster", source),
                ()
                if item.get("container") is None
                else container_names(item["container"], f"{label}.container", source),
                () if item.get("after") is None else _names(item["after"], f"{label}.after", source),
                MappingProxyType(own),
            )
        )
    waves(tuple(entries), key, source)  # an unknown or circular `after:` is a mistake in the file
    return tuple(entries)


services = Converter(
    "a list of services deployed from the one release, each a mapping of `service` and optionally "
    "`cluster`, `container`, `after` (names of services that must be done first: every entry of a "
    "name) and any key of its own "
    "(`strategy`, `canary`, `wait`, `region`, …) that differs from the top-level keys; as a variable, the "
    "same in YAML or JSON",
    _services,
)


def waves(
    entries: Sequence[ServiceEntry], key: str = "services", source: str = "the configuration"
) -> tuple[tuple[ServiceEntry, ...], ...]:
    """The services in waves: each wave's services wait only for services of earlier waves.

    `after:` names services by name: a name means every entry of that name (the same service in several
    regions or accounts)."""
    names = {e.service for e in entries}
    for number, entry in enumerate(entries):
        for name in entry.after:
            if name not in names or name == entry.service:
                listed = ", ".join(dict.fromkeys(e.service for e in entries if e.service != entry.service))
                raise ConfigError(
                    f"{key}[{number}].after: {name} is not another service of `{key}` "
                    f"(listed: {listed}) (from {source})"
                )
    done: set[int] = set()
    result: list[tuple[ServiceEntry, ...]] = []
    while len(done) < len(entries):
        unfinished = {e.service for n, e in enumerate(entries) if n not in done}
        wave = [n for n, e in enumerate(entries) if n not in done and not set(e.after) & unfinished]
        if not wave:
            stuck = ", ".join(dict.fromkeys(e.service for n, e in enumerate(entries) if n not in done))
            raise ConfigError(f"{key}: `after:` goes round in a circle between {stuck} (from {source})")
        result.append(tuple(entries[n] for n in wave))
        done |= set(wave)
    return tuple(result)


@dataclass(frozen=True)
class Place:
    """Which service an entry deploys: its name, cluster, region and account (the role reaching it)."""

    service: str
    cluster: str
    region: str | None
    role_arn: str | None


def distinct(places: Sequence[Place], source: str) -> None:
    """The same service (name, cluster, region and account) twice in `services:` is a mistake."""
    seen: dict[Place, int] = {}
    for number, place in enumerate(places):
        if place in seen:
            raise ConfigError(
                f"services[{number}].service: {place.service} is listed twice (services[{seen[place]}] "
                f"and services[{number}]: the same cluster, region and account) — remove one, or give it "
                f"its own `region`, `role_arn` or `cluster` (from {source})"
            )
        seen[place] = number


def labels(places: Sequence[Place]) -> tuple[str, ...]:
    """Each service as output names it: its name, and when another entry has the same name, what tells
    them apart (`web (eu-west-1)`, `web (eu-west-1, 123456789012)`)."""
    result = []
    for place in places:
        twins = [p for p in places if p.service == place.service]
        parts = [
            shown
            for what, shown in (
                (lambda p: p.cluster.rsplit("/", 1)[-1], f"cluster {place.cluster.rsplit('/', 1)[-1]}"),
                (lambda p: p.region, place.region or "the default region"),
                (lambda p: account(p.role_arn), account(place.role_arn) or "the job's account"),
            )
            if len({what(p) for p in twins}) > 1
        ]
        result.append(f"{place.service} ({', '.join(parts)})" if parts else place.service)
    return tuple(result)


def account(role_arn: str | None) -> str:
    """The account of a role's ARN ('' without a role)."""
    return role_arn.split(":")[4] if role_arn and role_arn.count(":") >= 5 else ""


def check(entries: Sequence[ServiceEntry], top: tuple[str, str], sources: Mapping[str, str]) -> None:
    """`services:` replaces `service`; each service needs a cluster (`top`: top-level service, cluster)."""
    if not entries:
        if sources.get("on_failure", "default") != "default":
            raise ConfigError(f"on_failure: applies only with `services:` (from {sources['on_failure']})")
        return
    where = sources.get("services", "the configuration")
    service, cluster = top
    if service:
        raise ConfigError(
            f"service: given with services (from {sources.get('service')} and {where}) — list it in "
            "`services:` instead"
        )
    for number, entry in enumerate(entries):
        if not entry.cluster and not cluster:
            raise ConfigError(
                f"services[{number}].cluster: missing — set it, or `cluster:` for every service "
                f"(from {where})"
            )
