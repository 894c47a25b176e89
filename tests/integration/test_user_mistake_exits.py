"""A user's mistake is never exit 4: no region, a reader that goes away (`| head -1`), a port in use.

These run the installed console script, as a user's shell would.
"""

from __future__ import annotations

import os
import shlex
import socket
from pathlib import Path

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import Run, ci_ecs_executable, clean_env, client, run_process


def _pipeline(sandbox: sandboxes.Sandbox, workdir: Path, command: str) -> Run:
    """`ci-ecs COMMAND | head -1` in bash; its exit code is ci-ecs's (not head's)."""
    line = f"{shlex.quote(ci_ecs_executable())} {command} | head -1; exit ${{PIPESTATUS[0]}}"
    return run_process(["bash", "-c", line], clean_env(sandbox), workdir)


def test_no_region_anywhere_is_a_configuration_error_naming_region(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = workdir / "ci-ecs.yml"
    config.write_text(config.read_text().replace(f"region: {sample.region}\n", ""))
    env = {k: v for k, v in clean_env(sandbox).items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}

    run = run_process([ci_ecs_executable(), "status"], env, workdir)

    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith("error: region: no AWS region configured"), run.stderr


def test_status_piped_to_head_exits_0_with_its_first_line(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    run = _pipeline(sandbox, workdir, "status")

    assert run.code == 0, run.stderr
    assert run.stdout == f"service {sample.service} (cluster {sample.cluster}, {sample.region})\n"
    assert run.stderr == ""


def test_a_deploy_nobody_reads_any_more_goes_on_to_the_end_and_exits_0(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    # head exits after the first line; the deploy writes for seconds more into the closed pipe.
    run = _pipeline(sandbox, workdir, f"deploy --image {sample.repository}:v2")

    assert run.code == 0, run.stderr
    assert run.stdout.startswith("--- deploy v2")
    assert run.stderr == ""
    found = client(sandbox, "ecs").describe_services(
        cluster=sample.cluster, services=[sample.service], include=["TAGS"]
    )["services"][0]
    assert {t["key"]: t["value"] for t in found["tags"]}["ci-ecs:version"] == "v2"
    assert found["taskDefinition"].endswith(f"/{sample.task_family}:2")


def test_sandbox_up_on_a_port_in_use_exits_3_naming_the_port_and_the_flag(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        args = [ci_ecs_executable(), "sandbox", "up", "--port", str(port)]
        run = run_process(args, dict(os.environ), tmp_path, timeout=60)

    assert run.code == 3, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert f"127.0.0.1:{port} is in use" in run.stderr
    assert "--port" in run.stderr
