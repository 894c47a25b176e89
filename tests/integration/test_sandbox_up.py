"""The user's flow: `ci-ecs sandbox up` in one process, the real `aws` CLI and `ci-ecs deploy` in others."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import aws_executable, ci_ecs_executable, run_process


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _running(*options: str, tick: str = "0.05") -> Iterator[tuple[dict[str, str], str]]:
    """`ci-ecs sandbox up` up to its prompt; yields the environment its exports give, and its output."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_"))}
    process = subprocess.Popen(
        [ci_ecs_executable(), "sandbox", "up", "--port", str(_free_port()), *options],
        env={**base, "CI_ECS_SANDBOX_TICK": tick},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        if "press Ctrl-C" in line:
            break
    else:
        pytest.fail("sandbox up ended early:\n" + "".join(printed))
    exports = dict(re.findall(r"^export (\w+)=(\S+)$", "".join(printed), flags=re.M))
    env = {
        **base,
        **exports,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    try:
        yield env, "".join(printed)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


@pytest.fixture
def sandbox_up(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A `ci-ecs sandbox up --write-config` process; yields the environment its export lines give."""
    with _running("--write-config", str(tmp_path)) as running:
        yield running


def _aws(env: dict[str, str], cwd: Path, *args: str) -> Any:
    done = run_process([aws_executable(), "--endpoint-url", env["AWS_ENDPOINT_URL"], *args], env, cwd)
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)


def test_aws_cli_sees_the_seeded_service_and_the_rollout_ci_ecs_made(
    sandbox_up: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, printed = sandbox_up
    assert {"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env)
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    seeded = _aws(env, tmp_path, "ecs", "describe-services", "--cluster", "demo", "--services", "web")[
        "services"
    ][0]
    assert seeded["runningCount"] == 3
    repository = re.search(r"image (\S+)", printed)
    assert repository is not None

    deploy = run_process(
        [ci_ecs_executable(), "deploy", "--image", f"{repository.group(1)}:v2"], env, tmp_path
    )

    assert deploy.code == 0, deploy.output
    service = _aws(env, tmp_path, "ecs", "describe-services", "--cluster", "demo", "--services", "web")[
        "services"
    ][0]
    (primary,) = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
    assert primary["taskDefinition"] != seeded["taskDefinition"]
    assert primary["rolloutState"] == "COMPLETED"
    assert primary["runningCount"] == primary["desiredCount"]
    arns = _aws(env, tmp_path, "ecs", "list-tasks", "--cluster", "demo", "--desired-status", "RUNNING")[
        "taskArns"
    ]
    tasks = _aws(env, tmp_path, "ecs", "describe-tasks", "--cluster", "demo", "--tasks", *arns)["tasks"]
    new_ips = {
        d["value"]
        for t in tasks
        if t["taskDefinitionArn"] == primary["taskDefinition"]
        for a in t["attachments"]
        for d in a["details"]
        if d["name"] == "privateIPv4Address"
    }
    group = service["loadBalancers"][0]["targetGroupArn"]
    health = _aws(env, tmp_path, "elbv2", "describe-target-health", "--target-group-arn", group)
    healthy = {
        d["Target"]["Id"]
        for d in health["TargetHealthDescriptions"]
        if d["TargetHealth"]["State"] == "healthy"
    }
    assert healthy == new_ips and len(new_ips) == primary["desiredCount"]


def test_sandbox_up_with_the_realistic_time_scale_is_seeded_and_says_how_fast_time_runs(
    tmp_path: Path,
) -> None:
    with _running("--time-scale", "realistic", tick="0.1") as (env, printed):
        assert (
            "# time scale 10: every AWS duration divided by 10 (an AWS minute lasts 6 s; "
            "one 0.1 s tick = 1 s of AWS time)\n"
        ) in printed
        # The sample is seeded at the default pace, before the prompt: the time scale is for what comes next.
        [service] = _aws(env, tmp_path, "ecs", "describe-services", "--cluster", "demo", "--services", "web")[
            "services"
        ]
        assert service["runningCount"] == 3
        assert [d["rolloutState"] for d in service["deployments"]] == ["COMPLETED"]


def test_write_config_leaves_an_existing_ci_ecs_yml_alone_writes_beside_it_and_says_so(
    tmp_path: Path,
) -> None:
    own = "cluster: prod\nservice: web\n"
    (tmp_path / "ci-ecs.yml").write_text(own)

    with _running("--write-config", str(tmp_path)) as (_, printed):
        pass

    assert (tmp_path / "ci-ecs.yml").read_text() == own
    assert "cluster: demo" in (tmp_path / "ci-ecs.sandbox.yml").read_text()
    assert f"# {tmp_path / 'ci-ecs.yml'} exists and the sandbox did not write it: left it alone" in printed
    assert f"# wrote {tmp_path / 'ci-ecs.sandbox.yml'}" in printed
    assert f"# wrote {tmp_path / 'ci-ecs.yml'}\n" not in printed
