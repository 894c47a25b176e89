"""What a poll of a service deployment shows, and how a failed one is explained."""

from __future__ import annotations

from typing import Any

from ci_ecs.checks.native import Seen, failure, progress_line
from ci_ecs.strategies.native import configuration as configs
from ci_ecs.strategies.native.pauses import reached
from ci_ecs.strategies.native.steps import our_pause

ARN = "arn:aws:ecs:us-east-1:123456789012:service-deployment/main/web/abc123"


def _deployment(**fields: Any) -> dict[str, Any]:
    return {
        "serviceDeploymentArn": ARN,
        "status": "IN_PROGRESS",
        "lifecycleStage": "PRODUCTION_TRAFFIC_SHIFT",
        "targetServiceRevision": {
            "arn": "rev-2",
            "requestedTaskCount": 2,
            "runningTaskCount": 2,
            "pendingTaskCount": 0,
            "requestedProductionTrafficWeight": 25.0,
            "requestedTestTrafficWeight": 100.0,
        },
        "sourceServiceRevisions": [{"arn": "rev-1", "requestedTaskCount": 2, "runningTaskCount": 2}],
        "deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 1, "threshold": 3},
        **fields,
    }


def test_a_poll_shows_stage_weights_counts_breaker_and_alarms() -> None:
    alarms = {"status": "TRIGGERED", "alarmNames": ["5xx"], "triggeredAlarmNames": ["5xx"]}
    line = progress_line(Seen(_deployment(alarms=alarms)))
    assert line == (
        "abc123 IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT | production 25% new · test 100% new | "
        "new 2/2 running, old 2/2 running | circuit breaker 1/3 | alarm 5xx"
    )


def test_a_pause_shows_in_the_poll() -> None:
    hooks = [{"hookId": "h1", "targetType": "PAUSE", "status": "AWAITING_ACTION"}]
    assert "| paused AWAITING_ACTION" in progress_line(Seen(_deployment(lifecycleHookDetails=hooks)))


def test_a_rolled_back_deployment_says_why_with_the_rollbacks_reason_and_the_alarm() -> None:
    info = _deployment(
        status="ROLLBACK_SUCCESSFUL",
        statusReason="Service deployment rolled back because of alarm",
        rollback={"reason": "CloudWatch alarm 5xx went to ALARM", "serviceRevisionArn": "rev-1"},
        alarms={"status": "TRIGGERED", "triggeredAlarmNames": ["5xx"]},
    )
    assert failure(Seen(info)) == (
        "deployment abc123 ROLLBACK_SUCCESSFUL; Service deployment rolled back because of alarm; "
        "rolled back: CloudWatch alarm 5xx went to ALARM; alarm in ALARM: 5xx"
    )


def test_only_a_pause_of_ours_at_its_stage_counts_as_ours() -> None:
    ours = configs.with_pause({"strategy": "LINEAR"}, True, 60)
    hooks = [{"hookId": "h1", "targetType": "PAUSE", "status": "AWAITING_ACTION"}]
    paused = _deployment(
        lifecycleStage="PRODUCTION_TRAFFIC_SHIFT",
        lifecycleHookDetails=hooks,
        deploymentConfiguration=ours,
    )
    assert our_pause(Seen(paused)) == "h1"
    theirs = {
        "strategy": "LINEAR",
        "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}],
    }
    assert our_pause(Seen({**paused, "deploymentConfiguration": theirs})) == ""
    assert our_pause(Seen({**paused, "lifecycleStage": "POST_SCALE_UP"})) == ""


def test_wait_until_points_follow_the_stages() -> None:
    bake = Seen(_deployment(lifecycleStage="BAKE_TIME"))
    assert reached(bake, "traffic-shifted") and not reached(bake, "baked") and not reached(bake, "done")
    clean_up = Seen(_deployment(lifecycleStage="CLEAN_UP"))
    assert reached(clean_up, "baked") and not reached(clean_up, "done")
    assert reached(Seen(_deployment(status="SUCCESSFUL", lifecycleStage="CLEAN_UP")), "done")
    assert not reached(
        Seen(_deployment(status="ROLLBACK_IN_PROGRESS", lifecycleStage="BAKE_TIME")), "traffic-shifted"
    )
    # A linear deployment between steps has not shifted all its traffic yet.
    assert not reached(Seen(_deployment(lifecycleStage="POST_PRODUCTION_TRAFFIC_SHIFT")), "traffic-shifted")
