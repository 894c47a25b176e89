"""One slice per region with the GitLab component (examples/gitlab/regions): what GitLab and its schema read,
and one pipeline whose two `deploy` slices each deploy the release to the sandbox's services of their region.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.ci.gitlab_local import ROOT, Project, running_sandbox

EXAMPLE = ROOT / "examples" / "gitlab" / "regions" / ".gitlab-ci.yml"
RELEASED = "gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0"
ORIGIN = "git@gitlab.com:shop/web.git"
REGIONS = ("us-east-1", "us-west-2")  # the example's slices, and the sandbox's two regions
SERVICES = ("shop-web", "shop-worker", "shop-scheduler")
ROLES = ("arn:aws:iam::111111111111:role/ci-ecs-deploy", "arn:aws:iam::222222222222:role/ci-ecs-deploy")
SLICED = ("canary-deploy", "deploy", "rollback")  # the jobs that change a region


def _schema_errors(path: Path) -> str:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.gitlab-ci", str(path)], capture_output=True, text=True
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def _project(path: Path, files: dict[str, str] | None = None) -> Project:
    project = Project.create(
        path, {".gitlab-ci.yml": EXAMPLE.read_text(encoding="utf-8"), **(files or {})}, ORIGIN
    )
    project.serve_component(RELEASED)
    return project


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> str:
    """gitlab-ci-local's expanded pipeline of the example."""
    run = _project(tmp_path_factory.mktemp("regions") / "web").run("--preview")
    assert run.code == 0, run.output
    return run.stdout


def test_regions_example_and_its_expanded_pipeline_match_the_gitlab_ci_schema(
    preview: str, tmp_path: Path
) -> None:
    (tmp_path / "expanded.yml").write_text(preview)

    assert _schema_errors(EXAMPLE) == ""
    assert _schema_errors(tmp_path / "expanded.yml") == ""


def test_each_job_that_changes_a_region_runs_once_per_slice_with_its_own_environment_and_resource_group(
    preview: str,
) -> None:
    jobs: dict[str, Any] = yaml.safe_load(preview)

    assert "parallel" not in jobs["build"], "one image for every region"
    for name in SLICED:
        slices = jobs[name]["parallel"]["matrix"]
        assert [s["CI_ECS_REGION"] for s in slices] == [[r] for r in REGIONS], name
        assert [s["AWS_ROLE_ARN"] for s in slices] == [[r] for r in ROLES], name  # an account each
        # GitLab expands the slice's variables here: one lock per region, not one for all.
        assert jobs[name]["resource_group"] == "ecs-production/$CI_ECS_REGION", name
        assert '--environment "production/$CI_ECS_REGION"' in jobs[name]["script"][0], name
    assert jobs["deploy"]["environment"]["name"] == "production/$CI_ECS_REGION"
    assert jobs["canary-deploy"]["environment"]["name"] == "production/$CI_ECS_REGION/canary"
    assert jobs["rollback"]["environment"] == {"name": "production/$CI_ECS_REGION", "action": "access"}


def test_gitlab_ci_local_lists_a_job_per_slice_in_that_region_s_environment(tmp_path: Path) -> None:
    listed = _project(tmp_path / "web").run("--list")

    assert listed.code == 0, listed.output
    for name in SLICED:
        for region in REGIONS:
            environment = f"production/{region}" + ("/canary" if name == "canary-deploy" else "")
            line = rf"^{name}: \[{region},arn:aws:iam::\d{{12}}:role/ci-ecs-deploy\] .* {environment} "
            assert re.search(line, listed.stdout, flags=re.M), (name, region, listed.stdout)


def _ecs(variables: dict[str, str], region: str) -> Any:
    return boto3.client(
        "ecs",
        endpoint_url=variables["AWS_ENDPOINT_URL"],
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _started(output: str, region: str) -> set[str]:
    """The ECS deployments the slice of `region` says it started."""
    prefix = re.escape(f"deploy: [{region},")
    found = re.findall(rf"^{prefix}[^\]]*\] > .*deployment (ecs-svc/\d+) started", output, flags=re.M)
    return set(found)


def _dotenv(project: Project, region: str) -> dict[str, str]:
    """The dotenv report of the deploy slice of `region` (gitlab-ci-local encodes its folder name)."""
    (folder,) = [f for f in (project.path / ".gitlab-ci-local" / "artifacts").iterdir() if region in f.name]
    return project.dotenv(folder.name)


def test_two_deploy_slices_of_one_pipeline_each_deploy_the_release_to_their_own_region(
    tmp_path: Path,
) -> None:
    with running_sandbox(tmp_path / "sandbox") as exports:
        services = (tmp_path / "sandbox" / "ci-ecs-services.yml").read_text(encoding="utf-8")
        project = _project(tmp_path / "web", {"ci-ecs.yml": services, ".gitignore": "ci-ecs.env\n"})
        image = re.search(r"^image: (\S+)$", services, flags=re.M)
        assert image is not None
        variables = {
            **exports,  # the job's own AWS_REGION is the first region: each slice's CI_ECS_REGION beats it
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            # The example's OIDC line writes GitLab's ID token here (the sandbox takes the keys above).
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp_path / "aws-web-identity-token"),
            "CI_ECS_IMAGE": f"{image[1]}:v2",  # what the build job would pass on
            "CI_ECS_FORGE": "none",
            "CI_ECS_WAIT_POLL_FIRST": "0.2",
            "CI_ECS_WAIT_POLL_CAP": "0.5",
        }
        before = {
            r: _ecs(variables, r).describe_services(cluster="demo", services=list(SERVICES)) for r in REGIONS
        }

        # Both slices at once, each in a folder of its own as on GitLab's runners.
        pipeline = project.run("--shell-isolation", "deploy", variables=variables)

        assert pipeline.passed(*(f"deploy: [{r},{role}]" for r, role in zip(REGIONS, ROLES, strict=True))), (
            pipeline.output
        )
        for region in REGIONS:
            ecs = _ecs(variables, region)
            live = ecs.describe_services(cluster="demo", services=list(SERVICES), include=["TAGS"])[
                "services"
            ]
            for service, old in zip(live, before[region]["services"], strict=True):
                (deployment,) = service["deployments"]
                assert deployment["rolloutState"] == "COMPLETED", (region, service["serviceName"])
                assert service["taskDefinition"] != old["taskDefinition"], (region, service["serviceName"])
                assert f":{region}:" in service["taskDefinition"]
                assert {t["key"]: t["value"] for t in service["tags"]}["ci-ecs:version"] == "v2"
                definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
                (container,) = definition["taskDefinition"]["containerDefinitions"]
                assert container["image"].startswith(f"{image[1]}@sha256:"), container["image"]
            # What this slice started is exactly what its region's services run: it touched no other region.
            assert _started(pipeline.output, region) == {s["deployments"][0]["id"] for s in live}, region
            listed = json.loads(
                _dotenv(project, region)["CI_ECS_SERVICES"]
            )  # what later jobs of the slice read
            assert {(s["region"], s["task_definition"]) for s in listed} == {
                (region, s["taskDefinition"]) for s in live
            }, region
