"""Deploys, failures and rollbacks reported to GitLab / GitHub (APIs mocked over HTTP), AWS in the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import responses

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client
from tests.unit.forge.bodies import (
    GITHUB_REPO,
    github_deployment,
    github_status,
    gitlab_created,
    gitlab_deployment,
)

GITLAB_TOKEN = "tok-gitlab-job-token-3c1d"
GITHUB_TOKEN = "tok-github-token-9f2e"
DEPLOYMENTS = "https://gitlab.example.com/api/v4/projects/7/deployments"
REPO = GITHUB_REPO.replace("api.github.com", "api.github.com:443")
SHA_V1 = "1111111111111111111111111111111111111111"
SHA_V2 = "2222222222222222222222222222222222222222"


def _gitlab(pipeline: int, sha: str, **more: str) -> dict[str, str]:
    return {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_SERVER_URL": "https://gitlab.example.com",
        "CI_PROJECT_ID": "7",
        "CI_JOB_TOKEN": GITLAB_TOKEN,
        "CI_COMMIT_SHA": sha,
        "CI_COMMIT_REF_NAME": "main",
        "CI_PIPELINE_ID": str(pipeline),
        "CI_ENVIRONMENT_NAME": "production",
        **more,
    }


def github_env(**more: str) -> dict[str, str]:
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "GITHUB_REPOSITORY": "octocat/example",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "1658821493",
        "GITHUB_SHA": SHA_V2,
        "GITHUB_REF_TYPE": "branch",
        **more,
    }


def rollback_remembered_by_github(
    sandbox: sandboxes.Sandbox, service_arn: str, v1_revision: str, cli: Callable[..., Any]
) -> Any:
    """Untag the previous version, then `cli … rollback` with GitHub remembering v2 and, before it, v1."""
    client(sandbox, "ecs").untag_resource(
        resourceArn=service_arn, tagKeys=["ci-ecs:previous-version", "ci-ecs:previous-task-definition"]
    )
    payloads = {
        43: {"version": "v2", "task_definition": "arn:x"},
        42: {"version": "v1", "task_definition": v1_revision},
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as github:
        github.get(f"{REPO}/deployments", json=[github_deployment(i, payload=p) for i, p in payloads.items()])
        for id_ in payloads:
            github.get(
                f"{REPO}/deployments/{id_}/statuses", json=[github_status(id_, "success", deployment=id_)]
            )
        github.post(f"{REPO}/deployments", json=github_deployment(44), status=201)
        github.post(
            f"{REPO}/deployments/44/statuses", json=github_status(2, "success", deployment=44), status=201
        )
        # GitHub's rollback is a workflow run by hand (examples/github/rollback.yml): it may undo anything.
        return cli(
            "--environment", "production", "rollback", env=github_env(GITHUB_EVENT_NAME="workflow_dispatch")
        )


def _push(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, like: str, tag: str) -> None:
    ecr = client(sandbox, "ecr")
    name = sample.repository.split("/", 1)[1]
    image = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": like}])["images"][0]
    ecr.put_image(repositoryName=name, imageManifest=image["imageManifest"], imageTag=tag)


def test_gitlab_button_is_recognised_from_the_deployments_api_when_aws_does_not_know_the_pipeline(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _push(sandbox, sample, "v2", SHA_V1)
    _push(sandbox, sample, "v3", SHA_V2)
    assert cli("deploy", env=_gitlab(101, SHA_V1, CI_ECS_FORGE="none")).code == 0
    assert cli("deploy", env=_gitlab(102, SHA_V2, CI_ECS_FORGE="none")).code == 0
    service_arn = client(sandbox, "ecs").describe_services(cluster=sample.cluster, services=[sample.service])[
        "services"
    ][0]["serviceArn"]
    client(sandbox, "ecs").untag_resource(resourceArn=service_arn, tagKeys=["ci-ecs:pipeline-id"])

    with responses.RequestsMock(assert_all_requests_are_fired=True) as gitlab:
        history = gitlab.get(
            DEPLOYMENTS,
            json=[
                gitlab_deployment(12, sha=SHA_V2, pipeline=102),
                gitlab_deployment(11, sha=SHA_V1, pipeline=101),
            ],
        )
        retry = cli("deploy", env=_gitlab(101, SHA_V1))

    assert retry.code == 0, retry.output
    assert f"this is a rollback: {SHA_V2} from the newer pipeline 102 is live" in retry.stdout
    assert "environment=production" in history.calls[0].request.url
    assert history.calls[0].request.headers["JOB-TOKEN"] == GITLAB_TOKEN
    assert all(call.request.method == "GET" for call in gitlab.calls), "the job's own deployment is GitLab's"
    assert GITLAB_TOKEN not in retry.output


def test_gitlab_rollback_job_records_a_deployment_of_the_version_live_again(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    for tag in ("v2", "v3"):
        run = cli("deploy", "--image", f"{sample.repository}:{tag}", env={"CI_ECS_FORGE": "none"})
        assert run.code == 0, run.output

    with responses.RequestsMock(assert_all_requests_are_fired=True) as gitlab:
        gitlab.get(
            DEPLOYMENTS,
            json=[
                gitlab_deployment(12, sha=SHA_V2, ref="v3", tag=True, pipeline=102),
                gitlab_deployment(11, sha=SHA_V1, ref="v2", tag=True, pipeline=101),
            ],
        )
        create = gitlab.post(DEPLOYMENTS, json=gitlab_created(13, sha=SHA_V1, ref="v2"), status=201)
        # The rollback job of v3's pipeline (a tag pipeline): it may roll back v3, the version live.
        run = cli("rollback", env=_gitlab(103, SHA_V2, CI_COMMIT_TAG="v3"))

    assert run.code == 0, run.output
    body = json.loads(create.calls[0].request.body)
    assert body == {"environment": "production", "sha": SHA_V1, "ref": "v2", "tag": True, "status": "success"}
    assert GITLAB_TOKEN not in run.output


def test_github_deploy_is_a_deployment_with_in_progress_then_success_and_outputs(
    cli: Any, sample: sandboxes.Sample, workdir: Path
) -> None:
    (workdir / "out").write_text("")
    (workdir / "summary.md").write_text("")
    env = github_env(
        GITHUB_OUTPUT=str(workdir / "out"),
        GITHUB_STEP_SUMMARY=str(workdir / "summary.md"),
        CI_ECS_URL="https://shop.example.com/",
    )

    with responses.RequestsMock(assert_all_requests_are_fired=True) as github:
        github.get(
            f"{REPO}/deployments", json=[]
        )  # is a newer run's version live? (the service has no record)
        create = github.post(f"{REPO}/deployments", json=github_deployment(42), status=201)
        statuses = github.post(
            f"{REPO}/deployments/42/statuses",
            json=github_status(1, "success"),
            status=201,
        )
        run = cli("--environment", "production", "deploy", "--image", f"{sample.repository}:v2", env=env)

    assert run.code == 0, run.output
    deployment = json.loads(create.calls[0].request.body)
    assert deployment["auto_merge"] is False and deployment["required_contexts"] == []
    assert deployment["environment"] == "production" and deployment["production_environment"] is True
    assert deployment["payload"]["version"] == "v2" and deployment["payload"]["previous_version"] == "v1"
    states = [json.loads(call.request.body) for call in statuses.calls]
    assert [s["state"] for s in states] == ["in_progress", "success"]
    assert states[-1]["environment_url"] == "https://shop.example.com/"
    assert states[-1]["target_url"] == "https://github.com/octocat/example/actions/runs/1658821493"
    outputs = (workdir / "out").read_text()
    assert "version" in outputs and "v2" in outputs and "https://shop.example.com/" in outputs
    assert "v2" in (workdir / "summary.md").read_text()
    assert GITHUB_TOKEN not in run.output


def test_github_canary_success_leaves_the_stable_deployment_active(
    cli: Any, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = workdir / "ci-ecs.yml"
    config.write_text(config.read_text() + "canary:\n  mode: task\n  count: 1\n")

    with responses.RequestsMock(assert_all_requests_are_fired=True) as github:
        create = github.post(f"{REPO}/deployments", json=github_deployment(42), status=201)
        statuses = github.post(
            f"{REPO}/deployments/42/statuses", json=github_status(1, "success"), status=201
        )
        run = cli(
            "--environment",
            "production",
            "canary-deploy",
            "--image",
            f"{sample.repository}:v2",
            env=github_env(),
        )

    assert run.code == 0, run.output
    assert json.loads(create.calls[0].request.body)["payload"]["command"] == "canary-deploy"
    success = json.loads(statuses.calls[-1].request.body)
    # The canary serves beside the stable version: GitHub must not mark the stable deployment inactive.
    assert success["state"] == "success" and success["auto_inactive"] is False


def test_github_failure_is_reported_as_failure(cli: Any, sample: sandboxes.Sample) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as github:
        github.get(f"{REPO}/deployments", json=[])
        github.post(f"{REPO}/deployments", json=github_deployment(42), status=201)
        statuses = github.post(
            f"{REPO}/deployments/42/statuses", json=github_status(1, "failure"), status=201
        )
        run = cli(
            "--environment",
            "production",
            "deploy",
            "--image",
            f"{sample.repository}:v2-crash",
            env=github_env(),
        )

    assert run.code == 1, run.output
    assert [json.loads(c.request.body)["state"] for c in statuses.calls] == ["in_progress", "failure"]


def test_forge_errors_are_one_warning_and_do_not_change_the_result(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as github:
        github.get(f"{REPO}/deployments", json={"message": "Bad credentials"}, status=401)
        run = cli(
            "--environment", "production", "deploy", "--image", f"{sample.repository}:v2", env=github_env()
        )

    assert run.code == 0, run.output
    warnings = [line for line in run.stderr.splitlines() if "GitHub" in line]
    assert len(warnings) == 1, run.stderr
    assert "401" in warnings[0]
    assert GITHUB_TOKEN not in run.output


def test_github_rollback_without_records_in_aws_uses_the_previous_successful_deployments_payload(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    ecs = client(sandbox, "ecs")
    v1_revision = ecs.describe_services(cluster=sample.cluster, services=[sample.service])["services"][0][
        "taskDefinition"
    ]
    assert cli("deploy", "--image", f"{sample.repository}:v2", env={"CI_ECS_FORGE": "none"}).code == 0
    service_arn = ecs.describe_services(cluster=sample.cluster, services=[sample.service])["services"][0][
        "serviceArn"
    ]
    run = rollback_remembered_by_github(sandbox, service_arn, v1_revision, cli)

    assert run.code == 0, run.output
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service], include=["TAGS"])[
        "services"
    ][0]
    assert service["taskDefinition"].rsplit("/", 1)[-1] == v1_revision.rsplit("/", 1)[-1]
    assert {t["key"]: t["value"] for t in service["tags"]}["ci-ecs:version"] == "v1"
