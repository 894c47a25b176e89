"""The crashed containers' own words: the last lines of their logs, or one line saying where they went."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_ecs.aws import ecs, logs
from ci_ecs.aws.clients import Aws
from ci_ecs.checks.stopped import failed, task_id
from ci_ecs.errors import AwsError, CiEcsError
from ci_ecs.output import Console

LOG_LINES = 30  # lines of a one-off task's log
MAX_TASKS = 1  # the last failed task's logs: more tasks of one version mostly repeat the same lines
_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
# Options of other log drivers that say where the output went.
_WHERE = ("Name", "region", "log_group_name", "delivery_stream", "url", "Host", "address", "group", "stream")


def show_logs(aws: Aws, console: Console, tasks: list[dict[str, Any]]) -> None:
    """Print the last `console.log_lines` of each failed essential container of the last failed task(s)."""
    lines = console.log_lines
    if lines <= 0:
        return
    definitions: dict[str, dict[str, Any] | str] = {}
    for task in [t for t in tasks if failed(t)][-MAX_TASKS:]:
        arn = str(task.get("taskDefinitionArn", ""))
        if arn not in definitions:
            definitions[arn] = _definition(aws, arn)
        definition = definitions[arn]
        if isinstance(definition, str):
            console.line(f"    logs of task {task_id(task)}: {definition}")
            continue
        for container in _failed_containers(task, definition):
            _show(aws, console, task, container, lines)


def show_container_logs(
    aws: Aws,
    console: Console,
    task: Mapping[str, Any],
    definition: Mapping[str, Any],
    container: str,
    lines: int = LOG_LINES,
) -> None:
    """Print the last log lines of one container of a task, whatever its outcome (a one-off task's output)."""
    for found in definition.get("containerDefinitions", []):
        if found.get("name") == container:
            _show(aws, console, task, found, lines)


def _definition(aws: Aws, arn: str) -> dict[str, Any] | str:
    """The task definition, or why it cannot be read (never a failure of its own)."""
    try:
        return ecs.describe_task_definition(aws, arn)[0]
    except CiEcsError as exc:
        return f"cannot read its task definition ({exc})"


def _failed_containers(task: Mapping[str, Any], definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The essential containers that exited non-zero; all essential ones when none did (health checks)."""
    essential = [c for c in definition.get("containerDefinitions", []) if c.get("essential", True)]
    exits = {c.get("name"): c.get("exitCode") for c in task.get("containers", [])}
    crashed = [c for c in essential if exits.get(c.get("name")) not in (None, 0)]
    return crashed or essential


def _show(
    aws: Aws, console: Console, task: Mapping[str, Any], container: Mapping[str, Any], count: int
) -> None:
    name, tid = container.get("name", "?"), task_id(task)
    where = f"container {name} of task {tid}"
    config = container.get("logConfiguration") or {}
    driver, options = config.get("logDriver"), config.get("options") or {}
    if driver != "awslogs":
        console.line(f"    {where}: {_elsewhere(driver, options)}")
        return
    group, prefix = options.get("awslogs-group", ""), options.get("awslogs-stream-prefix")
    if not prefix:
        console.line(f"    {where} logs to {group} without awslogs-stream-prefix: its stream cannot be named")
        return
    stream = f"{prefix}/{name}/{tid}"
    try:
        found = logs.last_lines(aws, options.get("awslogs-region"), group, stream, count)
    except AwsError as exc:
        console.line(f"    {where}: {_unreadable(exc, group, stream)}")
        return
    except CiEcsError as exc:
        console.line(f"    {where}: its log could not be read ({exc})")
        return
    if not found:
        console.line(f"    {where} wrote nothing to {group} ({stream})")
        return
    with console.section(f"last {len(found)} log lines of {where} ({group}, {stream})"):
        for line in found:
            console.line(f"    {line}")


def _elsewhere(driver: str | None, options: Mapping[str, str]) -> str:
    """One line saying where a container's output went when not to awslogs."""
    if driver is None:
        return "no log configuration (awslogs) in its task definition: ci-ecs cannot read its output"
    shown = ", ".join(f"{k}={v}" for k, v in options.items() if any(w.lower() in k.lower() for w in _WHERE))
    via = "FireLens (its log router container)" if driver == "awsfirelens" else f"the {driver} log driver"
    return f"logs through {via}" + (f" to {shown}" if shown else "") + ": read its last lines there"


def _unreadable(exc: AwsError, group: str, stream: str) -> str:
    """Why a log stream could not be read, in one line."""
    if exc.code == "ResourceNotFoundException":
        return f"its log stream {stream} in {group} does not exist (the log group or stream is missing)"
    if exc.code in _DENIED:
        return f"the job's role cannot read {group} (AccessDenied): allow logs:GetLogEvents to see the lines"
    return f"its log could not be read ({exc})"
