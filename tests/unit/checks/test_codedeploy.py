"""What a CodeDeploy wait prints per poll, and how it words a failure."""

from __future__ import annotations

from typing import Any

from ci_ecs.checks.codedeploy import Seen, failure, progress_line

TARGET: dict[str, Any] = {
    "lifecycleEvents": [
        {"lifecycleEventName": "Install", "status": "Succeeded"},
        {"lifecycleEventName": "AllowTestTraffic", "status": "Succeeded"},
        {"lifecycleEventName": "AllowTraffic", "status": "InProgress"},
        {"lifecycleEventName": "AfterAllowTraffic", "status": "Pending"},
    ],
    "taskSetsInfo": [
        {
            "taskSetLabel": "Green",
            "trafficWeight": 10.0,
            "targetGroup": {"name": "web-green"},
            "runningCount": 2,
            "desiredCount": 2,
        },
        {
            "taskSetLabel": "Blue",
            "trafficWeight": 90.0,
            "targetGroup": {"name": "web-blue"},
            "runningCount": 2,
            "desiredCount": 2,
        },
    ],
}


def test_a_progress_line_shows_the_status_the_latest_lifecycle_events_and_the_traffic_split() -> None:
    line = progress_line("d-1", Seen({"status": "InProgress"}, (TARGET,)))

    assert line == (
        "d-1 InProgress | AllowTestTraffic Succeeded, AllowTraffic InProgress"
        " | blue 90% on web-blue, 2/2 running | green 10% on web-green, 2/2 running"
    )
    assert Seen({"status": "InProgress"}, (TARGET,)).green_share == 10.0


def test_production_counts_as_shifted_in_the_termination_wait_and_after_success() -> None:
    assert Seen({"status": "InProgress", "instanceTerminationWaitTimeStarted": True}).shifted
    assert Seen({"status": "Succeeded"}).shifted
    assert not Seen({"status": "Ready"}).shifted
    assert "original task set kept" in progress_line(
        "d-1", Seen({"status": "InProgress", "instanceTerminationWaitTimeStarted": True})
    )


def test_a_failure_names_codedeploys_error_the_failed_event_and_the_rollback() -> None:
    failed = dict(TARGET, lifecycleEvents=[{"lifecycleEventName": "Install", "status": "Failed"}])
    seen = Seen(
        {
            "status": "Failed",
            "errorInformation": {"code": "ECS_UPDATE_ERROR", "message": "tasks failed ELB health checks"},
            "rollbackInfo": {"rollbackMessage": "rolled back by d-2"},
        },
        (failed,),
    )

    assert failure("d-1", seen, 60) == (
        "deployment d-1 Failed at Install: ECS_UPDATE_ERROR: tasks failed ELB health checks"
        " (rolled back by d-2)"
    )
    assert failure("d-1", None, 90) == "deployment d-1 timed out after 1m30s"
