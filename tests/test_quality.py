"""The code stays lint-clean, formatted and type-checked (run as tests so CI enforces them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing() -> None:
    done = _run("ruff", "check", "ci_ecs", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_code_is_formatted() -> None:
    done = _run("ruff", "format", "--check", "ci_ecs", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean_on_the_package_the_tests_and_the_benchmarks() -> None:
    done = _run(
        "mypy"
    )  # pyproject.toml: strict on ci_ecs/, calls and types checked in tests/ and benchmarks/
    assert done.returncode == 0, done.stdout + done.stderr


def test_only_their_own_packages_import_boto3_moto_typer_and_the_forge_clients() -> None:
    offenders = []
    for path in (ROOT / "ci_ecs").rglob("*.py"):
        text = path.read_text()
        relative = path.relative_to(ROOT / "ci_ecs").as_posix()
        if ("import boto3" in text or "from boto3" in text) and not relative.startswith("aws/"):
            offenders.append(f"{relative} imports boto3")
        if ("import moto" in text or "from moto" in text) and not relative.startswith("sandbox/"):
            offenders.append(f"{relative} imports moto")
        if ("import typer" in text or "from typer" in text) and not relative.startswith("cli/"):
            offenders.append(f"{relative} imports typer")
        forge_client = any(f"{w} {m}" in text for w in ("import", "from") for m in ("gitlab", "github"))
        if forge_client and not relative.startswith("forge/"):
            offenders.append(f"{relative} imports a forge client library")
    assert offenders == []


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"]], ids=["help", "build-help"])
def test_help_imports_no_heavy_library(argv: list[str]) -> None:
    probe = (
        "import sys, ci_ecs.cli\n"
        "try:\n"
        f"    ci_ecs.cli.app({argv!r}, prog_name='ci-ecs')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('boto3', 'botocore', 'moto', 'gitlab', 'github')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "Usage: ci-ecs" in done.stdout
    assert done.stderr.strip() == "[]"


TECHNIQUES = ("rolling", "canary", "taskset", "codedeploy", "switch")


def test_no_technique_imports_another() -> None:
    offenders = []
    for technique in TECHNIQUES:
        for path in (ROOT / "ci_ecs" / "strategies" / technique).rglob("*.py"):
            for other in TECHNIQUES:
                if other != technique and f"ci_ecs.strategies.{other}" in path.read_text():
                    offenders.append(f"{path.relative_to(ROOT)} imports the {other} technique")
            if "ci_ecs.strategies.registry" in path.read_text():
                offenders.append(f"{path.relative_to(ROOT)} imports the registry")
    assert offenders == []


def test_the_ci_ecs_tags_are_spelled_in_the_state_module_only() -> None:
    state = ROOT / "ci_ecs" / "strategies" / "state.py"
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "ci_ecs").rglob("*.py")
        if path != state and "sandbox" not in path.relative_to(ROOT).parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if '"ci-ecs:' in line
    ]
    assert offenders == []
