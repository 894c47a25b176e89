"""canary-deploy, deploy and rollback for the `taskset` mode (EXTERNAL controller), against the sandbox."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import aws_executable, clean_env, client, run_process


@pytest.fixture
def taskset_cli(cli: Any) -> Any:
    """ci-ecs with the sandbox's taskset configuration (service web-ext)."""
    return lambda *args, **kw: cli("--config", "ci-ecs-taskset.yml", *args, **kw)


def _aws(sandbox: sandboxes.Sandbox, workdir: Path, *args: str) -> Any:
    done = run_process(
        [aws_executable(), "--endpoint-url", sandbox.endpoint, *args], clean_env(sandbox), workdir
    )
    assert done.code == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def _snapshot(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    ecs, elbv2 = client(sandbox, "ecs"), client(sandbox, "elbv2")
    sets = ecs.describe_task_sets(cluster=sample.cluster, service=sample.external_service)["taskSets"]
    rule = elbv2.describe_rules(RuleArns=[sample.listener_rule_arn])["Rules"][0]
    weights = {g["TargetGroupArn"]: g["Weight"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]}
    service = ecs.describe_services(
        cluster=sample.cluster, services=[sample.external_service], include=["TAGS"]
    )
    return {
        "sets": sorted((t["id"], t["status"], t["taskDefinition"]) for t in sets),
        "weights": weights,
        "canary_targets": len(
            elbv2.describe_target_health(TargetGroupArn=sample.canary_target_group_arn)[
                "TargetHealthDescriptions"
            ]
        ),
        "tags": sorted((t["key"], t["value"]) for t in service["services"][0].get("tags", [])),
    }


def test_canary_then_deploy_leaves_one_primary_task_set_and_all_weight_on_it(
    taskset_cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    canary = taskset_cli("canary-deploy", "--image", f"{sample.repository}:v2")

    assert canary.code == 0, canary.output
    sets = _aws(
        sandbox, workdir, "ecs", "describe-task-sets", "--cluster", sample.cluster, "--service", "web-ext"
    )
    statuses = sorted(t["status"] for t in sets["taskSets"])
    assert statuses == ["ACTIVE", "PRIMARY"]
    (canary_set,) = [t for t in sets["taskSets"] if t["status"] == "ACTIVE"]
    assert canary_set["loadBalancers"][0]["targetGroupArn"] == sample.canary_target_group_arn
    rules = _aws(sandbox, workdir, "elbv2", "describe-rules", "--rule-arns", sample.listener_rule_arn)
    groups = rules["Rules"][0]["Actions"][0]["ForwardConfig"]["TargetGroups"]
    assert {g["TargetGroupArn"]: g["Weight"] for g in groups} == {
        sample.primary_target_group_arn: 90,
        sample.canary_target_group_arn: 10,
    }

    deploy = taskset_cli("deploy", "--image", f"{sample.repository}:v2")

    assert deploy.code == 0, deploy.output
    sandbox.wait_idle()
    after = _snapshot(sandbox, sample)
    (only,) = after["sets"]
    assert only[1] == "PRIMARY" and only[2] == canary_set["taskDefinition"]
    assert after["weights"] == {sample.primary_target_group_arn: 100, sample.canary_target_group_arn: 0}
    assert after["canary_targets"] == 0
    assert not [k for k, _ in after["tags"] if "canary" in k]


def test_canary_then_rollback_returns_weights_and_task_sets_to_before(
    taskset_cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    before = _snapshot(sandbox, sample)

    assert taskset_cli("canary-deploy", "--image", f"{sample.repository}:v2").code == 0
    run = taskset_cli("rollback")

    assert run.code == 0, run.output
    assert run.stdout.index("weights back") < run.stdout.index("canary task set deleted")
    sandbox.wait_idle()
    assert _snapshot(sandbox, sample) == before


def test_unhealthy_taskset_canary_exits_1_and_leaves_the_stable_version(
    taskset_cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    before = _snapshot(sandbox, sample)

    run = taskset_cli("canary-deploy", "--image", f"{sample.repository}:v2-unhealthy")

    assert run.code == 1, run.output
    assert "unhealthy" in run.output
    sandbox.wait_idle()
    assert _snapshot(sandbox, sample) == before


def test_canary_deploy_again_with_a_weight_only_moves_the_weight(
    taskset_cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    assert taskset_cli("canary-deploy", "--image", f"{sample.repository}:v2").code == 0
    first = _snapshot(sandbox, sample)

    run = taskset_cli("canary-deploy", "--image", f"{sample.repository}:v2", "--weight", "50")

    assert run.code == 0, run.output
    second = _snapshot(sandbox, sample)
    assert second["sets"] == first["sets"]
    assert second["weights"] == {sample.primary_target_group_arn: 50, sample.canary_target_group_arn: 50}


@pytest.mark.parametrize("weight", [10, 30])
def test_printed_share_matches_the_measured_traffic_split(
    taskset_cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, weight: int
) -> None:
    run = taskset_cli("canary-deploy", "--image", f"{sample.repository}:v2", "--weight", str(weight))
    assert run.code == 0, run.output
    printed = re.search(r"takes (\d+)% of the rules' traffic", run.stdout)
    assert printed is not None

    sandbox.reset_traffic()
    while sandbox.traffic().ticks < 40:
        time.sleep(0.05)
    measured = sandbox.traffic().share(
        "v2", [sample.primary_target_group_arn, sample.canary_target_group_arn]
    )

    assert abs(measured - int(printed.group(1))) <= 2, (measured, printed.group(1))


def test_the_wrong_deployment_controller_is_exit_3_saying_what_to_change(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    before = _snapshot(sandbox, sample)

    rolling = cli("deploy", "--service", sample.external_service, "--image", f"{sample.repository}:v2")
    taskset = cli(
        "--config",
        "ci-ecs-taskset.yml",
        "canary-deploy",
        "--service",
        sample.service,
        "--image",
        f"{sample.repository}:v2",
    )

    assert rolling.code == 3, rolling.output
    assert "EXTERNAL deployment controller" in rolling.stderr and "canary.mode: taskset" in rolling.stderr
    assert taskset.code == 3, taskset.output
    assert "uses the ECS deployment controller" in taskset.stderr
    assert _snapshot(sandbox, sample) == before
