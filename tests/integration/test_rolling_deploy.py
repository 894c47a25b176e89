"""`ci-ecs deploy` with strategy rolling, over HTTP against the sandbox, state read back independently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import Run, aws_executable, clean_env, client, run_process


def _service(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    reply = client(sandbox, "ecs").describe_services(
        cluster=sample.cluster, services=[sample.service], include=["TAGS"]
    )
    service: dict[str, Any] = reply["services"][0]
    return service


def _revision(service: dict[str, Any]) -> str:
    return str(service["taskDefinition"]).rsplit("/", 1)[-1]


def _aws(sandbox: sandboxes.Sandbox, workdir: Path, *args: str) -> Any:
    done = run_process(
        [aws_executable(), "--endpoint-url", sandbox.endpoint, "--output", "json", *args],
        clean_env(sandbox),
        workdir,
    )
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)


def test_deploy_rolls_service_to_new_revision_seen_by_aws_cli(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    before = _aws(
        sandbox, workdir, "ecs", "describe-services", "--cluster", sample.cluster, "--services", "web"
    )
    assert before["services"][0]["runningCount"] == 3

    run: Run = cli("deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    after = _aws(
        sandbox, workdir, "ecs", "describe-services", "--cluster", sample.cluster, "--services", "web"
    )
    service = after["services"][0]
    primary = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
    assert len(primary) == 1
    assert primary[0]["rolloutState"] == "COMPLETED"
    assert primary[0]["runningCount"] == primary[0]["desiredCount"] == 3
    assert _revision(service) != _revision(before["services"][0])
    revision = _aws(
        sandbox, workdir, "ecs", "describe-task-definition", "--task-definition", primary[0]["taskDefinition"]
    )
    image = revision["taskDefinition"]["containerDefinitions"][0]["image"]
    assert image == f"{sample.repository}@{sample.images['v2']}", "deployed image must be pinned by digest"

    tasks = _aws(
        sandbox, workdir, "ecs", "list-tasks", "--cluster", sample.cluster, "--desired-status", "RUNNING"
    )
    described = _aws(
        sandbox, workdir, "ecs", "describe-tasks", "--cluster", sample.cluster, "--tasks", *tasks["taskArns"]
    )["tasks"]
    new_ips = {
        detail["value"]
        for task in described
        if task["taskDefinitionArn"] == primary[0]["taskDefinition"]
        for attachment in task.get("attachments", [])
        for detail in attachment.get("details", [])
        if detail["name"] == "privateIPv4Address"
    }
    assert len(new_ips) == 3
    health = _aws(
        sandbox, workdir, "elbv2", "describe-target-health", "--target-group-arn", sample.target_group_arn
    )
    healthy = {
        d["Target"]["Id"]
        for d in health["TargetHealthDescriptions"]
        if d["TargetHealth"]["State"] == "healthy"
    }
    assert healthy == new_ips


def test_deploy_records_live_and_previous_version_in_service_tags(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    v1_revision = _revision(_service(sandbox, sample))
    assert cli("deploy", "--image", f"{sample.repository}:v2").code == 0
    v2_revision = _revision(_service(sandbox, sample))
    assert cli("deploy", "--image", f"{sample.repository}:v3").code == 0

    tags = {t["key"]: t["value"] for t in _service(sandbox, sample)["tags"]}
    assert tags["ci-ecs:version"] == "v3"
    assert tags["ci-ecs:previous-version"] == "v2"
    assert tags["ci-ecs:previous-task-definition"].endswith(v2_revision)
    assert tags["ci-ecs:technique"] == "rolling"
    assert v1_revision != v2_revision


def test_progress_lines_show_counts_and_target_health(cli: Any, sample: sandboxes.Sample) -> None:
    run = cli("deploy", "--image", f"{sample.repository}:v2-slow")

    assert run.code == 0, run.output
    progress = [line for line in run.stdout.splitlines() if "running" in line and "targets" in line]
    assert progress, run.stdout
    assert any("primary" in line and "active" in line for line in progress), run.stdout
    assert "healthy" in progress[-1]


def test_crash_image_fails_and_service_returns_to_previous_revision(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    previous = _revision(_service(sandbox, sample))

    run = cli("deploy", "--image", f"{sample.repository}:v2-crash")

    assert run.code == 1, run.output
    assert "exit 1" in run.stdout, "container exit codes of stopped tasks must be shown"
    assert "what ECS said about web" in run.output  # the service's events since the deployment began
    assert "rolling the service back" in run.output
    service = _service(sandbox, sample)
    assert _revision(service) == previous
    tags = {t["key"]: t["value"] for t in service["tags"]}
    assert tags["ci-ecs:failed-version"] == "v2-crash"


def test_unhealthy_image_fails_on_health_checks_and_rolls_back(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    previous = _revision(_service(sandbox, sample))

    run = cli("deploy", "--image", f"{sample.repository}:v2-unhealthy")

    assert run.code == 1, run.output
    assert "health check" in run.output.lower()
    assert _revision(_service(sandbox, sample)) == previous


def test_without_circuit_breaker_ci_ecs_rolls_back_itself(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    previous = _revision(_service(sandbox, sample))

    run = cli("deploy", "--image", f"{sample.repository}:v2-crash", "--no-circuit-breaker")

    assert run.code == 1, run.output
    assert "undo" in run.stdout
    assert _revision(_service(sandbox, sample)) == previous


def test_timeout_rolls_back_and_exits_1(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    previous = _revision(_service(sandbox, sample))

    run = cli("deploy", "--image", f"{sample.repository}:v2-slow", "--timeout", "1s")

    assert run.code == 1, run.output
    assert "timed out" in run.output
    assert _revision(_service(sandbox, sample)) == previous


def test_redeploying_the_live_version_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    assert cli("deploy", "--image", f"{sample.repository}:v2").code == 0
    ecs = client(sandbox, "ecs")
    revisions = ecs.list_task_definitions(familyPrefix=sample.task_family)["taskDefinitionArns"]
    deployment = _service(sandbox, sample)["deployments"][0]["id"]

    run = cli("deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    assert ecs.list_task_definitions(familyPrefix=sample.task_family)["taskDefinitionArns"] == revisions
    assert [d["id"] for d in _service(sandbox, sample)["deployments"]] == [deployment]
    tags = {t["key"]: t["value"] for t in _service(sandbox, sample)["tags"]}
    assert tags["ci-ecs:previous-version"] == "v1"


def test_dry_run_prints_plan_and_diff_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    ecs = client(sandbox, "ecs")
    revisions = ecs.list_task_definitions()["taskDefinitionArns"]

    run = cli("--dry-run", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    assert "would register the task definition" in run.stdout
    assert "would update service web" in run.stdout
    assert any(
        line.strip().startswith("+") and "v2" not in line and "sha256" in line
        for line in run.stdout.splitlines()
    )
    assert ecs.list_task_definitions()["taskDefinitionArns"] == revisions
    assert len(_service(sandbox, sample)["deployments"]) == 1


def test_json_output_is_one_document_with_the_record(cli: Any, sample: sandboxes.Sample) -> None:
    run = cli("--output", "json", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    record = json.loads(run.stdout)
    assert record["status"] == "success"
    assert record["version"] == "v2"
    assert record["previous_version"] == "v1"
    assert record["technique"] == "rolling"


def test_status_shows_live_version_deployments_and_targets(cli: Any, sample: sandboxes.Sample) -> None:
    assert cli("deploy", "--image", f"{sample.repository}:v2").code == 0

    text = cli("status")
    data = json.loads(cli("--output", "json", "status").stdout)

    assert text.code == 0
    assert "live version   v2" in text.stdout
    assert "3/3 healthy" in text.stdout
    assert data["version"] == "v2"
    assert data["tags"]["ci-ecs:previous-version"] == "v1"
    assert [d["status"] for d in data["deployments"]] == ["PRIMARY"]
    assert sum(t["state"] == "healthy" for t in data["target_groups"]["web"]) == 3
