"""The failed containers' last log lines: exact calls (botocore Stubber), and one line when there are none."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from ci_ecs.aws.clients import Aws
from ci_ecs.checks.container_logs import LOG_LINES, show_logs
from ci_ecs.output import Console, Redactor
from ci_ecs.redaction import MASK

TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"
TASK = "arn:aws:ecs:eu-west-1:123456789012:task/demo/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
AWSLOGS = {
    "logDriver": "awslogs",
    "options": {"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "web"},
}
STREAM = "web/web/0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _task(exit_code: int | None = 1, reason: str = "Essential container in task exited") -> dict[str, Any]:
    return {
        "taskArn": TASK,
        "taskDefinitionArn": TD,
        "lastStatus": "STOPPED",
        "stopCode": "EssentialContainerExited",
        "stoppedReason": reason,
        "containers": [{"name": "web", "exitCode": exit_code}, {"name": "sidecar", "exitCode": 0}],
    }


def _definition(web_logs: dict[str, Any] | None) -> dict[str, Any]:
    web: dict[str, Any] = {"name": "web", "image": "web:v2"}
    if web_logs is not None:
        web["logConfiguration"] = web_logs
    sidecar = {"name": "sidecar", "image": "envoy", "essential": False, "logConfiguration": AWSLOGS}
    return {
        "taskDefinition": {"taskDefinitionArn": TD, "family": "web", "containerDefinitions": [web, sidecar]}
    }


@pytest.fixture
def aws() -> Iterator[tuple[Aws, Stubber, Stubber]]:
    gateway = Aws("eu-west-1")
    with Stubber(gateway.client("ecs")) as ecs, Stubber(gateway.client("logs", "eu-west-1")) as logs:
        yield gateway, ecs, logs
        ecs.assert_no_pending_responses()
        logs.assert_no_pending_responses()


def _console(secret: str = "") -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(out=out, err=out, redactor=Redactor({secret} if secret else set())), out


def _expect_definition(ecs: Stubber, web_logs: dict[str, Any] | None) -> None:
    ecs.add_response(
        "describe_task_definition", _definition(web_logs), {"taskDefinition": TD, "include": ["TAGS"]}
    )


def test_the_crashed_essential_containers_last_lines_are_printed_redacted_under_a_heading(
    aws: tuple[Aws, Stubber, Stubber],
) -> None:
    gateway, ecs, logs = aws
    _expect_definition(ecs, AWSLOGS)
    lines = [
        "INFO starting",
        "FATAL password authentication failed: hunter2-s3cret",
        "ERROR exited with code 1",
    ]
    logs.add_response(
        "get_log_events",
        {"events": [{"timestamp": i, "message": m + "\n"} for i, m in enumerate(lines)]},
        {"logGroupName": "/ecs/web", "logStreamName": STREAM, "limit": LOG_LINES, "startFromHead": False},
    )
    console, out = _console("hunter2-s3cret")

    show_logs(gateway, console, [_task()])

    assert out.getvalue().splitlines() == [
        f"--- last 3 log lines of container web of task {STREAM.rsplit('/', 1)[1]} (/ecs/web, {STREAM})",
        "    INFO starting",
        f"    FATAL password authentication failed: {MASK}",
        "    ERROR exited with code 1",
    ]


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("ResourceNotFoundException", f"its log stream {STREAM} in /ecs/web does not exist"),
        ("AccessDeniedException", "cannot read /ecs/web (AccessDenied): allow logs:GetLogEvents"),
    ],
)
def test_a_missing_stream_or_a_denied_read_is_one_line_not_a_failure(
    aws: tuple[Aws, Stubber, Stubber], code: str, said: str
) -> None:
    gateway, ecs, logs = aws
    _expect_definition(ecs, AWSLOGS)
    logs.add_client_error("get_log_events", service_error_code=code, service_message="no")
    console, out = _console()

    show_logs(gateway, console, [_task()])

    assert len(out.getvalue().splitlines()) == 1
    assert said in out.getvalue()


@pytest.mark.parametrize(
    ("config", "said"),
    [
        (None, "no log configuration (awslogs) in its task definition"),
        (
            {"logDriver": "awsfirelens", "options": {"Name": "cloudwatch_logs", "log_group_name": "/fl/web"}},
            "through FireLens (its log router container) to Name=cloudwatch_logs, log_group_name=/fl/web",
        ),
        (
            {"logDriver": "splunk", "options": {"splunk-url": "https://splunk:8088"}},
            "the splunk log driver to",
        ),
    ],
)
def test_a_container_not_on_awslogs_is_one_line_saying_where_its_logs_went(
    aws: tuple[Aws, Stubber, Stubber], config: dict[str, Any] | None, said: str
) -> None:
    gateway, ecs, _ = aws
    _expect_definition(ecs, config)
    console, out = _console()

    show_logs(gateway, console, [_task()])

    (line,) = out.getvalue().splitlines()
    assert line.startswith(f"    container web of task {TASK.rsplit('/', 1)[1]}: ")
    assert said in line


def test_tasks_that_did_not_fail_cost_no_call(aws: tuple[Aws, Stubber, Stubber]) -> None:
    gateway, _, _ = aws
    console, out = _console()
    stopped_by_a_scale_in = {
        **_task(exit_code=0),
        "stopCode": "ServiceSchedulerInitiated",
        "stoppedReason": "Scaling",
    }

    show_logs(gateway, console, [stopped_by_a_scale_in])

    assert out.getvalue() == ""
