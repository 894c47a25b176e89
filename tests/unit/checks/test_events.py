"""What ECS said about a failed deployment: its service's events since it started, once each, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ci_ecs.checks.events import MAX_EVENTS, show_events, since
from ci_ecs.output import Console

START = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _event(minutes: int, message: str) -> dict[str, object]:
    return {"createdAt": START + timedelta(minutes=minutes), "message": f"(service web) {message}"}


SERVICE = {
    "serviceName": "web",
    "deployments": [{"id": "ecs-svc/2", "createdAt": START}],
    "events": [  # newest first, as ECS returns them
        _event(3, "has started 1 tasks: (task c)."),
        _event(2, "deployment ecs-svc/2 deployment failed: tasks failed to start."),
        _event(1, "has started 1 tasks: (task b)."),
        _event(1, "has started 1 tasks: (task b)."),
        _event(-5, "has reached a steady state."),
    ],
}


def test_events_since_the_deployment_started_are_oldest_first_each_once_without_the_service_prefix() -> None:
    assert since(SERVICE, START) == [
        "has started 1 tasks: (task b).",
        "deployment ecs-svc/2 deployment failed: tasks failed to start.",
        "has started 1 tasks: (task c).",
    ]


def test_only_the_newest_events_are_kept() -> None:
    many = {"events": [_event(n, f"event {n}") for n in range(30)]}
    assert since(many, START) == [f"event {n}" for n in range(30 - MAX_EVENTS, 30)]


def test_the_events_print_in_a_section_naming_the_service(capsys: pytest.CaptureFixture[str]) -> None:
    console = Console()
    show_events(console, SERVICE, "ecs-svc/2")
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "what ECS said about web" in err and "    has started 1 tasks: (task c)." in err
    assert "steady state" not in err
