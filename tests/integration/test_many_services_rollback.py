"""`rollback` of `services:`: web, worker and scheduler back to their previous version in one job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.many_sample import CONFIG, SERVICES
from tests.integration.helpers import aws_json, client
from tests.integration.test_many_services import _primary, _taskset_and_worker

NAMES = list(SERVICES)


def _versions(
    sandbox: sandboxes.Sandbox,
    workdir: Path,
    sample: sandboxes.Sample,
    names: list[str] = NAMES,
    *,
    aws_cli: bool = False,
) -> dict[str, str]:
    """The version (image tag) each service runs, as boto3 (or the real aws CLI) sees its service and
    revision."""
    ecs, cluster = client(sandbox, "ecs"), sample.cluster
    services = (
        aws_json(sandbox, workdir, "ecs", "describe-services", "--cluster", cluster, "--services", *names)
        if aws_cli
        else ecs.describe_services(cluster=cluster, services=names)
    )
    listed = client(sandbox, "ecr").list_images(repositoryName=sample.repository.split("/", 1)[1])
    by_digest = {i["imageDigest"]: i["imageTag"] for i in listed["imageIds"] if "imageTag" in i}
    versions = {}
    for service in services["services"]:
        arn = service["taskDefinition"]
        revision = (
            aws_json(sandbox, workdir, "ecs", "describe-task-definition", "--task-definition", arn)
            if aws_cli
            else ecs.describe_task_definition(taskDefinition=arn)
        )
        image = revision["taskDefinition"]["containerDefinitions"][0]["image"]
        pinned = image.rsplit("@", 1)[-1] if "@" in image else ""
        versions[service["serviceName"]] = by_digest.get(pinned, "") or image.rsplit(":", 1)[-1]
    return versions


def _tags(sandbox: sandboxes.Sandbox, cluster: str, name: str) -> dict[str, str]:
    reply = client(sandbox, "ecs").describe_services(cluster=cluster, services=[name], include=["TAGS"])
    return {t["key"]: t["value"] for t in reply["services"][0].get("tags", [])}


def _deploy(cli: Any, sample: sandboxes.Sample, *tags: str) -> None:
    for tag in tags:
        run = cli("--config", CONFIG, "deploy", "--image", f"{sample.repository}:{tag}")
        assert run.code == 0, run.output


def _on(sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample, version: str) -> bool:
    """Whether every service runs `version`, as the real aws CLI sees them."""
    return set(_versions(sandbox, workdir, sample, aws_cli=True).values()) == {version}


def test_rollback_returns_every_service_to_its_previous_version_web_first(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _deploy(cli, sample, "v2")
    assert set(_versions(sandbox, workdir, sample).values()) == {"v2"}

    run = cli("--config", CONFIG, "--output", "json", "rollback")

    assert run.code == 0, run.output
    sandbox.wait_idle()
    assert _on(sandbox, workdir, sample, "v1")
    for name in NAMES:
        tags = _tags(sandbox, sample.cluster, name)
        assert (tags["ci-ecs:version"], tags["ci-ecs:rolled-back-from"]) == ("v1", "v2"), (name, tags)
    record = json.loads(run.stdout)
    assert (record["command"], record["status"]) == ("rollback", "success")
    assert all(f"{n} v1" in record["details"]["services"] for n in NAMES), record["details"]
    # The one behind the load balancer goes back first; each one UpdateService, the waits batched.
    assert run.stderr.index("roll back service shop-web") < run.stderr.index("roll back services shop-worker")
    assert record["api_calls"]["ecs:UpdateService"] == 3


def test_rollback_to_a_version_moves_every_service_to_it(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _deploy(cli, sample, "v2", "v3")

    run = cli("--config", CONFIG, "rollback", "--to", "v1")

    assert run.code == 0, run.output
    sandbox.wait_idle()
    assert set(_versions(sandbox, workdir, sample).values()) == {"v1"}
    assert all(_tags(sandbox, sample.cluster, n)["ci-ecs:rolled-back-from"] == "v3" for n in NAMES)


def test_a_second_rollback_says_nothing_was_rolled_back_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _deploy(cli, sample, "v2")
    assert cli("--config", CONFIG, "rollback").code == 0
    sandbox.wait_idle()
    before = _versions(sandbox, workdir, sample)

    again = cli("--config", CONFIG, "--output", "json", "rollback")

    assert again.code == 0, again.output
    assert _versions(sandbox, workdir, sample) == before
    record = json.loads(again.stdout)
    assert record["details"]["unchanged"] == "true"
    assert "ecs:UpdateService" not in record["api_calls"]
    assert all(f"{n} v1" in record["details"]["services"] for n in NAMES)
    assert "already rolled back" in record["details"]["services"]


def test_a_service_that_cannot_go_back_fails_the_job_the_others_go_back(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _deploy(cli, sample, "v2")
    bad = "v2-crash-worker"  # the sandbox crashes the worker's container on this tag, no other

    run = cli("--config", CONFIG, "--output", "json", "rollback", "--to", bad)

    assert run.code == 1, run.output
    sandbox.wait_idle()
    versions = _versions(sandbox, workdir, sample)
    assert versions == {"shop-web": bad, "shop-worker": "v2", "shop-scheduler": bad}  # the worker put back
    assert _tags(sandbox, sample.cluster, "shop-worker")["ci-ecs:failed-version"] == bad
    assert all(
        _tags(sandbox, sample.cluster, n)["ci-ecs:version"] == bad for n in ("shop-web", "shop-scheduler")
    )
    record = json.loads(run.stdout)
    assert "shop-worker" in record["reason"] and "shop-web, shop-scheduler went back" in record["reason"]


def test_in_a_pipeline_a_service_not_on_its_release_is_left_alone(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _deploy(cli, sample, "v2", "v3")
    config = workdir / CONFIG
    # shop-scheduler by its own release: the pipeline of v3 deployed web and worker only.
    client(sandbox, "ecs").tag_resource(
        resourceArn=_arn(sandbox, sample, "shop-scheduler"), tags=[{"key": "ci-ecs:version", "value": "v9"}]
    )
    pipeline = {"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_TAG": "v3", "CI_COMMIT_SHA": "3" * 40}

    run = cli(
        "--config", str(config), "--output", "json", "rollback", env={**pipeline, "CI_ECS_FORGE": "none"}
    )

    assert run.code == 0, run.output
    sandbox.wait_idle()
    versions = _versions(sandbox, workdir, sample)
    assert versions == {"shop-web": "v2", "shop-worker": "v2", "shop-scheduler": "v3"}
    assert "shop-scheduler left alone" in json.loads(run.stdout)["details"]["services"]


def _arn(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, name: str) -> str:
    found = client(sandbox, "ecs").describe_services(cluster=sample.cluster, services=[name])
    return str(found["services"][0]["serviceArn"])


def test_a_service_of_task_sets_goes_back_by_its_technique_before_the_rolling_worker(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = _taskset_and_worker(workdir)
    web, _ = _primary(sandbox, sample, "web-ext")
    run = cli("--config", config, "deploy", "--image", f"{sample.repository}:v2")
    assert run.code == 0, run.output
    sandbox.wait_idle()
    assert _primary(sandbox, sample, "web-ext")[0] != web

    back = cli("--config", config, "--output", "json", "rollback")

    assert back.code == 0, back.output
    sandbox.wait_idle()
    assert _primary(sandbox, sample, "web-ext") == (web, 1)  # its own rollback: a task set of v1, alone
    assert _versions(sandbox, workdir, sample, ["shop-worker"]) == {"shop-worker": "v1"}
    assert back.stderr.index("roll back web-ext by taskset") < back.stderr.index(
        "roll back service shop-worker"
    )
    assert all(
        _tags(sandbox, sample.cluster, n)["ci-ecs:rolled-back-from"] == "v2"
        for n in ("web-ext", "shop-worker")
    )
    services = json.loads(back.stdout)["details"]["services"]
    assert f"web-ext v1 ({web}), rolled back from v2" in services, services
