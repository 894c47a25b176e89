"""The GitLab component, the classic template and the pipelines are what GitLab and its schema accept.

check-jsonschema (`vendor.gitlab-ci`) reads the files and gitlab-ci-local's expanded `--preview`;
the job rules of issue 6 are checked on that expanded pipeline, the one GitLab would run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci.gitlab_local import (
    CLASSIC_TEMPLATE,
    COMPONENT,
    ROOT,
    Project,
    classic_template_text,
    component_documents,
    input_defaults,
)

EXAMPLE = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
CLASSIC_EXAMPLE = ROOT / "examples" / "gitlab" / "classic" / ".gitlab-ci.yml"
RELEASED = "gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0"
CLASSIC_URL = "https://gitlab.com/ci-ecs/ci-ecs/-/raw/v0.1.0/.gitlab-ci-template.yml"
GLOBAL_KEYWORDS = {"stages", "default", "variables", "workflow", "include", "image", "services", "cache"}


def _schema_errors(path: Path) -> str:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--builtin-schema",
            "vendor.gitlab-ci",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def _preview(project: Project, *args: str) -> str:
    run = project.run("--preview", *args)
    assert run.code == 0, run.output
    return run.stdout


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """gitlab-ci-local's expanded pipeline of each example and of ci-ecs's own .gitlab-ci.yml."""
    base = tmp_path_factory.mktemp("previews")
    component = Project.create(
        base / "component", {".gitlab-ci.yml": EXAMPLE.read_text()}, "git@gitlab.com:shop/web.git"
    )
    component.serve_component(RELEASED)
    classic = Project.create(
        base / "classic", {".gitlab-ci.yml": CLASSIC_EXAMPLE.read_text()}, "git@gitlab.com:shop/web.git"
    )
    classic.serve_remote(CLASSIC_URL, CLASSIC_TEMPLATE)
    own_files = {
        ".gitlab-ci.yml": (ROOT / ".gitlab-ci.yml").read_text(),
        "templates/ecs-deploy.yml": COMPONENT.read_text(),
    }
    own = Project.create(base / "own", own_files, "git@gitlab.com:ci-ecs/ci-ecs.git")
    return {
        "component": _preview(component),
        "component-prefixed": _preview(component, "--input=job_prefix=web-", "--input=environment=staging"),
        "classic": _preview(classic),
        "own": _preview(own, "--variable=AWS_ENDPOINT_URL=http://127.0.0.1:1"),
    }


def _jobs(preview: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(preview)
    return document


@pytest.mark.parametrize(
    "path",
    [ROOT / ".gitlab-ci.yml", CLASSIC_TEMPLATE, EXAMPLE, CLASSIC_EXAMPLE],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_gitlab_file_matches_the_gitlab_ci_schema(path: Path) -> None:
    assert _schema_errors(path) == ""


def test_component_spec_and_jobs_each_match_the_gitlab_ci_schema(tmp_path: Path) -> None:
    header, jobs = component_documents()
    (tmp_path / "spec.yml").write_text(header)
    (tmp_path / "jobs.yml").write_text(jobs)

    assert _schema_errors(tmp_path / "spec.yml") == ""
    assert _schema_errors(tmp_path / "jobs.yml") == ""


@pytest.mark.parametrize("name", ["component", "component-prefixed", "classic", "own"])
def test_expanded_preview_matches_the_gitlab_ci_schema(
    previews: dict[str, str], name: str, tmp_path: Path
) -> None:
    (tmp_path / "expanded.yml").write_text(previews[name])

    assert _schema_errors(tmp_path / "expanded.yml") == ""


def test_classic_template_is_the_component_jobs_with_the_input_defaults() -> None:
    assert CLASSIC_TEMPLATE.read_text() == classic_template_text(), (
        "regenerate: python -m tests.ci.gitlab_local"
    )


def test_component_sets_no_global_keyword_and_every_job_is_prefixed() -> None:
    jobs = yaml.safe_load(component_documents()[1])

    assert not set(jobs) & GLOBAL_KEYWORDS
    assert all(name.startswith("$[[ inputs.job_prefix ]]") for name in jobs)


def test_component_default_image_is_the_image_of_the_release_the_examples_include() -> None:
    tag = RELEASED.rpartition("@")[2]

    assert input_defaults()["image"] == f"registry.gitlab.com/ci-ecs/ci-ecs:{tag.removeprefix('v')}"
    assert f"/{tag}/" in CLASSIC_URL


def test_same_jobs_from_the_component_and_the_classic_template(previews: dict[str, str]) -> None:
    component, classic = _jobs(previews["component"]), _jobs(previews["classic"])
    names = ["build", "canary-deploy", "deploy", "rollback"]

    assert [component[n] for n in names] == [classic[n] for n in names]


def test_job_prefix_and_environment_inputs_name_the_jobs_environments_and_resource_group(
    previews: dict[str, str],
) -> None:
    jobs = _jobs(previews["component-prefixed"])
    build, canary, deploy, rollback = (
        jobs[f"web-{n}"] for n in ("build", "canary-deploy", "deploy", "rollback")
    )

    assert "rules" not in build and "when" not in build, "build runs on its own"
    assert build["artifacts"]["reports"]["dotenv"] == "ci-ecs.env"
    for job in (canary, deploy, rollback):
        assert job["rules"] == [{"when": "manual", "allow_failure": True}]
        assert job["resource_group"] == "ecs-staging"
        assert '--environment "staging"' in job["script"][0]
    for job in (build, canary, deploy, rollback):
        assert job["image"]["entrypoint"] == [""]
    assert canary["environment"]["name"] == "staging/canary"
    assert deploy["environment"] == {"name": "staging", "deployment_tier": "production", "url": "$DEPLOY_URL"}
    assert (
        [n["job"] for n in deploy["needs"]]
        == [n["job"] for n in canary["needs"]]
        == ["web-build", "web-migrate"]
    )
    assert jobs["web-migrate"]["rules"][0]["if"] == '"false" == "true"', "no migrate job unless asked for"
    assert rollback["environment"] == {"name": "staging", "action": "access"}, (
        "never stop: it would tear down"
    )
    assert rollback["needs"] == []


def test_the_migrate_input_adds_a_manual_migrate_job_running_its_command_before_the_deploys(
    tmp_path: Path,
) -> None:
    project = Project.create(
        tmp_path / "web", {".gitlab-ci.yml": EXAMPLE.read_text()}, "git@gitlab.com:shop/web.git"
    )
    project.serve_component(RELEASED)

    asked = ("--input=migrate=true", "--input=migrate_command=./manage.py migrate")
    jobs = _jobs(_preview(project, *asked))
    listed, unasked = project.run("--list", *asked), project.run("--list")

    migrate = jobs["migrate"]
    config = "${CI_ECS_CONFIG_FILE:-ci-ecs.yml}"
    command = f'ci-ecs --config "{config}" --environment "production" run -- ./manage.py migrate'
    assert migrate["script"] == [command]
    assert [n["job"] for n in migrate["needs"]] == ["build"], "the build's CI_ECS_IMAGE: the new version"
    assert migrate["resource_group"] == jobs["deploy"]["resource_group"]
    assert "environment" not in migrate, "a migration is no deployment"
    for name in ("canary-deploy", "deploy"):
        assert [n["job"] for n in jobs[name]["needs"]] == ["build", "migrate"]
    assert listed.code == unasked.code == 0, listed.output + unasked.output
    assert re.search(r"^migrate\s.*manual", listed.stdout, flags=re.M), listed.stdout
    assert not re.search(r"^migrate\s", unasked.stdout, flags=re.M), unasked.stdout


def test_deploy_jobs_take_the_version_only_from_the_pipeline() -> None:
    jobs = yaml.safe_load(classic_template_text())

    for name in ("canary-deploy", "deploy"):
        assert "--image" not in jobs[name]["script"][0] and "variables" not in jobs[name]
        assert jobs[name]["needs"] == [
            {"job": "build", "optional": True},  # its CI_ECS_IMAGE, else <image>:<sha>
            {"job": "migrate", "optional": True},  # when there is one, after it
        ]


def test_gitlab_ci_local_refuses_a_deployment_tier_gitlab_does_not_know(tmp_path: Path) -> None:
    project = Project.create(
        tmp_path / "web", {".gitlab-ci.yml": EXAMPLE.read_text()}, "git@gitlab.com:shop/web.git"
    )
    project.serve_component(RELEASED)

    refused = project.run("--preview", "--input=deployment_tier=prod")

    assert refused.code != 0 and "deployment_tier" in refused.output


def test_the_review_input_adds_a_review_environment_per_merge_request_and_its_stop_job(
    tmp_path: Path,
) -> None:
    project = Project.create(
        tmp_path / "web", {".gitlab-ci.yml": EXAMPLE.read_text()}, "git@gitlab.com:shop/web.git"
    )
    project.serve_component(RELEASED)

    jobs = _jobs(_preview(project, "--input=review=true"))
    in_request = ("--input=review=true", "--variable=CI_MERGE_REQUEST_IID=7")
    listed, on_a_branch = project.run("--list", *in_request), project.run("--list", "--input=review=true")

    review, stop = jobs["review"], jobs["stop_review"]
    config = "${CI_ECS_CONFIG_FILE:-ci-ecs.yml}"
    assert review["script"] == [
        f'ci-ecs --config "{config}" --environment "review/$CI_COMMIT_REF_SLUG" deploy'
    ]
    assert stop["script"] == [f'ci-ecs --config "{config}" --environment "review/$CI_COMMIT_REF_SLUG" stop']
    assert review["environment"] == {
        "name": "review/$CI_COMMIT_REF_SLUG",
        "deployment_tier": "development",
        "url": "$DEPLOY_URL",
        "on_stop": "stop_review",
        "auto_stop_in": "1 week",
    }
    assert stop["environment"] == {"name": "review/$CI_COMMIT_REF_SLUG", "action": "stop"}
    assert stop["needs"] == [] and stop["rules"][0]["when"] == "manual"
    assert review["rules"] == [{"if": '"true" == "true" && $CI_MERGE_REQUEST_IID'}]
    assert "resource_group" not in review, "each review environment's own lock: reviews never queue"
    assert listed.code == on_a_branch.code == 0, listed.output + on_a_branch.output
    assert re.search(r"^review\s", listed.stdout, flags=re.M), listed.stdout
    assert re.search(r"^stop_review\s.*manual", listed.stdout, flags=re.M), listed.stdout
    assert not re.search(r"^(stop_)?review\s", on_a_branch.stdout, flags=re.M), on_a_branch.stdout
    unasked = _jobs(_preview(project))
    assert unasked["review"]["rules"][0]["if"].startswith('"false" == "true"'), "no reviews unless asked for"
