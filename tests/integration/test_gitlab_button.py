"""GitLab's "Rollback environment" button re-runs an old deploy job: it must redeploy that version."""

from __future__ import annotations

from typing import Any

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

SHA_V1 = "1111111111111111111111111111111111111111"
SHA_V2 = "2222222222222222222222222222222222222222"


def _push(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, like: str, tag: str) -> None:
    """Tag an existing image with a commit sha, as the build job of that pipeline did."""
    ecr = client(sandbox, "ecr")
    name = sample.repository.split("/", 1)[1]
    image = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": like}])["images"][0]
    ecr.put_image(repositoryName=name, imageManifest=image["imageManifest"], imageTag=tag)


def _pipeline(pipeline: int, sha: str) -> dict[str, str]:
    """The variables GitLab gives a deploy job (and gives it again, unchanged, on a retry)."""
    return {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_COMMIT_SHA": sha,
        "CI_COMMIT_REF_NAME": "main",
        "CI_PIPELINE_ID": str(pipeline),
        "CI_PIPELINE_URL": f"https://gitlab.example.com/shop/web/-/pipelines/{pipeline}",
        "CI_ENVIRONMENT_NAME": "production",
        "CI_ECS_FORGE": "none",
    }


def test_rerunning_an_old_deploy_job_redeploys_that_version_and_says_it_is_a_rollback(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _push(sandbox, sample, "v2", SHA_V1)
    _push(sandbox, sample, "v3", SHA_V2)
    assert cli("deploy", env=_pipeline(101, SHA_V1)).code == 0
    ecs = client(sandbox, "ecs")
    v1_revision = ecs.describe_services(cluster=sample.cluster, services=[sample.service])["services"][0][
        "taskDefinition"
    ]
    assert cli("deploy", env=_pipeline(102, SHA_V2)).code == 0

    retry = cli("deploy", env=_pipeline(101, SHA_V1))

    assert retry.code == 0, retry.output
    assert f"this is a rollback: {SHA_V2} from the newer pipeline 102 is live" in retry.stdout
    assert f"(a rollback from {SHA_V2})" in retry.stdout
    assert "reusing it" in retry.stdout
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service], include=["TAGS"])[
        "services"
    ][0]
    assert service["taskDefinition"] == v1_revision, "the revision pipeline 101 registered runs again"
    tags = {t["key"]: t["value"] for t in service["tags"]}
    assert tags["ci-ecs:version"] == SHA_V1
    assert tags["ci-ecs:pipeline-id"] == "101"
    assert tags["ci-ecs:rolled-back-from"] == SHA_V2


def test_a_newer_pipeline_is_an_ordinary_deploy(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _push(sandbox, sample, "v2", SHA_V1)
    _push(sandbox, sample, "v3", SHA_V2)
    assert cli("deploy", env=_pipeline(101, SHA_V1)).code == 0

    run = cli("deploy", env=_pipeline(102, SHA_V2))

    assert run.code == 0, run.output
    assert "rollback" not in run.stdout
