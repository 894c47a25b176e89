"""A rollback job in a pipeline undoes that pipeline's release only: never the stable version before it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import run_killed
from tests.integration.test_cancel import _as_before, _locked
from tests.integration.world import settled, snapshot

MODES = {"task": "ci-ecs-task.yml", "service": "ci-ecs-service.yml", "taskset": "ci-ecs-taskset.yml"}
MOMENTS = 10


def _pipeline(number: int, tag: str) -> dict[str, str]:
    """A GitLab tag pipeline's variables (its version: the tag)."""
    return {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_COMMIT_SHA": f"{number:040d}",
        "CI_COMMIT_TAG": tag,
        "CI_PIPELINE_ID": str(number),
        "CI_ECS_FORGE": "none",
    }


def _stable_v2(sandbox: sandboxes.Sandbox, workdir: Path, config: str) -> None:
    """v2 deployed by pipeline 101 over v1: the stable release a later pipeline's rollback must leave."""
    deployed = run_killed(sandbox, workdir, 10**6, "--config", config, "deploy", extra=_pipeline(101, "v2"))
    assert deployed.returncode == 0, deployed.stderr
    settled(sandbox)


def test_a_rollback_in_a_pipeline_whose_version_is_not_live_changes_nothing_and_says_so(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _stable_v2(sandbox, workdir, "ci-ecs.yml")
    before = snapshot(sandbox)

    run = run_killed(sandbox, workdir, 10**6, "rollback", extra=_pipeline(102, "v3"))

    assert run.returncode == 0, run.stderr
    assert "this pipeline's version v3 is not live (v2 is)" in run.stdout + run.stderr
    assert "--to VERSION" in run.stdout + run.stderr
    assert snapshot(sandbox) == before


def test_a_rollback_in_the_pipeline_whose_version_is_live_rolls_it_back(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _stable_v2(sandbox, workdir, "ci-ecs.yml")

    run = run_killed(sandbox, workdir, 10**6, "--output", "json", "rollback", extra=_pipeline(101, "v2"))

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["version"] == "v1"


def test_a_rollback_job_naming_no_image_rolls_back_the_tag_its_pipeline_deployed(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    # The deploy job named the image (tag v2); the rollback job does not, so its own version would be
    # the commit: the live version is still this pipeline's by its commit and pipeline id.
    _stable_v2(sandbox, workdir, "ci-ecs.yml")
    branch = {k: v for k, v in _pipeline(101, "v2").items() if k != "CI_COMMIT_TAG"}

    run = run_killed(sandbox, workdir, 10**6, "--output", "json", "rollback", extra=branch)

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["version"] == "v1"


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_killed_canary_deploy_then_the_pipeline_s_rollback_never_changes_the_stable_version(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, mode: str
) -> None:
    config, pipeline = MODES[mode], _pipeline(102, "v3")
    canary = ("--config", config, "--output", "json", "canary-deploy")
    _stable_v2(sandbox, workdir, config)
    whole = run_killed(sandbox, workdir, 10**6, *canary, extra=pipeline)
    assert whole.returncode == 0, whole.stderr
    calls = sum(json.loads(whole.stdout)["api_calls"].values())

    killed = 0
    for limit in sorted({round(1 + i * (calls - 2) / (MOMENTS - 1)) for i in range(MOMENTS)}):
        sandbox.reset(seed=True)
        sandbox.write_config(workdir)
        _stable_v2(sandbox, workdir, config)
        stable = _as_before(snapshot(sandbox))
        run = run_killed(sandbox, workdir, limit, *canary, extra=pipeline)
        if run.returncode == 0:
            continue  # fewer polls than `limit` this time: it had finished
        assert run.returncode == -9, f"killed after call {limit}: {run.stderr}"
        killed += 1
        back = run_killed(sandbox, workdir, 10**6, "--config", config, "rollback", extra=pipeline)
        assert back.returncode == 0, f"killed after call {limit}, then rollback: {back.stdout}{back.stderr}"
        settled(sandbox)
        after: dict[str, Any] = _as_before(snapshot(sandbox))
        assert after == stable, f"killed after call {limit}, then rollback:\n{back.stdout}"
        assert not _locked(sandbox)
    assert killed >= MOMENTS // 2, f"only {killed} runs were killed"
