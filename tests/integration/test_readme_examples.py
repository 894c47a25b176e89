"""The README's sandbox walkthroughs run as written: every `ci-ecs` and `aws` line, in order."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import clean_env, run_process

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
# The walkthroughs are the shell blocks that work on the sandbox's own configuration files.
WALKTHROUGHS = [
    block
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    if "sandbox up --write-config" in block or "--config ci-ecs-" in block
]


def _commands(block: str) -> list[tuple[str, int]]:
    """Each command line of a block with the exit code the README says it has (a `# exits N` comment)."""
    found = []
    for line in block.splitlines():
        command, _, comment = line.partition("#")
        if command.strip() and not command.strip().startswith("ci-ecs sandbox up"):
            expected = re.search(r"exits (\d)", comment)
            found.append((command.strip(), int(expected.group(1)) if expected else 0))
    return found


def test_the_readme_has_the_walkthroughs() -> None:
    assert len(WALKTHROUGHS) >= 4, "canary, codedeploy, switch and the by-hand walkthrough"


@pytest.mark.parametrize("block", WALKTHROUGHS, ids=lambda b: _commands(b)[0][0][:60])
def test_walkthrough_runs_as_written(block: str, sandbox: sandboxes.Sandbox, workdir: Path, cli: Any) -> None:
    if "ci-ecs-regions.yml" in block:  # the walkthrough of the sample's second region
        sandbox.reset(seed=True, second_region=True)
        sandbox.write_config(workdir)
    for command, expected in _commands(block):
        if command.startswith("ci-ecs "):
            run = cli(*shlex.split(command)[1:])
        else:  # the aws CLI, through a shell as a user types it
            env = clean_env(sandbox, {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"})
            run = run_process(["bash", "-c", command], env, workdir)
        assert run.code == expected, f"{command}\n{run.output}"
