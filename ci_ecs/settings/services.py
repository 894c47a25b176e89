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
    "`cluster`, `container`, `after` (services that must be done first) and any key of its own "
    "(`strategy`, `canary`, `wait`, `region`, …) that differs from the top-level keys; as a variable, the "
    "same in YAML or JSON",
    _services,
)


def waves(
    entries: Sequence[ServiceEntry], key: str = "services", source: str = "the configuration"
) -> tuple[tuple[ServiceEntry, ...], ...]:
    """The services in waves: each wave's services wait only for services of earlier waves."""
    by_name: dict[str, ServiceEntry] = {}
    for number, entry in enumerate(entries):
        if entry.service in by_name:  # `after:` names services by name alone
            raise ConfigError(f"{key}[{number}].service: {entry.service} is listed twice (from {source})")
        by_name[entry.service] = entry
    for number, entry in enumerate(entries):
        for name in entry.after:
            if name not in by_name or name == entry.service:
                listed = ", ".join(e.service for e in entries if e.service != entry.service)
                raise ConfigError(
                    f"{key}[{number}].after: {name} is not another service of `{key}` "
                    f"(listed: {listed}) (from {source})"
                )
    done: set[str] = set()
    result: list[tuple[ServiceEntry, ...]] = []
    while len(done) < len(entries):
        wave = tuple(e for e in entries if e.service not in done and set(e.after) <= done)
        if not wave:
            stuck = ", ".join(e.service for e in entries if e.service not in done)
            raise ConfigError(f"{key}: `after:` goes round in a circle between {stuck} (from {source})")
        result.append(wave)
        done |= {e.service for e in wave}
    return tuple(result)


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
