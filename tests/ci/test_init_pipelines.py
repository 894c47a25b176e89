"""What `ci-ecs init` writes for each sample service passes the real tools: actionlint and the workflow schema
(GitHub), the GitLab CI schema and gitlab-ci-local's expanded pipeline (GitLab), and gitlab-ci-local runs
its deploy and rollback jobs against the sandbox."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ci_ecs.init.pipeline import ACTION, COMPONENT
from tests.ci.gitlab_local import ROOT, Project, running_sandbox
from tests.integration.test_init import MANY, SERVICES

BIN = Path(sys.executable).parent
REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"
ORIGIN = "git@gitlab.com:shop/web.git"


def _tool(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One sandbox process for the module (each test uses its own service), as the pipeline's variables."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as found:
        yield {
            **found,
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            "CI_ECS_FORGE": "none",
            "CI_ECS_WAIT_POLL_FIRST": "0.2",
            "CI_ECS_WAIT_POLL_CAP": "0.5",
        }


def _init(directory: Path, exports: dict[str, str], service: str, forge: str, *config: str) -> None:
    directory.mkdir(parents=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI_", "GIT"))}
    done = subprocess.run(
        [str(BIN / "ci-ecs"), *config, "init", "--cluster", "demo", "--service", service, "--forge", forge],
        cwd=directory,
        env={**base, **exports},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _files(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text()
        for p in directory.rglob("*")
        if p.is_file() and ".git/" not in str(p)
    }


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_github_workflows_pass_actionlint_against_action_yml_and_the_workflow_schema(
    tmp_path: Path, exports: dict[str, str], service: str
) -> None:
    app = tmp_path / "app"
    _init(app, exports, service, "github")
    workflows = sorted((app / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in workflows] == ["deploy.yml", "rollback.yml"]

    schema = _tool(
        app, "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, workflows)
    )

    assert schema.returncode == 0, schema.stdout + schema.stderr
    _actionlint_against_action_yml(app, workflows)


def _actionlint_against_action_yml(app: Path, workflows: list[Path]) -> None:
    # `uses: ./` in a repository holding action.yml: actionlint checks every input against it.
    for workflow in workflows:
        text = workflow.read_text()
        assert f"uses: {ACTION}" in text
        workflow.write_text(text.replace(ACTION, "./"))
    shutil.copy(ROOT / "action.yml", app / "action.yml")
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    linted = _tool(app, "actionlint")
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_github_workflows_pass_the_config_path_to_every_step(tmp_path: Path, exports: dict[str, str]) -> None:
    app = tmp_path / "app"
    _init(app, exports, "web-ext", "github", "--config", "deploy/ecs.yml")
    workflows = sorted((app / ".github" / "workflows").glob("*.yml"))
    steps = [
        step
        for workflow in workflows
        for job in yaml.safe_load(workflow.read_text())["jobs"].values()
        for step in job["steps"]
        if step.get("uses") == ACTION
    ]

    assert len(steps) == 4 and all(s["with"]["config"] == "deploy/ecs.yml" for s in steps)
    _actionlint_against_action_yml(app, workflows)


# gitlab-ci-local runs deploy and rollback for one service per technique (each run takes about half a
# minute on two cores); the pipelines of the others differ only in the config, which `check` covers.
RUN = {t: s for s, t in sorted(SERVICES.items(), reverse=True) if s not in MANY}.values()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_gitlab_pipeline_matches_the_schema_expanded_and_runs_deploy_then_rollback(
    tmp_path: Path, exports: dict[str, str], service: str
) -> None:
    app = tmp_path / "app"
    _init(app, exports, service, "gitlab")
    schema = _tool(app, "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml")
    assert schema.returncode == 0, schema.stdout + schema.stderr
    project = Project.create(tmp_path / "repo", _files(app), ORIGIN)
    project.serve_component(COMPONENT)

    preview = project.run("--preview")

    assert preview.code == 0, preview.output
    (tmp_path / "expanded.yml").write_text(preview.stdout)
    expanded = _tool(tmp_path, "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", "expanded.yml")
    assert expanded.returncode == 0, expanded.stdout + expanded.stderr
    jobs = yaml.safe_load(preview.stdout)
    assert {"build", "deploy", "rollback", "canary-deploy"} <= set(jobs)
    canary = jobs["canary-deploy"]["rules"]
    assert (canary == [{"when": "never"}]) == (SERVICES[service] == "rolling")
    if service not in RUN:
        return

    variables = {**exports, "CI_ECS_IMAGE": f"{REPOSITORY}:v2"}
    deployed = project.run("deploy", variables=variables)

    assert deployed.passed("deploy"), deployed.output
    assert project.dotenv("deploy")["CI_ECS_VERSION"] == "v2"

    rolled_back = project.run("rollback", variables=variables)

    assert rolled_back.passed("rollback"), rolled_back.output
    assert "v1" in rolled_back.output


def test_init_includes_the_release_the_examples_name() -> None:
    assert f"component: {COMPONENT}\n" in (ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text()
    assert f"uses: {ACTION}\n" in (ROOT / "examples" / "github" / "deploy.yml").read_text()
