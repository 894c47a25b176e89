"""What ECS said about a failed deployment: the service's events since it started, once each, in order."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ci_ecs.output import Console

MAX_EVENTS = 10  # the newest ones, if ECS said more
_SERVICE = re.compile(r"^\(service [^)]*\) ")  # every message starts by naming the service


def since(service: Mapping[str, Any], started: Any) -> list[str]:
    """The service's event messages from `started` on (all when unknown), oldest first, each once."""
    events = list(service.get("events", []))
    if isinstance(started, datetime):
        events = [e for e in events if isinstance(e.get("createdAt"), datetime) and e["createdAt"] >= started]
    ordered = sorted(events, key=lambda e: str(e.get("createdAt", "")))
    messages = [_SERVICE.sub("", str(e.get("message", ""))).strip() for e in ordered]
    unique = list(dict.fromkeys(m for m in messages if m))
    return unique[-MAX_EVENTS:]


def show_events(console: Console, service: Mapping[str, Any], deployment_id: str) -> None:
    """Print the events of a service since deployment `deployment_id` started, in a section of their own."""
    deployments: list[Mapping[str, Any]] = service.get("deployments", [])
    deployment = next((d for d in deployments if d.get("id") == deployment_id), {})
    show_events_since(console, service, deployment.get("createdAt"))


def show_events_since(console: Console, service: Mapping[str, Any], started: Any) -> None:
    """Print the events of a service from `started` on (all it keeps when unknown), in a section."""
    found = since(service, started)
    if not found:
        return
    with console.section(f"what ECS said about {service.get('serviceName', 'the service')}"):
        for message in found:
            console.line(f"    {message}")
