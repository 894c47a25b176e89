"""A wait on target health fails at the first failed task behind its targets, saying why, not at a timeout."""

from __future__ import annotations

from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

# (config, command): every technique whose job waits on target health. The sample configs wait 120 s:
# a job failing through its timeout would fail these tests by its reason, not by a clock.
WAITS = [
    pytest.param("ci-ecs-switch.yml", "canary-deploy", id="switch-prepare"),
    pytest.param("ci-ecs-task.yml", "canary-deploy", id="task-canary"),
    pytest.param("ci-ecs-taskset.yml", "canary-deploy", id="taskset-canary"),
    pytest.param("ci-ecs-taskset.yml", "deploy", id="taskset-deploy"),
]
# What each failing image says: the load balancer's (or ECS's) health-check verdict; the container's exit
# code, stopped reason and its own last log lines.
SAID = [
    pytest.param("v2-unhealthy", ["health checks"], id="unhealthy"),
    pytest.param(
        "v2-crash",
        [
            "essential container in task exited [web exit 1]",
            "log lines of container web of task",
            "connectionrefusederror: [errno 111] could not connect to db.internal:5432",
            "error web exited with code 1",
        ],
        id="crash",
    ),
]


@pytest.mark.parametrize(("image", "said"), SAID)
@pytest.mark.parametrize(("config", "command"), WAITS)
def test_a_failing_version_fails_its_health_wait_saying_why_not_at_the_timeout(
    cli: Any, sample: sandboxes.Sample, config: str, command: str, image: str, said: list[str]
) -> None:
    run = cli("--config", config, command, "--image", f"{sample.repository}:{image}")

    assert run.code == 1, run.output
    assert "timed out" not in run.output
    for words in said:
        assert words in run.output.lower(), run.output


def test_a_crashed_containers_log_lines_are_printed_with_the_secrets_in_them_redacted(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    ecs = client(sandbox, "ecs")
    live = ecs.describe_task_definition(taskDefinition=sample.task_family)["taskDefinition"]
    keys = ("family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities")
    revision = {key: live[key] for key in keys}
    container = revision["containerDefinitions"][0]
    container["environment"] = [*container["environment"], {"name": "DB_PASSWORD", "value": "hunter2-s3cret"}]
    arn = ecs.register_task_definition(**revision)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=sample.cluster, service=sample.service, taskDefinition=arn)
    sandbox.wait_idle()

    run = cli("deploy", "--image", f"{sample.repository}:v2-crash")  # its app prints its database URL

    assert run.code == 1, run.output
    assert "ConnectionRefusedError: [Errno 111] could not connect to " in run.output, run.output
    assert "hunter2-s3cret" not in run.output
