"""Following a deployment: exact API calls (botocore Stubber) and how each ending is detected."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from ci_ecs.aws.clients import Aws
from ci_ecs.checks import Clock, failure_threshold, intervals, poll, watch_rollout
from ci_ecs.checks.base import CheckResult
from ci_ecs.checks.rollout import with_stops
from ci_ecs.output import Console
from ci_ecs.settings import WaitSettings

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
NEW = "ecs-svc/1111111111111111111"
OLD = "ecs-svc/2222222222222222222"


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> Clock:
        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            self.t += seconds

        return Clock(now=lambda: self.t, sleep=sleep)


def _deployment(
    id_: str, status: str, state: str, running: int, failed: int = 0, td: str = "web:2"
) -> dict[str, Any]:
    return {
        "id": id_,
        "status": status,
        "taskDefinition": f"arn:aws:ecs:us-east-1:123456789012:task-definition/{td}",
        "desiredCount": 3,
        "runningCount": running,
        "pendingCount": 0,
        "failedTasks": failed,
        "rolloutState": state,
        "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start."
        if state == "FAILED"
        else "",
    }


def _service(*deployments: dict[str, Any]) -> dict[str, Any]:
    return {
        "services": [
            {
                "serviceName": "web",
                "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/demo/web",
                "status": "ACTIVE",
                "taskDefinition": deployments[0]["taskDefinition"],
                "deployments": list(deployments),
                "loadBalancers": [{"targetGroupArn": TG, "containerName": "web", "containerPort": 8080}],
            }
        ],
        "failures": [],
    }


def _health(states: list[str]) -> dict[str, Any]:
    return {
        "TargetHealthDescriptions": [
            {"Target": {"Id": f"10.0.1.{i}", "Port": 8080}, "TargetHealth": {"State": s}}
            for i, s in enumerate(states)
        ]
    }


@pytest.fixture
def stubbed() -> Iterator[tuple[Aws, Stubber, Stubber]]:
    aws = Aws("us-east-1")
    ecs, elbv2 = Stubber(aws.client("ecs")), Stubber(aws.client("elbv2"))
    with ecs, elbv2:
        yield aws, ecs, elbv2
        ecs.assert_no_pending_responses()
        elbv2.assert_no_pending_responses()


def _poll(ecs: Stubber, elbv2: Stubber, service: dict[str, Any], health: list[str] | None) -> None:
    """One poll: a describe, and a target-health read unless `health` is None (no read expected)."""
    ecs.add_response(
        "describe_services", service, {"cluster": "demo", "services": ["web"], "include": ["TAGS"]}
    )
    if health is not None:
        elbv2.add_response("describe_target_health", _health(health), {"TargetGroupArn": TG})


def _watch(aws: Aws, fake: FakeClock, *, breaker: bool = True, timeout: float = 900) -> Any:
    out = io.StringIO()
    result = watch_rollout(
        aws,
        "demo",
        "web",
        NEW,
        WaitSettings(timeout=timeout, poll_first=2, poll_cap=15),
        Console(out=out, err=out),
        circuit_breaker=breaker,
        clock=fake.clock(),
    )
    return result, out.getvalue()


def test_completion_costs_one_describe_per_poll_and_health_only_while_in_progress(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, ecs, elbv2 = stubbed
    _poll(
        ecs,
        elbv2,
        _service(
            _deployment(NEW, "PRIMARY", "IN_PROGRESS", 1),
            _deployment(OLD, "ACTIVE", "COMPLETED", 3, td="web:1"),
        ),
        ["healthy"] * 3 + ["initial"],
    )
    _poll(ecs, elbv2, _service(_deployment(NEW, "PRIMARY", "COMPLETED", 3)), None)
    fake = FakeClock()

    result, out = _watch(aws, fake)

    assert result.ok
    assert dict(aws.calls) == {"ecs:DescribeServices": 2, "elbv2:DescribeTargetHealth": 1}
    assert fake.sleeps == [2, 3]
    assert "primary web:2 IN_PROGRESS 1/3 running" in out
    assert "targets web 3/4 healthy" in out


def test_failed_rollout_with_rollback_is_reported_as_ecs_rolled_back(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, ecs, elbv2 = stubbed
    rollback = "ecs-svc/3333333333333333333"
    _poll(
        ecs,
        elbv2,
        _service(
            _deployment(rollback, "PRIMARY", "IN_PROGRESS", 0, td="web:1"),
            _deployment(NEW, "ACTIVE", "FAILED", 0, failed=0),
        ),
        ["healthy"] * 3,
    )

    ecs.add_response(
        "list_tasks", {"taskArns": []}, {"cluster": "demo", "startedBy": NEW, "desiredStatus": "STOPPED"}
    )

    result, _ = _watch(aws, FakeClock())

    assert not result.ok
    assert result.ecs_rolled_back
    assert "circuit breaker" in result.reason


def test_stopped_tasks_are_shown_once_with_reason_and_exit_code(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, ecs, elbv2 = stubbed
    task = "arn:aws:ecs:us-east-1:123456789012:task/demo/abc123"
    _poll(ecs, elbv2, _service(_deployment(NEW, "PRIMARY", "IN_PROGRESS", 0, failed=1)), [])
    ecs.add_response(
        "list_tasks", {"taskArns": [task]}, {"cluster": "demo", "startedBy": NEW, "desiredStatus": "STOPPED"}
    )
    ecs.add_response(
        "describe_tasks",
        {
            "tasks": [
                {
                    "taskArn": task,
                    "stoppedReason": "Essential container in task exited",
                    "containers": [{"name": "web", "exitCode": 137}],
                }
            ]
        },
        {"cluster": "demo", "tasks": [task]},
    )
    _poll(ecs, elbv2, _service(_deployment(NEW, "PRIMARY", "COMPLETED", 3, failed=1)), None)

    result, out = _watch(aws, FakeClock())

    assert result.ok
    assert out.count("task abc123 stopped: Essential container in task exited [web exit 137]") == 1


def test_without_circuit_breaker_failure_is_declared_at_the_ecs_threshold(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, ecs, elbv2 = stubbed
    _poll(ecs, elbv2, _service(_deployment(NEW, "PRIMARY", "IN_PROGRESS", 0, failed=3)), [])
    ecs.add_response(
        "list_tasks", {"taskArns": []}, {"cluster": "demo", "startedBy": NEW, "desiredStatus": "STOPPED"}
    )

    result, _ = _watch(aws, FakeClock(), breaker=False)

    assert not result.ok
    assert "3 tasks" in result.reason


def test_timeout_ends_the_wait_without_sleeping_past_the_deadline(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, ecs, elbv2 = stubbed
    # Nothing moves and no target is settling: target health is read once, not at every poll.
    _poll(ecs, elbv2, _service(_deployment(NEW, "PRIMARY", "IN_PROGRESS", 1)), ["healthy"])
    for _ in range(2):
        _poll(ecs, elbv2, _service(_deployment(NEW, "PRIMARY", "IN_PROGRESS", 1)), None)
    fake = FakeClock()

    result, _ = _watch(aws, fake, timeout=6)

    assert not result.ok
    assert "timed out after 6s" in result.reason
    assert fake.t == pytest.approx(6)


def test_polls_start_fast_and_back_off_to_the_cap() -> None:
    steps = intervals(WaitSettings(poll_first=2, poll_cap=15))

    assert [round(next(steps), 2) for _ in range(8)] == [2, 3, 4.5, 6.75, 10.12, 15, 15, 15]


@pytest.mark.parametrize(("desired", "threshold"), [(1, 3), (3, 3), (10, 5), (1000, 200)])
def test_failure_threshold_follows_ecs(desired: int, threshold: int) -> None:
    assert failure_threshold(desired) == threshold


def test_poll_probes_at_once_then_at_the_intervals_and_gives_up_at_the_deadline() -> None:
    fake, seen = FakeClock(), []

    def probe() -> str | None:
        seen.append(fake.t)
        return None

    result = poll(WaitSettings(timeout=6, poll_first=2, poll_cap=15), probe, clock=fake.clock())

    assert result is None
    assert seen == [0, 2, 5, 6]
    assert fake.t == pytest.approx(6)


def test_poll_returns_what_the_probe_found() -> None:
    answers = iter([None, None, "ready"])

    assert (
        poll(WaitSettings(poll_first=1, poll_cap=1), lambda: next(answers), clock=FakeClock().clock())
        == "ready"
    )


def test_a_failure_after_one_stopped_task_says_one_task_not_task_s() -> None:
    failed = with_stops(
        CheckResult(False, "rolloutState FAILED"), {"arn:task/1": "Essential container exited"}
    )
    assert failed.reason == "rolloutState FAILED (1 task stopped; last: Essential container exited)"
