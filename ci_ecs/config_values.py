"""Converters for configuration values: each checks one value and names the key and its source on error."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef, image_problem
from ci_ecs.redaction import looks_secret

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")
_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def bad(key: str, source: str, expected: str, value: object) -> ConfigError:
    """The error for a value of the wrong kind; a secret-looking value is not shown."""
    shown = "****" if looks_secret(key, str(value)) else repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return ConfigError(f"{key}: expected {expected}, got {shown} (from {source})")


def string(value: object, key: str, source: str) -> str:
    """A non-empty string, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise bad(key, source, "a non-empty string", value)
    return value.strip()


def container_names(value: object, key: str, source: str) -> tuple[str, ...]:
    """Container names: one, a comma-separated string, or a list."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise bad(key, source, "a container name or a list of names", value)
    names = tuple(i.strip() for i in items if i.strip())
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", name):
            raise bad(key, source, "container names of letters, digits, - and _", name)
    return names


def boolean(value: object, key: str, source: str) -> bool:
    """true/false, yes/no or 1/0."""
    if not isinstance(value, bool | str) or str(value).strip().lower() not in _BOOLS:
        raise bad(key, source, "true or false (or yes/no, 1/0)", value)
    return _BOOLS[str(value).strip().lower()]


def parse_duration(text: str) -> float | None:
    """Seconds in `90`, `1.5`, `90s`, `15m`, `2m30s` or `1h`; None when it is not a duration."""
    match = _DURATION.fullmatch(text.strip().lower().replace(" ", ""))
    if not text.strip() or not match:
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def duration(value: object, key: str, source: str) -> float:
    """Seconds, from a number or a duration like 90s, 15m or 2m30s."""
    expected = "a number of seconds or a duration like 90s, 15m or 2m30s"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad(key, source, expected, value)
    seconds = parse_duration(value) if isinstance(value, str) else float(value)
    if seconds is None or not math.isfinite(seconds):
        raise bad(key, source, expected, value)
    if seconds <= 0:
        raise ConfigError(f"{key}: must be more than 0 seconds, got {value!r} (from {source})")
    return seconds


def image_reference(value: object, key: str, source: str) -> ImageRef:
    """An image reference valid by Docker's rules."""
    parsed = ImageRef.parse(string(value, key, source))
    problem = image_problem(parsed)
    if problem:
        raise ConfigError(f"{key}: {value!r} is not an image reference: {problem} (from {source})")
    return parsed


def choice(options: Sequence[str]) -> Callable[[object, str, str], str]:
    """A converter accepting one of `options`."""

    def convert(value: object, key: str, source: str) -> str:
        name = string(value, key, source)
        if name not in options:
            raise ConfigError(f"{key}: {name!r} is not one of: {', '.join(options)} (from {source})")
        return name

    return convert


def number(low: float, high: float, *, integer: bool = False) -> Callable[[object, str, str], float]:
    """A converter accepting a number in [low, high] (a whole number when `integer`)."""

    def convert(value: object, key: str, source: str) -> float:
        kind = "a whole number" if integer else "a number"
        expected = f"{kind} from {low:g} to {high:g}"
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

    return convert


def arns(kind: str) -> Callable[[object, str, str], tuple[str, ...]]:
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

    return convert
