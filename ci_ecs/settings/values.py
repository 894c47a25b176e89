"""Converters for configuration values: each checks one value and names the key and its source on error."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef, image_problem
from ci_ecs.redaction import looks_secret
from ci_ecs.settings.techniques import SwitchRoute
from ci_ecs.settings.yamlfile import load_yaml

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")
_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
# Target group names are ≤ 32 characters: the prefix leaves room for "-" and an 8-character version part.
_PREFIX = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,21}[A-Za-z0-9])?")
_PREFIX_RULE = "1-23 letters, digits or hyphens, not starting or ending with a hyphen"
T = TypeVar("T")
Option = TypeVar("Option", bound=str)


@dataclass(frozen=True)
class Converter(Generic[T]):
    """A kind of value: which values it accepts, in words, and the check that converts one."""

    accepts: str  # shown in the configuration reference
    check: Callable[[object, str, str], T]  # (value, key, source) → the value; ConfigError if unfit

    def __call__(self, value: object, key: str, source: str) -> T:
        """The value converted; a ConfigError naming the key and its source when it does not fit."""
        return self.check(value, key, source)


def bad(key: str, source: str, expected: str, value: object) -> ConfigError:
    """The error for a value of the wrong kind; a secret-looking value is not shown."""
    shown = "****" if looks_secret(key, str(value)) else repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return ConfigError(f"{key}: expected {expected}, got {shown} (from {source})")


def _listed(options: Sequence[str]) -> str:
    """Options as the reference shows them: `a`, `b` or `c`."""
    quoted = [f"`{option}`" for option in options]
    return " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


def _string(value: object, key: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad(key, source, "a non-empty string", value)
    return value.strip()


string = Converter("text", _string)


path = Converter(
    "a file path (in the file, relative to the file)",
    lambda value, key, source: Path(string(value, key, source)),
)


def _container_names(value: object, key: str, source: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise bad(key, source, "a container name or a list of names", value)
    names = tuple(i.strip() for i in items if i.strip())
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", name):
            raise bad(key, source, "container names of letters, digits, - and _", name)
    return names


container_names = Converter("a container name or a list of names (comma-separated)", _container_names)


def _boolean(value: object, key: str, source: str) -> bool:
    if not isinstance(value, bool | str) or str(value).strip().lower() not in _BOOLS:
        raise bad(key, source, "true or false (or yes/no, 1/0)", value)
    return _BOOLS[str(value).strip().lower()]


boolean = Converter("`true` or `false` (or `yes`/`no`, `1`/`0`)", _boolean)


def parse_duration(text: str) -> float | None:
    """Seconds in `90`, `1.5`, `90s`, `15m`, `2m30s` or `1h`; None when it is not a duration."""
    match = _DURATION.fullmatch(text.strip().lower().replace(" ", ""))
    if not text.strip() or not match:
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _duration(value: object, key: str, source: str) -> float:
    expected = "a number of seconds or a duration like 90s, 15m or 2m30s"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad(key, source, expected, value)
    seconds = parse_duration(value) if isinstance(value, str) else float(value)
    if seconds is None or not math.isfinite(seconds):
        raise bad(key, source, expected, value)
    if seconds <= 0:
        raise ConfigError(f"{key}: must be more than 0 seconds, got {value!r} (from {source})")
    return seconds


duration = Converter("seconds, or a duration like `90s`, `15m`, `2m30s` or `1h`", _duration)


def _duration_or_zero(value: object, key: str, source: str) -> float:
    if value in (0, "0", "0s") and not isinstance(value, bool):
        return 0.0
    return _duration(value, key, source)


duration_or_zero = Converter("seconds, or a duration like `30s` or `1m` (`0`: none)", _duration_or_zero)


def duration_up_to(limit: float, why: str) -> Converter[float]:
    """A duration of at most `limit` seconds (`why`: whose limit it is)."""

    def convert(value: object, key: str, source: str) -> float:
        seconds = _duration(value, key, source)
        if seconds > limit:
            raise ConfigError(f"{key}: at most {limit / 3600:g}h ({why}), got {value!r} (from {source})")
        return seconds

    return Converter(f"{duration.accepts}, at most {limit / 3600:g}h", convert)


def _image_reference(value: object, key: str, source: str) -> ImageRef:
    parsed = ImageRef.parse(string(value, key, source))
    problem = image_problem(parsed)
    if problem:
        raise ConfigError(f"{key}: {value!r} is not an image reference: {problem} (from {source})")
    return parsed


image_reference = Converter("`REPOSITORY`, `REPOSITORY:TAG` or `REPOSITORY@DIGEST`", _image_reference)


def _name_prefix(value: object, key: str, source: str) -> str:
    name = string(value, key, source)
    if not _PREFIX.fullmatch(name):
        raise bad(key, source, _PREFIX_RULE, name)
    return name


name_prefix = Converter(_PREFIX_RULE, _name_prefix)


def choice(options: Sequence[Option]) -> Converter[Option]:
    """A converter accepting one of `options`."""

    def convert(value: object, key: str, source: str) -> Option:
        name = string(value, key, source)
        for option in options:
            if name == option:
                return option
        raise ConfigError(f"{key}: {name!r} is not one of: {', '.join(options)} (from {source})")

    return Converter(_listed(options), convert)


def number(low: float, high: float, *, integer: bool = False) -> Converter[float]:
    """A converter accepting a number in [low, high] (a whole number when `integer`)."""
    expected = f"{'a whole number' if integer else 'a number'} from {low:g} to {high:g}"

    def convert(value: object, key: str, source: str) -> float:
        try:
            parsed = (
                float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else None
            )
        except ValueError:
            parsed = None
        if parsed is None or not math.isfinite(parsed) or not low <= parsed <= high:
            raise bad(key, source, expected, value)
        if integer and parsed != int(parsed):
            raise bad(key, source, expected, value)
        return int(parsed) if integer else parsed

    return Converter(expected, convert)


def arns(kind: str) -> Converter[tuple[str, ...]]:
    """A converter accepting one ARN or a list of ARNs whose resource part starts with `kind`."""

    def convert(value: object, key: str, source: str) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items or not all(isinstance(i, str) for i in items):
            raise bad(key, source, f"an ARN or a list of ARNs ({kind}…)", value)
        found = tuple(i.strip() for i in items if i.strip())
        for arn in found:
            if not re.fullmatch(rf"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{{12}}:({kind}).+", arn):
                raise bad(key, source, f"an ARN of a {kind.replace('|', ' or ')}", arn)
        return found

    return Converter(f"ARNs of {_kinds(kind)}: one, a list, or comma-separated", convert)


def arn(kind: str) -> Converter[str]:
    """A converter accepting one ARN whose resource part starts with `kind`."""
    several = arns(kind)
    return Converter(f"the ARN of {_kinds(kind)}", lambda value, key, source: several(value, key, source)[0])


def mapping_of(item: object, label: str, source: str, keys: Sequence[str], what: str) -> Mapping[str, Any]:
    """`item` as a mapping of only these keys; else a ConfigError naming the first stranger."""
    if not isinstance(item, Mapping):
        raise bad(label, source, f"a mapping of {', '.join(keys)}", item)
    unknown = sorted(str(k) for k in item if k not in keys)
    if unknown:
        raise ConfigError(
            f"{label}: unknown key '{unknown[0]}' — {what} has {', '.join(keys)} (from {source})"
        )
    return item


def _kinds(kind: str) -> str:
    return " or ".join(f"`{part}…`" for part in kind.split("|"))


_ROUTE_KEYS = ("public_rule", "preparing_rule", "name_prefix")
_RULE = arn("listener-rule/")


def _switch_routes(value: object, key: str, source: str) -> tuple[SwitchRoute, ...]:
    items = load_yaml(value, source) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise bad(key, source, "a list of routes, each with public_rule, preparing_rule, name_prefix", value)
    routes = []
    for number, item in enumerate(items):
        label = f"{key}[{number}]"
        item = mapping_of(item, label, source, _ROUTE_KEYS, "a route")
        for needed in _ROUTE_KEYS[:2] if number == 0 else _ROUTE_KEYS:
            if item.get(needed) is None:
                why = (
                    " (each route's target groups need names of their own)" if needed == "name_prefix" else ""
                )
                raise ConfigError(f"{label}.{needed}: missing{why} (from {source})")
        prefix = item.get("name_prefix")
        routes.append(
            SwitchRoute(
                _RULE(item["public_rule"], f"{label}.public_rule", source),
                _RULE(item["preparing_rule"], f"{label}.preparing_rule", source),
                "" if prefix is None else name_prefix(prefix, f"{label}.name_prefix", source),
            )
        )
    return tuple(routes)


switch_routes = Converter(
    "a list of routes, one per load balancer of the service: each a mapping of `public_rule`, "
    "`preparing_rule` and `name_prefix` (required but on the first); as a variable, the same in YAML or JSON",
    _switch_routes,
)
