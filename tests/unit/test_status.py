"""`ci-ecs status` as text: what the live-version line counts."""

from __future__ import annotations

from typing import Any

from ci_ecs.status import text_lines


def _status(**changes: Any) -> dict[str, Any]:
    """A gathered status of a service running v1 on web:1, two tasks wanted."""
    status: dict[str, Any] = {
        "service": "web-bg",
        "cluster": "demo",
        "region": "us-east-1",
        "version": "v1",
        "task_definition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        "images": {},
        "running": 2,
        "desired": 2,
        "deployments": [],
        "task_sets": [],
        "target_groups": {},
        "canary": None,
        "switch": None,
        "codedeploy": None,
        "native": None,
        "tags": {},
        "events": [],
    }
    return {**status, **changes}


def _task_set(status: str, running: int) -> dict[str, Any]:
    return {
        "id": f"ecs-svc/{status}",
        "status": status,
        "task_definition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        "scale": 100.0,
        "running": running,
        "desired": running,
        "stability": "STEADY_STATE",
    }


def test_during_a_codedeploy_canary_the_replacement_tasks_are_counted_apart_not_as_4_of_2() -> None:
    status = _status(running=4, task_sets=[_task_set("PRIMARY", 2), _task_set("ACTIVE", 2)])
    live = text_lines(status)[1]
    assert live.endswith("2/2 running + 2 in another task set")
    assert "4/2" not in live


def test_a_service_without_task_sets_counts_its_tasks() -> None:
    assert text_lines(_status())[1].endswith(", 2/2 running")
