"""Run the root action.yml the way a GitHub runner runs a docker action, on a local docker engine."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
FAKE_TOKEN = "ghs_fakeTokenForTheTests0000000000000"


def action() -> dict[str, Any]:
    """The root action.yml."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return loaded


def action_image() -> str:
    """The image the action runs (`runs.image` without `docker://`)."""
    image: str = action()["runs"]["image"]
    assert image.startswith("docker://"), image
    return image.removeprefix("docker://")


def docker_client() -> str:
    """The docker CLI on PATH (used without BuildKit: there is no buildx here)."""
    found = shutil.which("docker")
    assert found, "docker CLI missing: scripts/install-test-tools installs docker.io"
    return found


def parse_file_command(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads $GITHUB_OUTPUT."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        heredoc = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if heredoc:
            name, delimiter = heredoc.groups()
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            values[name] = "\n".join(block)
        elif "=" in line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


@dataclass(frozen=True)
class ActionRun:
    """One run of the action: exit code, log, and what it wrote to its file commands."""

    code: int
    log: str
    outputs: dict[str, str]
    summary: str


def _input_value(spec: Mapping[str, Any], given: str | None) -> str:
    if given is not None:
        return given
    default = str(spec.get("default", ""))
    return default.replace("${{ github.token }}", FAKE_TOKEN)


def run_action(
    docker_env: Mapping[str, str],
    workspace: Path,
    inputs: Mapping[str, str],
    env: Mapping[str, str],
) -> ActionRun:
    """`docker run` as the runner does: INPUT_* variables, the workspace and file commands mounted."""
    spec = action()
    unknown = set(inputs) - set(spec["inputs"])
    assert not unknown, f"inputs the action does not declare: {unknown}"
    commands = workspace.parent / f"file_commands-{uuid.uuid4().hex[:8]}"
    commands.mkdir()
    home = workspace.parent / "github_home"
    home.mkdir(exist_ok=True)
    output, summary = f"set_output_{uuid.uuid4()}", f"step_summary_{uuid.uuid4()}"
    variables = {
        **{
            f"INPUT_{name.replace(' ', '_').upper()}": _input_value(item, inputs.get(name))
            for name, item in spec["inputs"].items()
        },
        "HOME": "/github/home",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_OUTPUT": f"/github/file_commands/{output}",
        "GITHUB_STEP_SUMMARY": f"/github/file_commands/{summary}",
        **env,
    }
    command = [docker_client(), "run", "--rm", "--network", "host", "--workdir", "/github/workspace"]
    for source, target in ((workspace, "workspace"), (commands, "file_commands"), (home, "home")):
        command += ["-v", f"{source}:/github/{target}"]
    for name, value in variables.items():
        command += ["-e", f"{name}={value}"]
    if spec["runs"].get("entrypoint"):
        command += ["--entrypoint", spec["runs"]["entrypoint"]]
    command += [action_image(), *spec["runs"].get("args", [])]
    done = subprocess.run(command, env=dict(docker_env), capture_output=True, text=True, timeout=600)
    written = {name: commands / name for name in (output, summary)}
    return ActionRun(
        done.returncode,
        done.stdout + done.stderr,
        parse_file_command(written[output].read_text()) if written[output].exists() else {},
        written[summary].read_text() if written[summary].exists() else "",
    )
