"""canary-deploy, deploy and rollback for the `task` and `service` canary modes, against the sandbox."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import aws_executable, clean_env, client, run_process

MODES = ["task", "service"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest, workdir: Path) -> str:
    """The canary mode under test, configured in the working directory's ci-ecs.yml."""
    config = workdir / "ci-ecs.yml"
    config.write_text(config.read_text() + f"canary:\n  mode: {request.param}\n  count: 1\n")
    return str(request.param)


def _aws(sandbox: sandboxes.Sandbox, workdir: Path, *args: str) -> Any:
    done = run_process(
        [aws_executable(), "--endpoint-url", sandbox.endpoint, *args], clean_env(sandbox), workdir
    )
    assert done.code == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def _snapshot(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    """What must be exactly as before after a canary is rolled back."""
    ecs, elbv2 = client(sandbox, "ecs"), client(sandbox, "elbv2")
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service], include=["TAGS"])[
        "services"
    ][0]
    running = ecs.list_tasks(cluster=sample.cluster, desiredStatus="RUNNING")["taskArns"]
    health = elbv2.describe_target_health(TargetGroupArn=sample.target_group_arn)["TargetHealthDescriptions"]
    return {
        "task_definition": service["taskDefinition"],
        "deployments": [d["id"] for d in service["deployments"]],
        "tags": sorted((t["key"], t["value"]) for t in service.get("tags", [])),
        "running": sorted(running),
        "targets": sorted((d["Target"]["Id"], d["TargetHealth"]["State"]) for d in health),
    }


def _canary_ips(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, mode: str) -> set[str]:
    """The canary's task IPs, read with the real aws CLI."""
    if mode == "task":
        listed = _aws(
            sandbox,
            workdir,
            "ecs",
            "list-tasks",
            "--cluster",
            sample.cluster,
            "--started-by",
            "ci-ecs-canary",
        )
    else:
        listed = _aws(
            sandbox, workdir, "ecs", "list-tasks", "--cluster", sample.cluster, "--service-name", "web-canary"
        )
        listed["taskArns"] = [
            t["taskArn"]
            for t in _aws(
                sandbox,
                workdir,
                "ecs",
                "describe-tasks",
                "--cluster",
                sample.cluster,
                "--tasks",
                *listed["taskArns"],
            )["tasks"]
            if t.get("group") == "service:web-canary" and t["lastStatus"] == "RUNNING"
        ]
    assert listed["taskArns"], "the canary runs"
    tasks = _aws(
        sandbox, workdir, "ecs", "describe-tasks", "--cluster", sample.cluster, "--tasks", *listed["taskArns"]
    )
    return {
        d["value"]
        for t in tasks["tasks"]
        if t["lastStatus"] == "RUNNING"
        for a in t["attachments"]
        for d in a["details"]
        if d["name"] == "privateIPv4Address"
    }


def test_canary_then_deploy_leaves_only_the_new_version(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, mode: str
) -> None:
    canary = cli("canary-deploy", "--image", f"{sample.repository}:v2")

    assert canary.code == 0, canary.output
    ips = _canary_ips(sandbox, sample, workdir, mode)
    health = _aws(
        sandbox, workdir, "elbv2", "describe-target-health", "--target-group-arn", sample.target_group_arn
    )
    states = {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in health["TargetHealthDescriptions"]}
    assert {states.get(ip) for ip in ips} == {"healthy"}
    printed = re.search(r"takes (\d+)% of the traffic", canary.stdout)
    assert printed is not None and int(printed.group(1)) == 25  # 1 canary target beside 3 stable ones
    sandbox.reset_traffic()
    while sandbox.traffic().ticks < 40:
        time.sleep(0.05)
    measured = sandbox.traffic().share("v2", [sample.target_group_arn])
    assert abs(measured - int(printed.group(1))) <= 2, (measured, printed.group(1))

    deploy = cli("deploy", "--image", f"{sample.repository}:v2")

    assert deploy.code == 0, deploy.output
    ecs = client(sandbox, "ecs")
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service], include=["TAGS"])[
        "services"
    ][0]
    image = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert image["containerDefinitions"][0]["image"].endswith(sample.images["v2"])
    running = ecs.describe_tasks(
        cluster=sample.cluster,
        tasks=ecs.list_tasks(cluster=sample.cluster, desiredStatus="RUNNING")["taskArns"],
    )["tasks"]
    ours = [
        t for t in running if t.get("group") in ("service:web", "service:web-canary", "ci-ecs-canary:web")
    ]
    assert {t["taskDefinitionArn"] for t in ours} == {service["taskDefinition"]}, "only the new version runs"
    assert len(ours) == 3
    targets = client(sandbox, "elbv2").describe_target_health(TargetGroupArn=sample.target_group_arn)
    assert not ips & {d["Target"]["Id"] for d in targets["TargetHealthDescriptions"]}, (
        "canary targets are gone"
    )
    assert not any(t["key"].startswith("ci-ecs:canary") for t in service["tags"])


def test_canary_then_rollback_restores_service_and_targets(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, mode: str
) -> None:
    before = _snapshot(sandbox, sample)

    assert cli("canary-deploy", "--image", f"{sample.repository}:v2").code == 0
    run = cli("rollback")

    assert run.code == 0, run.output
    sandbox.wait_idle()
    after = _snapshot(sandbox, sample)
    assert after == before


def test_unhealthy_canary_exits_1_is_removed_and_stable_is_untouched(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, mode: str
) -> None:
    before = _snapshot(sandbox, sample)

    run = cli("canary-deploy", "--image", f"{sample.repository}:v2-unhealthy")

    assert run.code == 1, run.output
    assert "unhealthy" in run.output.lower() or "health checks" in run.output
    sandbox.wait_idle()
    after = _snapshot(sandbox, sample)
    assert after == before


def test_the_same_canary_twice_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, mode: str
) -> None:
    assert cli("canary-deploy", "--image", f"{sample.repository}:v2").code == 0
    first = _snapshot(sandbox, sample)

    again = cli("canary-deploy", "--image", f"{sample.repository}:v2")

    assert again.code == 0, again.output
    assert _snapshot(sandbox, sample)["running"] == first["running"]
    assert "registered web" not in again.stdout


def test_a_new_canary_version_replaces_the_old_canary(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, mode: str
) -> None:
    assert cli("canary-deploy", "--image", f"{sample.repository}:v2").code == 0
    old = _canary_ips(sandbox, sample, workdir, mode)

    run = cli("canary-deploy", "--image", f"{sample.repository}:v3")

    assert run.code == 0, run.output
    new = _canary_ips(sandbox, sample, workdir, mode)
    assert len(new) == 1 and not old & new
    tags = {
        t["key"]: t["value"]
        for t in client(sandbox, "ecs").describe_services(
            cluster=sample.cluster, services=[sample.service], include=["TAGS"]
        )["services"][0]["tags"]
    }
    assert tags["ci-ecs:canary-version"] == "v3"


def test_a_canary_service_follows_the_circuit_breaker_setting_not_the_main_services(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    ecs = client(sandbox, "ecs")
    off = {"deploymentCircuitBreaker": {"enable": False, "rollback": False}}
    ecs.update_service(cluster=sample.cluster, service=sample.service, deploymentConfiguration=off)

    run = cli("--config", "ci-ecs-service.yml", "canary-deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    canary = _aws(
        sandbox, workdir, "ecs", "describe-services", "--cluster", sample.cluster, "--services", "web-canary"
    )["services"][0]
    assert canary["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
