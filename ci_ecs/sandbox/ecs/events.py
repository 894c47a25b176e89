"""Service events as ECS writes them: newest first, capped."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox.state import RUNTIME


def add(service: Any, message: str, task_set: str | None = None) -> None:
    """Prepend `(service <name>) <message>` (`(service <name>, taskSet <id>) …` for a task set)."""
    events: list[dict[str, Any]] = service.events
    source = f"service {service.name}, taskSet {task_set}" if task_set else f"service {service.name}"
    events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": f"({source}) {message}"})
    del events[RUNTIME.config.event_cap :]


def task_list(task_ids: Iterable[str]) -> str:
    """`(task a) (task b)` as ECS lists tasks in an event."""
    return " ".join(f"(task {task_id})" for task_id in task_ids)


def started(service: Any, task_ids: list[str], task_set: str | None = None) -> None:
    """ECS: `(service web) has started 2 tasks: (task a) (task b).`"""
    if task_ids:
        add(service, f"has started {len(task_ids)} tasks: {task_list(task_ids)}.", task_set)


def stopped(service: Any, task_ids: list[str], task_set: str | None = None) -> None:
    """ECS: `(service web) has stopped 1 running tasks: (task a).`"""
    if task_ids:
        add(service, f"has stopped {len(task_ids)} running tasks: {task_list(task_ids)}.", task_set)
