"""A wait on target health watches the tasks behind the targets: exact calls (botocore Stubber)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from ci_ecs.aws import launches
from ci_ecs.aws.clients import Aws
from ci_ecs.aws.launches import Launch
from ci_ecs.checks import watch_healthy_count, watch_targets
from ci_ecs.checks.stopped import failed
from ci_ecs.output import Console
from ci_ecs.settings import WaitSettings

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-v2/0123456789abcdef"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/demo"
DEPLOYMENT = "ecs-svc/1111111111111111111"
TASK = "arn:aws:ecs:us-east-1:123456789012:task/demo/aaaabbbbccccdddd"
NO_WAITING = WaitSettings(timeout=120, poll_first=0, poll_cap=0)


@pytest.fixture
def aws() -> Iterator[tuple[Aws, Stubber, Stubber]]:
    gateway = Aws("us-east-1")
    with Stubber(gateway.client("ecs")) as ecs, Stubber(gateway.client("elbv2")) as elbv2:
        yield gateway, ecs, elbv2
        ecs.assert_no_pending_responses()
        elbv2.assert_no_pending_responses()


def _health(*states: str) -> dict[str, Any]:
    return {
        "TargetHealthDescriptions": [
            {"Target": {"Id": f"10.0.0.{i}", "Port": 8080}, "TargetHealth": {"State": s}}
            for i, s in enumerate(states)
        ]
    }


def _service(failed_tasks: int) -> dict[str, Any]:
    deployment = {"id": DEPLOYMENT, "status": "PRIMARY", "rolloutState": "IN_PROGRESS"}
    return {
        "services": [
            {
                "serviceName": "web-v2",
                "status": "ACTIVE",
                "clusterArn": CLUSTER,
                "deployments": [{**deployment, "failedTasks": failed_tasks}],
                "loadBalancers": [{"targetGroupArn": TG, "containerName": "web", "containerPort": 8080}],
            }
        ],
        "failures": [],
    }


def _crashed() -> dict[str, Any]:
    return {
        "taskArn": TASK,
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "stopCode": "EssentialContainerExited",
        "stoppedReason": "Essential container in task exited",
        "containers": [{"name": "web", "exitCode": 1}],
    }


def _console() -> Console:
    return Console(out=io.StringIO(), err=io.StringIO())


def test_a_wait_already_met_makes_no_call_for_the_tasks(aws: tuple[Aws, Stubber, Stubber]) -> None:
    gateway, _, elbv2 = aws
    launches.remember_service(gateway, _service(0)["services"][0])
    elbv2.add_response("describe_target_health", _health("healthy", "healthy"), {"TargetGroupArn": TG})

    assert watch_healthy_count(gateway, TG, 2, NO_WAITING, _console()).ok


def test_the_first_failed_task_of_the_services_deployment_fails_the_wait_naming_it(
    aws: tuple[Aws, Stubber, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway, ecs, elbv2 = aws
    monkeypatch.setattr("ci_ecs.checks.first_sign.show_logs", lambda *_: None)
    launches.remember_service(gateway, _service(0)["services"][0])
    for failed_tasks in (0, 1):  # one DescribeServices a poll; the tasks only once one has failed
        elbv2.add_response("describe_target_health", _health("initial"), {"TargetGroupArn": TG})
        ecs.add_response(
            "describe_services",
            _service(failed_tasks),
            {"cluster": CLUSTER, "services": ["web-v2"], "include": ["TAGS"]},
        )
    listed = {"cluster": CLUSTER, "startedBy": DEPLOYMENT, "desiredStatus": "STOPPED"}
    ecs.add_response("list_tasks", {"taskArns": [TASK]}, listed)
    ecs.add_response(
        "describe_tasks", {"tasks": [_crashed()], "failures": []}, {"cluster": CLUSTER, "tasks": [TASK]}
    )

    result = watch_healthy_count(gateway, TG, 2, NO_WAITING, _console())

    assert not result.ok
    assert result.reason == (
        "task aaaabbbbccccdddd of the new version stopped: Essential container in task exited [web exit 1]"
    )


def test_standalone_tasks_are_described_by_their_arns_and_a_stopping_one_is_judged_at_once(
    aws: tuple[Aws, Stubber, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway, ecs, elbv2 = aws
    monkeypatch.setattr("ci_ecs.checks.first_sign.show_logs", lambda *_: None)
    elbv2.add_response("describe_target_health", _health("initial"), {"TargetGroupArn": TG})
    stopping = {**_crashed(), "lastStatus": "STOPPING"}
    ecs.add_response(
        "describe_tasks", {"tasks": [stopping], "failures": []}, {"cluster": "demo", "tasks": [TASK]}
    )

    result = watch_targets(
        gateway, {TG: [("10.0.0.0", 8080)]}, NO_WAITING, _console(), behind=Launch("demo", tasks=(TASK,))
    )

    assert not result.ok and "[web exit 1]" in result.reason


@pytest.mark.parametrize(
    ("task", "failure"),
    [
        ({"stoppedReason": "Task failed ELB health checks in (target-group arn:…)"}, True),
        ({"stopCode": "TaskFailedToStart", "stoppedReason": "CannotPullContainerError: …"}, True),
        ({"stopCode": "EssentialContainerExited", "containers": [{"name": "web", "exitCode": 137}]}, True),
        ({"stopCode": "EssentialContainerExited", "containers": [{"name": "web", "exitCode": 0}]}, False),
        (
            {"stopCode": "ServiceSchedulerInitiated", "stoppedReason": "Scaling activity initiated by …"},
            False,
        ),
        ({"stopCode": "UserInitiated", "stoppedReason": "canary removed by ci-ecs"}, False),
    ],
)
def test_only_a_stop_that_is_the_versions_fault_is_a_failure(task: dict[str, Any], failure: bool) -> None:
    assert failed(task) is failure
