"""`ci-ecs demo` as a new user runs it: a real process with its own sandbox."""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.helpers import ci_ecs_executable, run_process


def test_demo_shows_a_rollout_and_a_rolled_back_failure_and_exits_0(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_")) and k != "CI"
    }

    run = run_process([ci_ecs_executable(), "demo"], env, tmp_path)

    assert run.code == 0, run.output
    out = run.stdout
    assert "deploy success: v2 on web by rolling" in out
    assert "exit status 1 (as expected)" in out
    assert "ECS is rolling the service back" in run.output
    assert "live version" in out
    assert "demo behaved as designed" in out
    assert not list(tmp_path.iterdir()), "the demo must leave nothing behind in the working directory"
