"""The Dockerfile passes hadolint and keeps the shape the jobs and the GitHub Action rely on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", re.sub(r"^\s*#.*\n", "", DOCKERFILE, flags=re.M))
    pairs = [line.strip().split(None, 1) for line in text.splitlines() if line.strip()]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def test_hadolint_finds_nothing() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "hadolint"), "--format", "json", "Dockerfile"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, json.dumps(json.loads(done.stdout or "[]"), indent=1) + done.stderr


def test_the_base_is_an_argument_defaulting_to_python_slim_for_every_stage() -> None:
    instructions = _instructions()
    froms = [args for name, args in instructions if name == "FROM"]

    assert instructions[0] == ("ARG", "BASE_IMAGE=python:3.12-slim")
    assert len(froms) >= 2, "multi-stage: build tools stay out of the final image"
    assert all(args.split()[0] == "${BASE_IMAGE}" for args in froms)


def test_the_final_stage_runs_ci_ecs_in_exec_form_as_root_in_the_mounted_workspace() -> None:
    final = _final_stage()
    names = [name for name, _ in final]

    assert final[-1] == ("ENTRYPOINT", '["ci-ecs"]')
    assert "USER" not in names and "WORKDIR" not in names
    assert "RUN" not in names, "the final stage only copies what earlier stages built"
    assert any(name == "COPY" and "/usr/bin/docker" in args for name, args in final)


def test_the_build_context_is_only_the_package_and_its_metadata() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert ignored[ignored.index("*") :] == [
        "*", "!pyproject.toml", "!README.md", "!ci_ecs/", "**/__pycache__", "**/*.pyc",
    ]  # fmt: skip
