"""The example CI files are valid for the real tools that will read them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / "examples" / "github").glob("*.yml"))


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_there_are_github_examples_for_deploy_and_rollback() -> None:
    assert {p.name for p in WORKFLOWS} >= {"deploy.yml", "rollback.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_github_workflow_passes_actionlint(workflow: Path) -> None:
    done = _tool("actionlint", str(workflow))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_github_workflow_matches_the_workflow_schema(workflow: Path) -> None:
    done = _tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_example_matches_the_gitlab_ci_schema() -> None:
    done = _tool("check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", "examples/gitlab/.gitlab-ci.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_rollback_job_never_stops_the_environment() -> None:
    import yaml

    pipeline = yaml.safe_load((ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text())
    assert pipeline["rollback"]["environment"]["action"] == "access"
    assert pipeline["deploy"]["artifacts"]["reports"]["dotenv"] == "ci-ecs.env"
    assert pipeline["deploy"]["environment"]["url"] == "$DEPLOY_URL"


def test_readme_points_at_the_examples() -> None:
    readme = (ROOT / "README.md").read_text()
    for example in [*WORKFLOWS, ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"]:
        assert str(example.relative_to(ROOT)) in readme
