"""A wait on target health fails at the first failed task behind its targets, saying why, not at a timeout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

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
    secret = {"name": "DB_PASSWORD", "value": "hunter2-s3cret"}
    _serve_changed_revision(sandbox, sample, lambda c: c.update(environment=[*c["environment"], secret]))

    run = cli("deploy", "--image", f"{sample.repository}:v2-crash")  # its app prints its database URL

    assert run.code == 1, run.output
    assert "ConnectionRefusedError: [Errno 111] could not connect to " in run.output, run.output
    assert "hunter2-s3cret" not in run.output


# (config, command, whether ECS's events about a service of this job are told): every technique's job.
# A task canary's tasks are standalone: the service's events say nothing about them.
CRASHES = [
    pytest.param("ci-ecs.yml", "deploy", True, id="rolling"),
    pytest.param("ci-ecs-task.yml", "canary-deploy", False, id="task-canary"),
    pytest.param("ci-ecs-service.yml", "canary-deploy", True, id="service-canary"),
    pytest.param("ci-ecs-taskset.yml", "canary-deploy", True, id="taskset-canary"),
    pytest.param("ci-ecs-taskset.yml", "deploy", True, id="taskset-deploy"),
    pytest.param("ci-ecs-switch.yml", "canary-deploy", True, id="switch-prepare"),
    pytest.param("ci-ecs-codedeploy.yml", "deploy", True, id="codedeploy"),
    pytest.param("ci-ecs-native-canary.yml", "deploy", True, id="native-canary"),
    pytest.param("ci-ecs-native-blue-green.yml", "deploy", True, id="native-blue-green"),
]


@pytest.mark.parametrize(("config", "command", "events"), CRASHES)
def test_a_crashing_version_is_explained_in_the_containers_words_the_stopped_reason_and_ecs_events(
    cli: Any, sample: sandboxes.Sample, config: str, command: str, events: bool
) -> None:
    run = cli("--config", config, command, "--image", f"{sample.repository}:v2-crash")

    assert run.code == 1, run.output
    said = run.output.lower()
    assert "essential container in task exited [web exit 1]" in said, run.output
    assert "log lines of container web of task" in said, run.output
    assert "connectionrefusederror: [errno 111] could not connect to db.internal:5432" in said
    assert ("what ecs said about" in said) is events, run.output


@pytest.mark.parametrize(("lines", "shown"), [(3, "last 3 log lines of container web"), (0, None)])
def test_diagnostics_log_lines_sets_how_much_of_the_crashed_containers_log_is_shown(
    cli: Any, sample: sandboxes.Sample, workdir: Path, lines: int, shown: str | None
) -> None:
    config = yaml.safe_load((workdir / "ci-ecs.yml").read_text(encoding="utf-8"))
    config["diagnostics"] = {"log_lines": lines}
    (workdir / "short-logs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")

    run = cli("--config", "short-logs.yml", "deploy", "--image", f"{sample.repository}:v2-crash")

    assert run.code == 1, run.output
    assert "essential container in task exited [web exit 1]" in run.output.lower()
    if shown is None:
        assert "log lines of container" not in run.output
        return
    assert shown in run.output, run.output
    after = run.output.split(shown, 1)[1].splitlines()[1:]
    section = after[: next(i for i, line in enumerate(after) if not line.startswith("    "))]
    assert len(section) == 3, run.output
    assert section[-2:] == [
        "    ConnectionRefusedError: [Errno 111] could not connect to db.internal:5432",
        "    ERROR web exited with code 1",
    ]


UNHEALTHY = [p for p in CRASHES if p.id not in ("taskset-canary", "native-blue-green")]  # one per path


@pytest.mark.parametrize(("config", "command", "events"), UNHEALTHY)
def test_an_unhealthy_version_is_explained_by_the_load_balancers_reason_with_the_response_code(
    cli: Any, sample: sandboxes.Sample, config: str, command: str, events: bool
) -> None:
    run = cli("--config", config, command, "--image", f"{sample.repository}:v2-unhealthy")

    assert run.code == 1, run.output
    assert "Health checks failed with these codes: [503]" in run.output, run.output


def test_a_container_without_awslogs_says_so_in_one_line(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _serve_changed_revision(sandbox, sample, lambda c: c.pop("logConfiguration", None))

    run = cli("deploy", "--image", f"{sample.repository}:v2-crash")

    assert run.code == 1, run.output
    said = [line for line in run.output.splitlines() if "no log configuration (awslogs)" in line]
    assert len(said) == 1, run.output
    assert said[0].strip().startswith("container web of task ")
    assert "log lines of container" not in run.output


def _serve_changed_revision(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, change: Callable[[dict[str, Any]], object]
) -> None:
    """The sample service on a revision of its own whose container `change` altered, settled."""
    ecs = client(sandbox, "ecs")
    live = ecs.describe_task_definition(taskDefinition=sample.task_family)["taskDefinition"]
    keys = ("family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities")
    revision = {key: live[key] for key in keys}
    change(revision["containerDefinitions"][0])
    arn = ecs.register_task_definition(**revision)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=sample.cluster, service=sample.service, taskDefinition=arn)
    sandbox.wait_idle()
