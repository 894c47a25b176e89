"""The GitLab jobs run for real: gitlab-ci-local (shell executor) against the sandbox, dockerd, a registry.

Each test is a user's repository (a `FROM scratch` app, ci-ecs.yml for the sandbox's `web` service, the
pipeline) with its own sandbox process; the registry and dockerd are this worker's (tests/docker_services.py).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.ci.gitlab_local import CLASSIC_TEMPLATE, COMPONENT, ROOT, Pipeline, Project, running_sandbox

URL = "https://web.example.test"
GITLAB_ORIGIN = "git@gitlab.com:shop/web.git"
CI_ECS_ORIGIN = "git@gitlab.com:ci-ecs/ci-ecs.git"
DOCKERFILE = "FROM scratch\nCOPY version.txt /version.txt\n"


@dataclass(frozen=True)
class Rehearsal:
    """The sandbox, registry and docker engine a pipeline deploys with, as its variables."""

    variables: dict[str, str]
    config: str  # ci-ecs.yml for the sandbox's `web` service, its image in the local registry
    registry: str

    def ecs(self) -> Any:
        """A plain boto3 ECS client on the sandbox."""
        return boto3.client(
            "ecs",
            endpoint_url=self.variables["AWS_ENDPOINT_URL"],
            region_name=self.variables["AWS_REGION"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture
def rehearsal(tmp_path: Path, dockerd_socket: str, registry_address: str) -> Iterator[Rehearsal]:
    with running_sandbox(tmp_path / "sandbox") as exports:
        task_mode = (tmp_path / "sandbox" / "ci-ecs-task.yml").read_text(encoding="utf-8")
        lines = [line for line in task_mode.splitlines() if not line.startswith(("#", "image:"))]
        config = "\n".join([*lines, f"image: {registry_address}/web", "container: web", f"url: {URL}", ""])
        variables = {
            **exports,
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            # A pipeline variable beats the component's DOCKER_HOST (tcp://docker:2375, the dind service).
            "DOCKER_HOST": dockerd_socket,
            "DOCKER_CONFIG": str(tmp_path / "docker-config"),
            "CI_ECS_FORGE": "none",
            "CI_ECS_WAIT_POLL_FIRST": "0.2",
            "CI_ECS_WAIT_POLL_CAP": "0.5",
        }
        yield Rehearsal(variables, config, registry_address)


def _app(rehearsal: Rehearsal, pipeline: str, prefix: str = "", config: str = "ci-ecs.yml") -> dict[str, str]:
    """A user's repository: the pipeline, the app, ci-ecs.yml; the build job uses our dockerd, not dind."""
    return {
        ".gitlab-ci.yml": pipeline,
        # gitlab-ci-local's own override file: its shell executor cannot run the docker:dind service.
        ".gitlab-ci-local.yml": f"{prefix}build:\n  services: []\n",
        ".gitignore": "ci-ecs.env\n.gitlab-ci-local/\n",
        "Dockerfile": DOCKERFILE,
        "version.txt": "v1\n",
        config: rehearsal.config,
    }


def _image(ecs: Any, task_definition: str) -> str:
    definition = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    (web,) = [c for c in definition["containerDefinitions"] if c["name"] == "web"]
    image: str = web["image"]
    return image


def _live(rehearsal: Rehearsal) -> tuple[str, dict[str, str]]:
    """The image the `web` service runs, and its ci-ecs tags."""
    ecs = rehearsal.ecs()
    service = ecs.describe_services(cluster="demo", services=["web"], include=["TAGS"])["services"][0]
    (primary,) = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
    assert primary["rolloutState"] == "COMPLETED"
    return _image(ecs, primary["taskDefinition"]), {t["key"]: t["value"] for t in service.get("tags", [])}


def _canaries(rehearsal: Rehearsal) -> list[str]:
    """The images of the running standalone canary tasks."""
    ecs = rehearsal.ecs()
    arns = ecs.list_tasks(cluster="demo", startedBy="ci-ecs-canary", desiredStatus="RUNNING")["taskArns"]
    tasks = ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"] if arns else []
    return [_image(ecs, t["taskDefinitionArn"]) for t in tasks if t["lastStatus"] == "RUNNING"]


def _pushed_tags(rehearsal: Rehearsal) -> list[str]:
    with urllib.request.urlopen(f"http://{rehearsal.registry}/v2/web/tags/list", timeout=10) as reply:
        tags: list[str] = json.load(reply)["tags"]
        return tags


def _built(project: Project, rehearsal: Rehearsal, job: str) -> str:
    """The build job's CI_ECS_IMAGE (pinned by digest) after checking it names this commit's push."""
    image = project.dotenv(job)["CI_ECS_IMAGE"]
    assert image.startswith(f"{rehearsal.registry}/web:{project.sha}@sha256:"), image
    assert project.sha in _pushed_tags(rehearsal)
    return image


def _digest(image: str) -> str:
    return image.rpartition("@")[2]


def _canary_deploy_rollback(project: Project, rehearsal: Rehearsal, prefix: str, *start: str) -> None:
    """build → canary-deploy → deploy → rollback, each job green and the sandbox right after each."""
    seeded, _ = _live(rehearsal)
    variables = rehearsal.variables

    started = project.run(*start, variables=variables)

    assert started.passed(f"{prefix}build", f"{prefix}canary-deploy"), started.output
    image = _built(project, rehearsal, f"{prefix}build")
    assert [_digest(c) for c in _canaries(rehearsal)] == [_digest(image)]
    assert _live(rehearsal)[0] == seeded, "a canary leaves the service on the stable version"

    deployed = project.run(f"{prefix}deploy", variables=variables)

    assert deployed.passed(f"{prefix}deploy"), deployed.output
    live, tags = _live(rehearsal)
    assert _digest(live) == _digest(image) and tags["ci-ecs:version"] == project.sha
    assert _canaries(rehearsal) == [], "deploy removes the canary"
    assert project.dotenv(f"{prefix}deploy")["DEPLOY_URL"] == URL, "what environment:url reads"

    rolled_back = project.run(f"{prefix}rollback", variables=variables)

    assert rolled_back.passed(f"{prefix}rollback"), rolled_back.output
    assert _live(rehearsal)[0] == seeded


def test_own_pipeline_runs_the_component_at_this_commit_build_canary_deploy_rollback(
    tmp_path: Path, rehearsal: Rehearsal
) -> None:
    files = {
        **_app(rehearsal, (ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"), "selftest-"),
        "templates/ecs-deploy.yml": COMPONENT.read_text(encoding="utf-8"),
    }
    project = Project.create(tmp_path / "ci-ecs", files, CI_ECS_ORIGIN)

    _canary_deploy_rollback(project, rehearsal, "selftest-", "selftest-build", "selftest-canary-deploy")


def test_classic_template_example_runs_build_canary_deploy_rollback(
    tmp_path: Path, rehearsal: Rehearsal
) -> None:
    example = (ROOT / "examples" / "gitlab" / "classic" / ".gitlab-ci.yml").read_text(encoding="utf-8")
    project = Project.create(
        tmp_path / "web", _app(rehearsal, example, config="deploy/ci-ecs.yml"), GITLAB_ORIGIN
    )
    project.serve_remote(
        "https://gitlab.com/ci-ecs/ci-ecs/-/raw/v0.1.0/.gitlab-ci-template.yml", CLASSIC_TEMPLATE
    )

    _canary_deploy_rollback(project, rehearsal, "", "--manual=canary-deploy")


def _pipeline(project: Project, rehearsal: Rehearsal, pipeline_id: int, *args: str) -> Pipeline:
    """A pipeline with GitLab's number for it: ci-ecs tells a re-run of an older pipeline by it."""
    variables = {**rehearsal.variables, "CI_PIPELINE_ID": str(pipeline_id)}
    return project.run("--ignore-predefined-vars=CI_PIPELINE_ID", *args, variables=variables)


def test_rerunning_the_v1_pipelines_deploy_job_after_v2_makes_v1_live_again(
    tmp_path: Path, rehearsal: Rehearsal
) -> None:
    example = (ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text(encoding="utf-8")
    v1 = Project.create(tmp_path / "v1", _app(rehearsal, example), GITLAB_ORIGIN)
    v1.serve_component("gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0")
    first = _pipeline(v1, rehearsal, 101, "--manual=deploy")
    assert first.passed("build", "deploy"), first.output
    v1_image = _built(v1, rehearsal, "build")
    v2 = v1.clone(tmp_path / "v2")  # the next pipeline: its own checkout, its own artifacts
    v2.commit({"version.txt": "v2\n"}, "v2")
    v2.serve_component("gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0")
    second = _pipeline(v2, rehearsal, 102, "--manual=deploy")
    assert second.passed("build", "deploy"), second.output
    assert _digest(_live(rehearsal)[0]) == _digest(_built(v2, rehearsal, "build")) != _digest(v1_image)

    button = _pipeline(v1, rehearsal, 101, "deploy")

    assert button.passed("deploy"), button.output
    live, tags = _live(rehearsal)
    assert _digest(live) == _digest(v1_image)
    assert tags["ci-ecs:version"] == v1.sha and tags["ci-ecs:rolled-back-from"] == v2.sha
    assert "this is a rollback" in button.output


MIGRATING = """\
include:
  - component: gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0
    inputs:
      migrate: true
      migrate_command: ./manage.py migrate --noinput
"""


def test_the_migrate_job_runs_its_command_in_a_task_of_the_new_version_then_deploy_rolls_out_that_revision(
    tmp_path: Path, rehearsal: Rehearsal
) -> None:
    project = Project.create(tmp_path / "web", _app(rehearsal, MIGRATING), GITLAB_ORIGIN)
    project.serve_component("gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0")

    pipeline = project.run("--manual=migrate", "--manual=deploy", variables=rehearsal.variables)

    assert pipeline.passed("build", "migrate", "deploy"), pipeline.output
    assert "INFO migrated 3 tables" in pipeline.output
    assert pipeline.output.index("run succeeded") < pipeline.output.index("deploy succeeded")
    ecs = rehearsal.ecs()
    arns = ecs.list_tasks(cluster="demo", startedBy="ci-ecs-run", desiredStatus="STOPPED")["taskArns"]
    arns += ecs.list_tasks(cluster="demo", desiredStatus="STOPPED")["taskArns"]
    tasks = [
        t for t in ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"] if t["group"] == "ci-ecs-run:web"
    ]
    (task,) = {t["taskArn"]: t for t in tasks}.values()
    assert task["overrides"]["containerOverrides"] == [
        {"name": "web", "command": ["./manage.py", "migrate", "--noinput"]}
    ]
    assert task["containers"][0]["exitCode"] == 0
    image = _built(project, rehearsal, "build")
    live, _ = _live(rehearsal)
    assert _digest(live) == _digest(_image(ecs, task["taskDefinitionArn"])) == _digest(image)
    primary = ecs.describe_services(cluster="demo", services=["web"])["services"][0]["taskDefinition"]
    assert (
        ecs.describe_task_definition(taskDefinition=primary)["taskDefinition"]["taskDefinitionArn"]
        == (task["taskDefinitionArn"])
    ), "deploy rolled out the very revision the migration ran"


REVIEWING = """\
include:
  - component: gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0
    inputs:
      review: true
"""


def test_the_review_job_deploys_a_review_environment_and_stop_review_removes_it(
    tmp_path: Path, rehearsal: Rehearsal
) -> None:
    review = (tmp_path / "sandbox" / "ci-ecs-review.yml").read_text(encoding="utf-8")
    environments = review[review.index("environments:") : review.index("wait:")]
    config = rehearsal.config + environments
    files = {**_app(rehearsal, REVIEWING), "ci-ecs.yml": config}
    project = Project.create(tmp_path / "web", files, GITLAB_ORIGIN)
    project.serve_component("gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0")
    variables = {**rehearsal.variables, "CI_MERGE_REQUEST_IID": "7"}
    ecs = rehearsal.ecs()

    pipeline = project.run(variables=variables)

    assert pipeline.passed("build", "review"), pipeline.output
    slug = project.dotenv("review")["DEPLOY_URL"].removeprefix("http://").split(".review.test/")[0]
    assert project.dotenv("review")["DEPLOY_URL"] == f"http://{slug}.review.test/"
    (service,) = ecs.describe_services(cluster="demo", services=[f"web-{slug}"])["services"]
    assert service["status"] == "ACTIVE"
    assert _digest(_image(ecs, service["taskDefinition"])) == _digest(_built(project, rehearsal, "build"))

    stopped = project.run("stop_review", variables=variables)

    assert stopped.passed("stop_review"), stopped.output
    (gone,) = ecs.describe_services(cluster="demo", services=[f"web-{slug}"])["services"]
    assert gone["status"] != "ACTIVE"
