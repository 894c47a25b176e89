"""A switch deploy SIGKILLed between any two AWS calls is finished by a re-run, or undone by rollback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import clean_env
from tests.integration.test_switch import CONFIG, boto, snapshot

KILLER = str(Path(__file__).with_name("kill_after.py"))
FAST = {"CI_ECS_SWITCH_OVERLAP": "0.1"}  # the overlap is a sleep: nothing to kill inside it


def _run(
    sandbox: sandboxes.Sandbox, workdir: Path, limit: int, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, KILLER, str(limit), "--config", CONFIG, *args],
        env=clean_env(sandbox, FAST),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _stable(state: dict[str, Any]) -> dict[str, Any]:
    """The state judged after a rollback: v2 may be gone, or kept retired (at 0, obsolete, no autoscaling)."""
    services = dict(state["services"])
    if services.get("web-sw-v2") == {"desired": 0, "obsolete": True, "group": "web-sw-v2"}:
        del services["web-sw-v2"]
        groups = [g for g in state["target_groups"] if g != "web-sw-v2"]
    else:
        groups = state["target_groups"]
    return {**state, "services": services, "target_groups": groups}


@pytest.mark.parametrize("then", ["rerun", "rollback"])
def test_killed_switch_deploy_is_finished_by_rerun_or_undone_by_rollback(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, then: str
) -> None:
    job = ("--output", "json", "deploy", "--image", f"{sample.repository}:v2")
    read = boto(sandbox)
    stable = snapshot(read, workdir)
    complete = _run(sandbox, workdir, 10**6, *job)
    assert complete.returncode == 0, complete.stderr
    calls = sum(json.loads(complete.stdout)["api_calls"].values())
    sandbox.wait_idle()
    finished = snapshot(read, workdir)
    assert finished != stable

    for limit in range(1, calls):
        assert sandbox.reset(seed=True) is not None
        sandbox.write_config(workdir)  # the reseeded rules and target groups have new ARNs
        killed = _run(sandbox, workdir, limit, *job)
        assert killed.returncode == -9, f"call {limit}: {killed.stderr}"
        after = _run(sandbox, workdir, 10**6, *(job if then == "rerun" else ("rollback",)))
        # A rollback before anything was marked finds nothing to roll back: 3, nothing changed.
        assert after.returncode in ((0,) if then == "rerun" else (0, 3)), (
            f"killed after call {limit}, {then}: {after.stdout}\n{after.stderr}"
        )
        sandbox.wait_idle()
        state = snapshot(read, workdir)
        if then == "rerun":
            assert state == finished, f"killed after call {limit}, then {then}"
        else:
            assert _stable(state) == stable, f"killed after call {limit}, then {then}"
