"""One frozen Settings from ci-ecs.yml, CI_ECS_* variables and flags."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef
from ci_ecs.settings.analysis import AnalysisSettings
from ci_ecs.settings.keys import GROUPS, KEYS, flag_name, variable_name
from ci_ecs.settings.notify import NotifySettings
from ci_ecs.settings.review import ReviewSettings
from ci_ecs.settings.review import check as check_review
from ci_ecs.settings.services import OnFailure, Place, ServiceEntry, distinct, labels
from ci_ecs.settings.services import check as check_services
from ci_ecs.settings.techniques import (
    CanarySettings,
    CodeDeploySettings,
    DiagnosticsSettings,
    LockSettings,
    NativeSettings,
    OnCancel,
    Strategy,
    SwitchSettings,
    WaitSettings,
)
from ci_ecs.settings.values import bad, name_prefix
from ci_ecs.settings.yamlfile import load_yaml

DEFAULT_CONFIG = "ci-ecs.yml"
SERVICE_SOURCE = "services["  # how a key set by an entry of `services:` names its source
Layer = dict[str, tuple[Any, str]]
_G = TypeVar("_G")


@dataclass(frozen=True)
class Settings:
    """Everything a job is configured with, each value from the strongest source that set it."""

    cluster: str
    service: str
    region: str | None = None
    role_arn: str | None = None
    image: ImageRef | None = None
    container: tuple[str, ...] = ()
    task_definition: Path | None = None
    strategy: Strategy = "rolling"
    circuit_breaker: bool = True
    wait: WaitSettings = field(default_factory=WaitSettings)
    canary: CanarySettings = field(default_factory=CanarySettings)
    codedeploy: CodeDeploySettings = field(default_factory=CodeDeploySettings)
    switch: SwitchSettings = field(default_factory=SwitchSettings)
    native: NativeSettings = field(default_factory=NativeSettings)
    lock: LockSettings = field(default_factory=LockSettings)
    diagnostics: DiagnosticsSettings = field(default_factory=DiagnosticsSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    on_cancel: OnCancel = "rollback"
    services: tuple[ServiceEntry, ...] = ()
    on_failure: OnFailure = "rollback-all"
    forge: str = "auto"
    url: str | None = None  # the environment's address, for the forge and DEPLOY_URL
    environment: str | None = None
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False)
    # `services:`: each service's own settings, in the order of `services` (loaded with them)
    each_service: tuple[Settings, ...] = ()
    label: str = ""  # `services:`: the service as output names it ("": by its name)

    @property
    def name(self) -> str:
        """The service as output names it: its name, with its region (account, cluster) when another
        service of the job has the same name."""
        return self.label or self.service


def of_service(settings: Settings, entry: ServiceEntry) -> Settings:
    """One service of `services:` as settings of its own: the job's keys with the entry's own on top."""
    number = settings.services.index(entry)
    if settings.each_service:
        return settings.each_service[number]
    each = [  # settings made without the loader: the entry's service, cluster, container, region and role
        replace(
            settings,
            service=e.service,
            cluster=e.cluster or settings.cluster,
            container=e.container or settings.container,
            region=e.own.get("region") or settings.region,
            role_arn=e.own.get("role_arn") or settings.role_arn,
            services=(),
        )
        for e in settings.services
    ]
    return _labelled(each)[number]


def _labelled(each: list[Settings], env: Mapping[str, str] | None = None) -> list[Settings]:
    """The services' settings, each with its label."""
    names = labels([_place(one, env) for one in each])
    return [replace(one, label=name) for one, name in zip(each, names, strict=True)]


def _place(one: Settings, env: Mapping[str, str] | None) -> Place:
    """Where the service is; without a region of its own, in the one AWS's variables name (as boto3)."""
    found = env or {}
    region = one.region or found.get("AWS_REGION") or found.get("AWS_DEFAULT_REGION") or None
    return Place(one.service, one.cluster, region, one.role_arn)


def service_named(settings: Settings, name: str | None) -> Settings:
    """A command about one service (`run`, `render`): with `services:`, the one named, else the first."""
    if not settings.services:
        return settings
    entries = settings.services
    entry = entries[0] if name is None else next((e for e in entries if e.service == name), None)
    if entry is None:
        listed = ", ".join(e.service for e in entries)
        raise ConfigError(f"--service: {name} is not a service of `services:` — pick one of {listed}")
    return of_service(settings, entry)


def _flatten(data: Mapping[Any, Any], shown: str, group: str, source: str, where: str, base: Path) -> Layer:
    """The converted dotted keys of one mapping of the file; `shown` prefixes keys in messages."""
    layer: Layer = {}
    for name, value in data.items():
        key = f"{group}{name}"
        if key in KEYS and value is not None:
            if key == "task_definition" and isinstance(value, str) and value.strip():
                value = str(base / value.strip())  # relative to the file, not to the job's directory
            layer[key] = (KEYS[key].convert(value, key, source), source)
        elif key in GROUPS and value is not None:
            if not isinstance(value, Mapping):
                members = ", ".join(k for k in KEYS if k.startswith(key))
                raise bad(key, source, f"a mapping of {members}", value)
            layer.update(_flatten(value, shown, key + ".", source, where, base))
        elif key not in KEYS and key not in GROUPS:
            known = [*KEYS, *GROUPS, *([] if shown else ["environments"])]
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" — did you mean '{shown}{close[0]}'?" if close else ""
            raise ConfigError(f"unknown key '{shown}{key}' in {where}{hint}")
    return layer


def _read(path: Path, where: str) -> dict[Any, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), where)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config: cannot read {where}: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of keys at the top, not a {type(data).__name__}")
    return data or {}


def _section(envs: object, name: str | None, named_by: str, where: str, base: Path) -> Layer:
    """The section for the environment (its own, else the first pattern like `review/*` matching it)."""
    if not isinstance(envs, Mapping | None):
        raise bad("environments", f"file {where}", "a mapping of environment names to keys", envs)
    sections: dict[str, Layer] = {}
    for env_name, body in (envs or {}).items():  # every section is checked, in effect or not
        label = f"environments.{env_name}"
        if not isinstance(body, Mapping | None):
            raise bad(label, f"file {where}", "a mapping of keys", body)
        sections[str(env_name)] = _flatten(body or {}, label + ".", "", f"{label} in {where}", where, base)
    if not name or not sections or name in sections:
        return sections.get(name or "", {})
    for pattern, layer in sections.items():
        if any(c in pattern for c in "*?[") and fnmatchcase(name, pattern):
            return layer
    defined = ", ".join(sections)
    raise ConfigError(
        f"environments: no entry for '{name}' (from {named_by}) in {where}; defined: {defined} — once the "
        f"file has `environments:`, every environment a job runs for must be listed (by name or a pattern; "
        f"`{name}: {{}}` takes the top-level keys as they are)"
    )


def _given(values: Mapping[str, object], source: Callable[[str], str]) -> Layer:
    return {key: (KEYS[key].convert(value, key, source(key)), source(key)) for key, value in values.items()}


def _missing(key: str, path: Path, env: Mapping[str, str]) -> ConfigError:
    wanted = variable_name(key)
    stray = [v for v in env if v.startswith("CI_ECS_") and v not in map(variable_name, KEYS)]
    close = difflib.get_close_matches(wanted, stray, n=1, cutoff=0.8)
    hint = f" ({close[0]} is set: did you mean {wanted}?)" if close else ""
    if not path.is_file():
        return ConfigError(
            f"{key}: missing — no config file: {path.name} not found in {path.resolve().parent} (the working "
            f"directory); run where it is, pass --config FILE, or set {wanted} or {flag_name(key)}{hint}"
        )
    return ConfigError(f"{key}: missing — set `{key}:` in {path}, {wanted} or {flag_name(key)}{hint}")


def load_settings(
    config_path: Path | None,
    *,
    environment: str | None,
    env: Mapping[str, str],
    flags: Mapping[str, object],
    require_service: bool = True,
) -> Settings:
    """Merge defaults < the file < its `environments.<name>` section < CI_ECS_* variables < flags."""
    path = config_path if config_path is not None else Path(DEFAULT_CONFIG)
    if config_path is not None and not config_path.is_file():
        raise ConfigError(f"config: {config_path} not found")
    where = str(path)
    data = _read(path, where) if path.is_file() else {}
    name = environment or env.get("CI_ENVIRONMENT_NAME") or None
    named_by = "flag --environment" if environment else "variable CI_ENVIRONMENT_NAME"
    section = _section(data.pop("environments", None), name, named_by, where, path.parent)
    for key, value in flags.items():
        if value is not None and key not in KEYS:
            raise ConfigError(f"{flag_name(key)}: unknown option")
    # CI systems often declare variables empty: that is "not set"
    variables = {k: env[variable_name(k)] for k in KEYS if env.get(variable_name(k), "").strip()}
    merged: Layer = {
        **_flatten(data, "", "", f"file {where}", where, path.parent),
        **section,
        **_given(variables, lambda k: f"variable {variable_name(k)}"),
        **_given({k: v for k, v in flags.items() if v is not None}, lambda k: f"flag {flag_name(k)}"),
    }
    for key, spec in KEYS.items():
        several = key in ("service", "cluster") and "services" in merged  # each entry names its own
        if spec.required and require_service and key not in merged and not several:
            raise _missing(key, path, env)
    settings = _settings(merged, name, named_by)
    if not settings.services:
        return settings
    each = [
        _of_entry(merged, number, entry, name, named_by, path.parent)
        for number, entry in enumerate(settings.services)
    ]
    distinct([_place(one, env) for one in each], merged["services"][1])
    return replace(settings, each_service=tuple(_labelled(each, env)))


def _settings(merged: Layer, name: str | None, named_by: str) -> Settings:
    """The Settings of one merged layer, checked."""
    value = {key: v for key, (v, _) in merged.items()}
    sources = {key: merged[key][1] if key in merged else "default" for key in KEYS}
    sources.update({"environment": named_by} if name else {})
    settings = Settings(
        **{"cluster": "", "service": "", **{k: v for k, v in value.items() if "." not in k}},
        circuit_breaker=value.get("rolling.circuit_breaker", True),
        wait=_group(WaitSettings, "wait.", value),
        canary=_group(CanarySettings, "canary.", value),
        codedeploy=_group(CodeDeploySettings, "codedeploy.", value),
        switch=_group(SwitchSettings, "switch.", value),
        native=_group(NativeSettings, "native.", value),
        lock=_group(LockSettings, "lock.", value),
        diagnostics=_group(DiagnosticsSettings, "diagnostics.", value),
        analysis=_group(AnalysisSettings, "analysis.", value),
        notify=_group(NotifySettings, "notify.", value),
        review=_group(ReviewSettings, "review.", value),
        environment=name,
        sources=MappingProxyType(sources),
    )
    _check(settings, value, sources)
    return settings


def _of_entry(
    merged: Layer, number: int, entry: ServiceEntry, name: str | None, named_by: str, base: Path
) -> Settings:
    """One service's settings: the job's keys, then the entry's own on top (they win over every source)."""
    label = f"services[{number}]"
    where = merged["services"][1]
    source = f"{label} in {where}"
    own = _flatten(dict(entry.own), label + ".", "", source, where, base)
    layer: Layer = {k: v for k, v in merged.items() if k not in ("services", "on_failure")}
    layer.update(own)
    layer["service"] = (entry.service, source)
    layer.update({"cluster": (entry.cluster, source)} if entry.cluster else {})
    layer.update({"container": (entry.container, source)} if entry.container else {})
    return _settings(layer, name, named_by)


def _group(cls: type[_G], prefix: str, value: Mapping[str, Any]) -> _G:
    """One group's dataclass from its dotted keys."""
    return cls(**{k.removeprefix(prefix): v for k, v in value.items() if k.startswith(prefix)})


def _check(settings: Settings, value: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """Checks that span several keys."""
    wait = settings.wait
    if wait.poll_first > wait.poll_cap:
        raise ConfigError(
            f"wait.poll_first: {wait.poll_first:g}s is longer than wait.poll_cap {wait.poll_cap:g}s "
            f"(from {sources['wait.poll_first']} and {sources['wait.poll_cap']})"
        )
    if not settings.services:  # with `services:`, each service's settings are checked on their own
        _check_applies(value, sources)
    template = settings.task_definition
    if template is not None and not template.is_file():
        raise ConfigError(f"task_definition: {template} not found (from {sources['task_definition']})")
    for key, spec in KEYS.items():
        if spec.replaced_by in value and key in value:
            raise ConfigError(
                f"{key}: given with {spec.replaced_by} (from {sources[key]} and {sources[spec.replaced_by]}) "
                f"— put it in {spec.replaced_by} instead"
            )
        if spec.required_with and key not in value and spec.replaced_by not in value:
            chooser, chosen = spec.required_with
            if value.get(chooser) == chosen:
                raise ConfigError(f"{key}: required with {chooser} {chosen} (from {sources[chooser]})")
    if value.get("strategy") == "switch":
        _check_routes(settings, sources)
    _check_analysis(settings, sources)
    check_review(settings.review, sources)
    check_services(settings.services, (settings.service, settings.cluster), sources)
    targets = settings.codedeploy.target_groups
    if targets and len(targets) != 2:
        raise ConfigError(
            f"codedeploy.target_groups: expected two target groups (blue, green), got {len(targets)} "
            f"(from {sources['codedeploy.target_groups']})"
        )


def _check_analysis(settings: Settings, sources: Mapping[str, str]) -> None:
    """An analysis judges a canary; several traffic steps or automatic promotion need one."""
    weighted = settings.strategy == "switch" or settings.canary.mode == "taskset"
    for key in ("canary.steps", "canary.weight"):
        chosen = max(_strength(sources["strategy"]), _strength(sources["canary.mode"]))
        if sources[key] != "default" and not weighted and chosen <= _strength(sources[key]):
            mode = settings.canary.mode or "not set"
            raise ConfigError(
                f"{key}: applies only with canary.mode taskset or strategy switch, but strategy is "
                f"{settings.strategy} and canary.mode is {mode} — remove it (from {sources[key]})"
            )
    if settings.analysis.enabled:
        if settings.strategy == "rolling" and settings.canary.mode is None:
            raise ConfigError(
                "analysis: judges a canary, and canary.mode is not set — set canary.mode (task, service or "
                f"taskset) (from {sources['canary.mode']} and the analysis settings)"
            )
        return
    if len(settings.canary.steps) > 1:
        raise ConfigError(
            f"canary.steps: {len(settings.canary.steps)} steps need an `analysis:` to judge each "
            f"(error_rate, p99_latency, queries or alarms) (from {sources['canary.steps']})"
        )
    if settings.analysis.promote == "auto":
        raise ConfigError(
            "analysis.promote: auto needs checks to promote on — give `analysis:` an error_rate, "
            f"p99_latency, queries or alarms (from {sources['analysis.promote']})"
        )


def _check_applies(value: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """A key given for a technique or canary mode other than the configured one is a mistake, not a no-op.

    Unless a stronger layer chose the technique: keys shared at the top of the file stay valid for the
    environments that pick another strategy in their own section.
    """
    chosen = {"strategy": value.get("strategy", "rolling"), "canary.mode": value.get("canary.mode") or ""}
    for key in value:
        for chooser, allowed in KEYS[key].applies_with:
            if chosen[chooser] in allowed or _strength(sources[chooser]) > _strength(sources[key]):
                continue
            shown = " or ".join(option or "unset" for option in allowed)
            actual = f"is {chosen[chooser]}" if chosen[chooser] else "is not set"
            raise ConfigError(
                f"{key}: applies only with {chooser} {shown}, but {chooser} {actual} — remove it "
                f"(from {sources[key]})"
            )


def _strength(source: str) -> int:
    """How specific a source is: default < the file < its environment's section < variables < flags <
    a service's own keys in `services:`."""
    order = ("default", "file ", "environments.", "variable ", "flag ", SERVICE_SOURCE)
    return next(rank for rank, start in reversed(list(enumerate(order))) if source.startswith(start))


def _check_routes(settings: Settings, sources: Mapping[str, str]) -> None:
    """Every route's target groups get names of their own, valid ones; no rule serves two routes."""
    several = bool(settings.switch.routes)
    source = sources["switch.routes" if several else "switch.public_rule"]
    seen: dict[str, str] = {}
    for number, route in enumerate(settings.switch.all_routes(settings.service)):
        if route.name_prefix == settings.service and sources["switch.name_prefix"] == "default":
            name_prefix(settings.service, "switch.name_prefix", "default: the service name")
        for what, name in (
            ("name_prefix", route.name_prefix),
            ("public_rule", route.public_rule),
            ("preparing_rule", route.preparing_rule),
        ):
            label = f"switch.routes[{number}].{what}" if several else f"switch.{what}"
            if name in seen:
                raise ConfigError(
                    f"{label}: {name} is also {seen[name]} (from {source}) — each route needs rules and "
                    "target-group names of its own"
                )
            seen[name] = label
