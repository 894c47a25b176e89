"""One embedded sandbox for the integration tests, reset and reseeded for each test."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from moto import backends
from typer.testing import CliRunner

from ci_ecs import sandbox as sandboxes
from ci_ecs.cli import app
from tests.integration.helpers import Run, clean_env

TICK = 0.05


@pytest.fixture(scope="session")
def sandbox() -> Iterator[sandboxes.Sandbox]:
    # moto lists its package's folders at every request to find the service a host names (0.6 ms each,
    # 0.1 s of CPU at each reseed): the folders do not change while the tests run.
    folders = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: folders
    box = sandboxes.start(0, seed=False, tick=TICK)
    yield box
    box.stop()


@pytest.fixture
def sample(sandbox: sandboxes.Sandbox) -> sandboxes.Sample:
    sample = sandbox.reset(seed=True)
    assert sample is not None
    return sample


@pytest.fixture
def workdir(tmp_path: Path, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> Path:
    """A directory holding the sandbox's ci-ecs.yml, as a user's repository would."""
    sandbox.write_config(tmp_path)
    return tmp_path


@pytest.fixture
def cli(sandbox: sandboxes.Sandbox, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run ci-ecs in-process (real CLI, real HTTP to the sandbox) in the working directory."""

    def invoke(*args: str, env: Mapping[str, str] | None = None, unset: tuple[str, ...] = ()) -> Run:
        monkeypatch.chdir(workdir)
        environment = clean_env(sandbox, env)
        for name in unset:
            environment.pop(name, None)
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(environment)
        try:
            result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke
