"""Service events as ECS writes them: newest first, capped."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox.state import RUNTIME


def add(service: Any, message: str) -> None:
    """Prepend `(service <name>) <message>` to the service's events."""
    events: list[dict[str, Any]] = service.events
    events.insert(
        0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": f"(service {service.name}) {message}"}
    )
    del events[RUNTIME.config.event_cap :]


def task_list(task_ids: Iterable[str]) -> str:
    """`(task a) (task b)` as ECS lists tasks in an event."""
    return " ".join(f"(task {task_id})" for task_id in task_ids)


def started(service: Any, task_ids: list[str]) -> None:
    """ECS: `(service web) has started 2 tasks: (task a) (task b).`"""
    if task_ids:
        add(service, f"has started {len(task_ids)} tasks: {task_list(task_ids)}.")


def stopped(service: Any, task_ids: list[str]) -> None:
    """ECS: `(service web) has stopped 1 running tasks: (task a).`"""
    if task_ids:
        add(service, f"has stopped {len(task_ids)} running tasks: {task_list(task_ids)}.")
