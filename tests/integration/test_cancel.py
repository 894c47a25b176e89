"""A job its CI cancels (SIGTERM) puts back what it started, releases the lock, and exits 143."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client, run_killed
from tests.integration.world import settled, snapshot

CANARY_DEPLOYS = {
    "task": "ci-ecs-task.yml",
    "service": "ci-ecs-service.yml",
    "taskset": "ci-ecs-taskset.yml",
    "codedeploy": "ci-ecs-codedeploy.yml",
    "switch": "ci-ecs-switch.yml",
}
MOMENTS = 10
FAST = {"switch": {"CI_ECS_SWITCH_OVERLAP": "0.1"}}  # the overlap is a sleep: nothing to cancel inside it


def _as_before(state: dict[str, Any]) -> dict[str, Any]:
    """What must equal the state before the job. Revisions stay registered; a canary service may stay at 0;
    a switch service keeps `ci-ecs:switch`, which marks it as a version of its base service for good."""
    services = {
        name: {**service, "tags": {k: v for k, v in service["tags"].items() if k != "ci-ecs:switch"}}
        for name, service in state["services"].items()
        if not (name.endswith("-canary") and service["desired"] == 0)
    }
    return {**state, "services": services, "revisions": None}


def _locked(sandbox: sandboxes.Sandbox) -> bool:
    dynamodb = client(sandbox, "dynamodb")
    if "ci-ecs-locks" not in dynamodb.list_tables()["TableNames"]:
        return False
    return bool(dynamodb.scan(TableName="ci-ecs-locks")["Items"])


def _moments(calls: int) -> list[int]:
    """Ten AWS calls spread over the job, after each of which it is cancelled."""
    return sorted({round(1 + i * (calls - 2) / (MOMENTS - 1)) for i in range(MOMENTS)})


@pytest.mark.parametrize("technique", sorted(CANARY_DEPLOYS))
def test_a_cancelled_canary_deploy_leaves_everything_as_before_and_releases_the_lock(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, technique: str
) -> None:
    job: tuple[str, ...] = ("--config", CANARY_DEPLOYS[technique], "--output", "json", "canary-deploy")
    job += ("--image", f"{sample.repository}:v2")
    settled(sandbox)
    before = _as_before(snapshot(sandbox))
    whole = run_killed(sandbox, workdir, 10**6, *job, extra=FAST.get(technique))
    assert whole.returncode == 0, whole.stderr
    calls = sum(json.loads(whole.stdout)["api_calls"].values())

    cancelled = 0
    for limit in _moments(calls):
        sandbox.reset(seed=True)
        sandbox.write_config(workdir)
        run = run_killed(sandbox, workdir, limit, *job, extra=FAST.get(technique), signal="TERM")
        if run.returncode == 0:
            continue  # this run needed fewer polls: it had finished before its `limit`th call
        assert run.returncode == 143, f"cancelled after call {limit}: {run.stderr}"
        cancelled += 1
        assert "cancelled by SIGTERM" in run.stdout + run.stderr
        settled(sandbox)
        assert _as_before(snapshot(sandbox)) == before, f"cancelled after call {limit}:\n{run.stdout}"
        assert not _locked(sandbox), f"cancelled after call {limit}: the lock is still held"
    assert cancelled >= MOMENTS // 2, f"only {cancelled} of the runs were cancelled"
