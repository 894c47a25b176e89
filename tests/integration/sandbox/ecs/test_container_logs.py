"""Tasks write to CloudWatch Logs under their awslogs configuration, read back with the real aws CLI."""

from __future__ import annotations

from typing import Any


def _messages(aws_cli: Any, sample: Any, task: dict[str, Any]) -> list[str]:
    """The lines of the task's stream `prefix/container/task-id` in the sample's log group."""
    stream = f"{sample.task_family}/{sample.container}/{task['taskArn'].rsplit('/', 1)[-1]}"
    group = f"/ecs/{sample.task_family}"
    reply = aws_cli("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream)
    return [event["message"] for event in reply["events"]]


def test_a_running_task_logged_its_start_up(aws: Any, sample: Any, aws_cli: Any) -> None:
    running = [t for t in aws.tasks() if t["lastStatus"] == "RUNNING"]

    assert _messages(aws_cli, sample, running[0]) == [
        "INFO starting web v1 (pid 1)",
        "INFO loading configuration from the environment",
        f"INFO listening on 0.0.0.0:{sample.container_port}",
    ]


def test_a_crashing_task_logs_a_stack_trace_with_the_secret_it_let_slip_and_its_exit(
    aws: Any, sample: Any, aws_cli: Any
) -> None:
    current = aws.ecs.describe_task_definition(taskDefinition=sample.task_family)["taskDefinition"]
    keys = ("family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities")
    revision = {key: current[key] for key in keys}
    container = revision["containerDefinitions"][0]
    container["image"] = f"{sample.repository}:v2-crash"
    container["environment"] = [*container["environment"], {"name": "DB_PASSWORD", "value": "hunter2-s3cret"}]
    arn = aws.ecs.register_task_definition(**revision)["taskDefinition"]["taskDefinitionArn"]
    aws.update(taskDefinition=arn)

    def crashed() -> list[dict[str, Any]]:
        return [t for t in aws.tasks() if t["taskDefinitionArn"] == arn and t["lastStatus"] == "STOPPED"]

    messages = _messages(aws_cli, sample, aws.wait_for(crashed, "a crashed task")[0])

    assert messages[0] == "INFO starting web v2-crash (pid 1)"
    assert not any("listening" in m for m in messages)  # it dies starting up
    assert "Traceback (most recent call last):" in messages
    assert (
        "ConnectionRefusedError: [Errno 111] could not connect to "
        "postgresql://app:hunter2-s3cret@db.internal:5432/app"
    ) in messages
    assert messages[-1] == "ERROR web exited with code 1"
