"""The example CI files are valid for the real tools that will read them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / "examples" / "github").glob("*.yml"))
OWN_WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PUBLISHED = "org/ci-ecs@v1"


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


def test_action_yml_matches_the_github_action_schema() -> None:
    done = _tool("check-jsonschema", "--builtin-schema", "vendor.github-actions", "action.yml")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", OWN_WORKFLOWS, ids=lambda p: p.name)
def test_ci_ecs_own_workflow_passes_actionlint_and_the_workflow_schema(workflow: Path) -> None:
    assert OWN_WORKFLOWS, "the release workflow is missing"
    for done in (
        _tool("actionlint", str(workflow)),
        _tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)),
    ):
        assert done.returncode == 0, done.stdout + done.stderr


def test_examples_pass_actionlint_against_this_action_yml_used_as_uses_dot(tmp_path: Path) -> None:
    # In a repository holding action.yml, `uses: ./` is this action: actionlint then checks every
    # `with:` input and every `steps.<id>.outputs.<name>` against action.yml.
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    for workflow in WORKFLOWS:
        text = workflow.read_text()
        assert f"uses: {PUBLISHED}" in text, f"{workflow.name} does not use the action"
        (tmp_path / ".github" / "workflows" / workflow.name).write_text(text.replace(PUBLISHED, "./"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)

    done = subprocess.run(
        [str(BIN / "actionlint")], cwd=tmp_path, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stdout + done.stderr


def _ci_ecs_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses") == PUBLISHED]


def test_deploy_example_builds_then_canaries_then_deploys_one_job_at_a_time_per_environment() -> None:
    jobs = yaml.safe_load((ROOT / "examples" / "github" / "deploy.yml").read_text())["jobs"]
    commands = {name: [s["with"]["command"] for s in _ci_ecs_steps(job)] for name, job in jobs.items()}

    assert commands == {"build": ["build"], "canary": ["run", "canary-deploy"], "deploy": ["deploy"]}
    assert _ci_ecs_steps(jobs["canary"])[0]["with"]["args"].startswith("-- ")  # the migration's command
    assert (jobs["canary"]["needs"], jobs["deploy"]["needs"]) == ("build", "canary")
    assert jobs["canary"]["concurrency"] == jobs["deploy"]["concurrency"]
    assert jobs["deploy"]["concurrency"] == {"group": "ecs-production", "cancel-in-progress": False}
    assert jobs["deploy"]["environment"]["url"] == "${{ steps.deploy.outputs.deploy-url }}"
    assert jobs["canary"]["environment"] != jobs["deploy"]["environment"]["name"]
    # The version comes from the run (GITHUB_SHA), never from an input: a re-run redeploys that version.
    assert all("image" not in s["with"] for job in jobs.values() for s in _ci_ecs_steps(job))


def test_regions_example_deploys_a_slice_per_region_each_with_its_role_environment_and_lock() -> None:
    jobs = yaml.safe_load((ROOT / "examples" / "github" / "deploy-regions.yml").read_text())["jobs"]
    deploy = jobs["deploy"]
    slices = deploy["strategy"]["matrix"]["include"]
    (step,) = _ci_ecs_steps(deploy)
    (credentials,) = [s for s in deploy["steps"] if "configure-aws-credentials" in s.get("uses", "")]

    assert [s["region"] for s in slices] == ["us-east-1", "us-west-2"]
    assert len({s["role"] for s in slices}) == 2, "an account per region"
    assert credentials["with"] == {
        "role-to-assume": "${{ matrix.role }}",
        "aws-region": "${{ matrix.region }}",
    }
    assert deploy["env"] == {"CI_ECS_REGION": "${{ matrix.region }}"}  # beats ci-ecs.yml's region
    assert deploy["concurrency"] == {
        "group": "ecs-production-${{ matrix.region }}",
        "cancel-in-progress": False,
    }
    assert deploy["environment"]["name"] == step["with"]["environment"] == "production/${{ matrix.region }}"
    assert step["with"]["command"] == "deploy" and "image" not in step["with"]
    assert deploy["strategy"]["fail-fast"] is False, "a failing region must not cancel the others mid-deploy"
    assert "strategy" not in jobs["build"] and deploy["needs"] == "build", "one image for every region"


def test_rollback_example_shares_the_environment_lock_and_passes_the_version_to_rollback() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github" / "rollback.yml").read_text())
    job = workflow["jobs"]["rollback"]
    (step,) = _ci_ecs_steps(job)

    assert step["with"] == {
        "command": "rollback",
        "environment": "${{ inputs.environment }}",
        "version": "${{ inputs.version }}",
    }
    assert job["concurrency"]["group"] == "ecs-${{ inputs.environment }}"
    assert set(workflow[True]["workflow_dispatch"]["inputs"]) == {"environment", "version"}


def test_gitlab_example_matches_the_gitlab_ci_schema() -> None:
    done = _tool("check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", "examples/gitlab/.gitlab-ci.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_rollback_job_never_stops_the_environment() -> None:
    # The jobs live in the component (its second YAML document, after the `spec:` header).
    _spec, jobs = yaml.safe_load_all((ROOT / "templates" / "ecs-deploy.yml").read_text())
    by_name = {name.replace("$[[ inputs.job_prefix ]]", ""): job for name, job in jobs.items()}

    assert by_name["rollback"]["environment"]["action"] == "access"
    assert by_name["deploy"]["artifacts"]["reports"]["dotenv"] == "ci-ecs.env"
    assert by_name["deploy"]["environment"]["url"] == "$DEPLOY_URL"


def test_readme_points_at_the_examples() -> None:
    readme = (ROOT / "README.md").read_text()
    for example in [*WORKFLOWS, ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"]:
        assert str(example.relative_to(ROOT)) in readme
