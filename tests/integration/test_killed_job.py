"""A deploy job killed half-way is finished by running it again (DESIGN.md §6 rule 3)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import ci_ecs_executable, clean_env, client


def test_rerun_after_sigkill_follows_the_started_deployment_and_records_the_release(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    ecs = client(sandbox, "ecs")
    image = f"{sample.repository}:v2-slow"
    job = subprocess.Popen(
        [ci_ecs_executable(), "deploy", "--image", image],
        env=clean_env(sandbox),
        cwd=workdir,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert job.stdout is not None
    for line in job.stdout:
        if "started (circuit breaker on)" in line:
            job.send_signal(signal.SIGKILL)  # between UpdateService and recording the release
            break
    job.wait(timeout=30)
    started = ecs.describe_services(cluster=sample.cluster, services=[sample.service])["services"][0]
    revisions = ecs.list_task_definitions(familyPrefix=sample.task_family)["taskDefinitionArns"]

    rerun = cli("deploy", "--image", image)

    assert rerun.code == 0, rerun.output
    assert "following deployment" in rerun.stdout
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service], include=["TAGS"])[
        "services"
    ][0]
    assert ecs.list_task_definitions(familyPrefix=sample.task_family)["taskDefinitionArns"] == revisions
    assert service["deployments"][0]["id"] == started["deployments"][0]["id"]
    tags = {t["key"]: t["value"] for t in service["tags"]}
    assert tags["ci-ecs:version"] == "v2-slow"
    assert tags["ci-ecs:previous-version"] == "v1"
