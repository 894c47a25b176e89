"""Secrets in the task definition or in token variables never reach any output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

DB_PASSWORD = "hunter2-very-secret-value"
TOKEN = "glpat-SECRETTOKENVALUE12345"


@pytest.fixture
def secret_service(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> None:
    """Put a secret into the live task definition's environment, as teams too often do."""
    ecs = client(sandbox, "ecs")
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service])["services"][0]
    live = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    container = live["containerDefinitions"][0]
    container["environment"] = [
        *container.get("environment", []),
        {"name": "DB_PASSWORD", "value": DB_PASSWORD},
    ]
    registered = ecs.register_task_definition(
        family=live["family"],
        containerDefinitions=live["containerDefinitions"],
        networkMode=live["networkMode"],
        requiresCompatibilities=live["requiresCompatibilities"],
        cpu=live["cpu"],
        memory=live["memory"],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=sample.cluster, service=sample.service, taskDefinition=registered)
    sandbox.wait_idle()


@pytest.mark.parametrize(
    "args",
    [
        ("deploy",),
        ("-v", "deploy"),
        ("--dry-run", "deploy"),
        ("-v", "--dry-run", "deploy"),
        ("render",),
        ("--output", "json", "deploy"),
        ("-v", "deploy", "--container", "missing"),
        ("status",),
    ],
    ids=lambda a: " ".join(a),
)
def test_secret_values_never_appear_in_output(
    cli: Any, sample: sandboxes.Sample, secret_service: None, workdir: Path, args: tuple[str, ...]
) -> None:
    image = ("--image", f"{sample.repository}:v2") if args[-1] in ("deploy", "render", "missing") else ()
    if "missing" in args:
        image = ("--image", f"{sample.repository}:v2")

    run = cli(*args, *image, env={"CI_ECS_GITLAB_TOKEN": TOKEN, "GITHUB_TOKEN": TOKEN})

    assert DB_PASSWORD not in run.output
    assert TOKEN not in run.output


def test_error_messages_do_not_echo_secret_looking_values(
    cli: Any, sample: sandboxes.Sample, workdir: Path
) -> None:
    # A token pasted into the wrong variable: the error names the variable, not the value.
    run = cli(
        "deploy",
        "--image",
        f"{sample.repository}:v2",
        env={"CI_ECS_GITLAB_TOKEN": TOKEN, "CI_ECS_WAIT_TIMEOUT": TOKEN},
    )

    assert run.code == 2
    assert "CI_ECS_WAIT_TIMEOUT" in run.stderr
    assert TOKEN not in run.output
