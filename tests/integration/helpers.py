"""Helpers for integration tests: running ci-ecs and the aws CLI, reading sandbox state directly."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from ci_ecs import sandbox as sandboxes


@dataclass(frozen=True)
class Run:
    """One ci-ecs invocation's outcome."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(sandbox: sandboxes.Sandbox, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment minus CI and AWS variables, plus the sandbox's, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_", "CI_ECS_")) and k != "CI"
    }
    env.update(sandbox.env())
    env["AWS_CONFIG_FILE"] = "/nonexistent"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    # Poll often: the sandbox's time steps are short (a flag or config beats these where a test sets one).
    env["CI_ECS_WAIT_POLL_FIRST"] = "0.2"
    env["CI_ECS_WAIT_POLL_CAP"] = "0.5"
    env.update(extra or {})
    return env


def run_process(args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = 300) -> Run:
    """Run a real process (ci-ecs or aws) and capture its output."""
    done = subprocess.run(args, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr)


def ci_ecs_executable() -> str:
    """The installed console script beside this interpreter."""
    return str(Path(sys.executable).with_name("ci-ecs"))


def aws_executable() -> str:
    """The real aws CLI installed beside this interpreter."""
    return str(Path(sys.executable).with_name("aws"))


def client(sandbox: sandboxes.Sandbox, service: str) -> Any:
    """A plain boto3 client on the sandbox, independent of ci-ecs."""
    return boto3.client(
        service,
        endpoint_url=sandbox.endpoint,
        region_name=sandbox.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
