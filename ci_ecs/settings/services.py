"""`services:`: several services deployed from one release, and the waves their `after:` orders make."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from ci_ecs.errors import ConfigError
from ci_ecs.settings.names import ecs_name
from ci_ecs.settings.values import Converter, bad, container_names, mapping_of
from ci_ecs.settings.yamlfile import load_yaml

OnFailure = Literal["rollback-all", "keep"]
ON_FAILURE: tuple[OnFailure, ...] = get_args(OnFailure)
_ENTRY_KEYS = ("service", "cluster", "container", "after")


@dataclass(frozen=True)
class ServiceEntry:
    """One service of `services:`; an empty cluster or container inherits the top-level key."""

    service: str
    cluster: str = ""
    container: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


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
        item = mapping_of(item, label, source, _ENTRY_KEYS, "a service")
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
            )
        )
    waves(tuple(entries), key, source)  # an unknown or circular `after:` is a mistake in the file
    return tuple(entries)


services = Converter(
    "a list of services deployed from the one release, each a mapping of `service` and optionally "
    "`cluster`, `container` (else the top-level keys) and `after` (services that must be done first); "
    "as a variable, the same in YAML or JSON",
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


def check(
    entries: Sequence[ServiceEntry],
    top: tuple[str, str],
    technique: tuple[str, str | None],
    sources: Mapping[str, str],
) -> None:
    """`services:` works with a plain rolling update for now; each service needs a cluster.

    `top` is the top-level (service, cluster); `technique` the (strategy, canary.mode).
    """
    if not entries:
        if sources.get("on_failure", "default") != "default":
            raise ConfigError(f"on_failure: applies only with `services:` (from {sources['on_failure']})")
        return
    where = sources.get("services", "the configuration")
    strategy, mode = technique
    if strategy != "rolling" or mode is not None:
        chosen = f"strategy {strategy}" + (f" with canary.mode {mode}" if mode else "")
        raise ConfigError(
            f"services: not supported yet with {chosen} — for now `services:` deploys by a plain rolling "
            f"update (strategy rolling, no canary.mode) (from {where})"
        )
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
