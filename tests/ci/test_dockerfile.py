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


def _stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions from its FROM on, by its name (`AS name`; the last, unnamed one is "")."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for name, args in _instructions():
        if name == "FROM":
            words = args.split()
            current = stages[words[2] if len(words) == 3 and words[1].upper() == "AS" else ""] = []
        if current is not None:
            current.append((name, args))
    return stages


def _final_stage() -> list[tuple[str, str]]:
    return _stages()[""]


def test_hadolint_finds_nothing() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "hadolint"), "--format", "json", "Dockerfile"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, json.dumps(json.loads(done.stdout or "[]"), indent=1) + done.stderr


def test_the_base_is_an_argument_defaulting_to_python_slim_for_every_stage_that_runs_commands() -> None:
    instructions = _instructions()
    stages = _stages()
    building = {name: stage for name, stage in stages.items() if any(i == "RUN" for i, _ in stage)}

    assert instructions[0] == ("ARG", "BASE_IMAGE=python:3.12-slim")
    assert set(building) == {"app", "docker-cli", "runtime"}, "build tools stay out of the images"
    assert all(stage[0][1].split()[0] == "${BASE_IMAGE}" for stage in building.values())
    # The images are copied together from those stages: the deploy image in one layer, the default one on it.
    assert stages["deploy"][0] == ("FROM", "scratch AS deploy")
    assert stages[""][0] == ("FROM", "deploy")


def test_the_images_run_ci_ecs_in_exec_form_as_root_in_the_mounted_workspace() -> None:
    deploy, final = _stages()["deploy"], _final_stage()
    names = [name for name, _ in deploy + final]

    assert deploy[-1] == ("ENTRYPOINT", '["ci-ecs"]')
    assert "ENTRYPOINT" not in [name for name, _ in final], "the default image keeps the deploy image's"
    assert "USER" not in names and "WORKDIR" not in names
    assert "RUN" not in names, "the images only copy what earlier stages built"
    assert [args for name, args in deploy if name == "COPY"] == ["--from=runtime / /"]
    # The docker client (only `build` needs it) is in the default image, not in the deploy image.
    assert [args for name, args in final if name == "COPY"] == [
        "--from=docker-cli /tmp/docker/usr/bin/docker /usr/local/bin/docker"
    ]
    # FROM scratch: nothing is inherited from the base.
    assert {"PATH", "LANG"} <= set(re.findall(r"(\w+)=", dict(deploy)["ENV"]))


def test_the_app_stage_drops_pip_setuptools_cryptography_and_the_models_of_services_not_called() -> None:
    app = " ".join(args for name, args in _stages()["app"] if name == "RUN")

    assert "-m ci_ecs.aws.botocore_data /opt/ci-ecs/lib/python3*/site-packages/botocore/data" in app
    assert "pip uninstall --yes --disable-pip-version-check cryptography setuptools pip" in app


def test_the_build_context_is_only_the_package_and_its_metadata() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert ignored[ignored.index("*") :] == [
        "*", "!pyproject.toml", "!README.md", "!ci_ecs/", "**/__pycache__", "**/*.pyc",
    ]  # fmt: skip
