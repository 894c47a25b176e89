"""The `notify:` settings: where notifications go, on which events; webhook URLs are secrets, never shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urlsplit

from ci_ecs.errors import ConfigError
from ci_ecs.settings.values import Converter

Event = Literal["start", "success", "failure", "rollback"]
EVENTS: tuple[Event, ...] = get_args(Event)
DEFAULT_EVENTS: tuple[Event, ...] = ("success", "failure", "rollback")
# `${NAME}` or `$NAME`: the URL is read from that variable when a job runs.
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_NOT_SHOWN = "(the value is not shown: webhook URLs are secrets)"


@dataclass(frozen=True)
class NotifySettings:
    """Where a job's notifications go (each URL as configured: a URL or a `${VARIABLE}`) and when."""

    slack_webhook: str | None = None
    teams_webhook: str | None = None
    webhook: str | None = None
    events: tuple[Event, ...] = DEFAULT_EVENTS
    timeout: float = 5.0


def _is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in text)


def _webhook(value: object, key: str, source: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not (_VARIABLE.fullmatch(text) or _is_url(text)):
        raise ConfigError(
            f"{key}: expected an http(s) URL or ${{VARIABLE}} naming the variable that holds it "
            f"{_NOT_SHOWN} (from {source})"
        )
    return text


webhook = Converter(
    "an `https://` URL, or `${VARIABLE}`: the variable that holds it (webhook URLs are secrets)", _webhook
)


def _events(value: object, key: str, source: str) -> tuple[Event, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{key}: expected a list of {', '.join(EVENTS)}, got {value!r} (from {source})")
    chosen: list[Event] = []
    for item in (i.strip() for i in items if i.strip()):
        event = next((e for e in EVENTS if e == item), None)
        if event is None:
            raise ConfigError(f"{key}: {item!r} is not one of: {', '.join(EVENTS)} (from {source})")
        chosen.append(event)
    if not chosen:
        raise ConfigError(f"{key}: name at least one of {', '.join(EVENTS)} (from {source})")
    return tuple(dict.fromkeys(chosen))


events = Converter(
    "a list of `start`, `success`, `failure`, `rollback` (or comma-separated)",
    _events,
)


def resolve(configured: str, key: str, env: Mapping[str, str], source: str) -> str:
    """The webhook URL itself: the configured one, or the value of the `${VARIABLE}` it names."""
    found = _VARIABLE.fullmatch(configured)
    if found is None:
        return configured
    name = found[1] or found[2]
    url = env.get(name, "").strip()
    if not url:
        raise ConfigError(
            f"{key}: variable {name} is not set or empty (from {source}) — set it in the CI's variables "
            f"(masked), or remove {key}"
        )
    if not _is_url(url):
        raise ConfigError(f"{key}: variable {name} does not hold an http(s) URL {_NOT_SHOWN} (from {source})")
    return url
