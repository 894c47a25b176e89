"""The GitLab component, unchanged, drives an ECS-native linear deployment: the canary job pauses it, the
manual deploy job continues it, the rollback button rolls it back (gitlab-ci-local against the sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from tests.ci.gitlab_local import ROOT, Project, running_sandbox
from tests.ci.test_gitlab_pipelines import CI_ECS_ORIGIN, DOCKERFILE

SERVICE = "web-native-linear"


def _ecs(variables: dict[str, str]) -> Any:
    return boto3.client(
        "ecs",
        endpoint_url=variables["AWS_ENDPOINT_URL"],
        region_name=variables["AWS_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _current(ecs: Any) -> dict[str, Any]:
    """The service's current service deployment."""
    service = ecs.describe_services(cluster="demo", services=[SERVICE], include=["TAGS"])["services"][0]
    (found,) = ecs.describe_service_deployments(serviceDeploymentArns=[service["currentServiceDeployment"]])[
        "serviceDeployments"
    ]
    return dict(found, tags={t["key"]: t["value"] for t in service.get("tags", [])})


def test_the_component_pauses_continues_and_rolls_back_an_ecs_linear_deployment(
    tmp_path: Path, dockerd_socket: str, registry_address: str
) -> None:
    with running_sandbox(tmp_path / "sandbox") as exports:
        written = (tmp_path / "sandbox" / "ci-ecs-native-linear.yml").read_text(encoding="utf-8")
        lines = [line for line in written.splitlines() if not line.startswith(("#", "image:"))]
        config = "\n".join([*lines, f"image: {registry_address}/web", ""])
        variables = {
            **exports,
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            "DOCKER_HOST": dockerd_socket,  # beats the component's dind address
            "DOCKER_CONFIG": str(tmp_path / "docker-config"),
            "CI_ECS_FORGE": "none",
            "CI_ECS_WAIT_POLL_FIRST": "0.2",
            "CI_ECS_WAIT_POLL_CAP": "0.5",
        }
        files = {
            ".gitlab-ci.yml": (ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"),
            "templates/ecs-deploy.yml": (ROOT / "templates" / "ecs-deploy.yml").read_text(encoding="utf-8"),
            ".gitlab-ci-local.yml": "selftest-build:\n  services: []\n",
            ".gitignore": "ci-ecs.env\n.gitlab-ci-local/\n",
            "Dockerfile": DOCKERFILE,
            "version.txt": "v1\n",
            "ci-ecs.yml": config,
        }
        project = Project.create(tmp_path / "ci-ecs", files, CI_ECS_ORIGIN)
        ecs = _ecs(variables)

        canary = project.run("selftest-build", "selftest-canary-deploy", variables=variables)

        assert canary.passed("selftest-build", "selftest-canary-deploy"), canary.output
        paused = _current(ecs)
        assert paused["status"] == "IN_PROGRESS"
        # The pause before the first step was continued by the job; it waits at the one before the second.
        assert [h["status"] for h in paused["lifecycleHookDetails"]] == ["SUCCEEDED", "AWAITING_ACTION"]
        assert paused["tags"]["ci-ecs:native-version"] == project.sha

        deployed = project.run("selftest-deploy", variables=variables)

        assert deployed.passed("selftest-deploy"), deployed.output
        done = _current(ecs)
        assert done["serviceDeploymentArn"] == paused["serviceDeploymentArn"]
        assert done["status"] == "SUCCESSFUL" and done["tags"]["ci-ecs:version"] == project.sha

        rolled_back = project.run("selftest-rollback", variables=variables)

        assert rolled_back.passed("selftest-rollback"), rolled_back.output
        back = _current(ecs)
        assert back["status"] == "SUCCESSFUL" and back["tags"]["ci-ecs:version"] != project.sha
