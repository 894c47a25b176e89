"""A canary-deploy SIGKILLed between any two AWS calls is finished by a re-run, or undone by rollback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client, kill_at_every_call


def _state(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    """Tasks, targets and canary tags, as the end state is judged."""
    ecs, elbv2 = client(sandbox, "ecs"), client(sandbox, "elbv2")
    arns = ecs.list_tasks(cluster=sample.cluster, desiredStatus="RUNNING")["taskArns"]
    tasks = ecs.describe_tasks(cluster=sample.cluster, tasks=arns)["tasks"] if arns else []
    # What runs is judged by image: a re-run may register its own (identical) revision.
    images = {
        arn: ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0][
            "image"
        ]
        for arn in {t["taskDefinitionArn"] for t in tasks}
    }
    ips = {
        d["value"]: (t.get("group", ""), images[t["taskDefinitionArn"]].rsplit("@", 1)[-1][:19])
        for t in tasks
        for a in t.get("attachments", [])
        for d in a["details"]
        if d["name"] == "privateIPv4Address"
    }
    health = elbv2.describe_target_health(TargetGroupArn=sample.target_group_arn)["TargetHealthDescriptions"]
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service], include=["TAGS"])[
        "services"
    ][0]
    canary_service = ecs.describe_services(cluster=sample.cluster, services=["web-canary"])["services"]
    return {
        "tasks": sorted(ips.values()),
        "targets": sorted(
            (ips.get(d["Target"]["Id"], ("stray", "")), d["TargetHealth"]["State"]) for d in health
        ),
        "canary_tags": sorted(  # the revision's number may differ, as above
            (t["key"], t["value"].rsplit(":", 1)[0] if "task-definition" in t["key"] else t["value"])
            for t in service.get("tags", [])
            if "canary-" in t["key"] and "-at" not in t["key"]
        ),
        # A canary service scaled to 0 stays for the next canary (DESIGN.md §1): as good as none.
        "canary_service_desired": sum(s["desiredCount"] for s in canary_service if s["status"] == "ACTIVE"),
    }


@pytest.mark.parametrize("mode", ["task", "service"])
def test_killed_canary_deploy_is_finished_by_rerun_and_undone_by_rollback(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, mode: str
) -> None:
    config = workdir / "ci-ecs.yml"
    config.write_text(config.read_text() + f"canary:\n  mode: {mode}\n  count: 1\n")
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        ("--output", "json", "canary-deploy", "--image", f"{sample.repository}:v2"),
        ("rollback",),
        lambda fresh: _state(sandbox, fresh),
        rewrite_config=False,  # keep the canary mode written above (this config names no ARN)
        # After every call that changes AWS (and the first): a kill after a read leaves what a kill after the
        # write before it leaves, so every step the job can be killed after is still covered in half the runs.
        after_writes_only=True,
    )


def _taskset_state(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    """Task sets (by image), weights and canary tags of the EXTERNAL service."""
    ecs, elbv2 = client(sandbox, "ecs"), client(sandbox, "elbv2")
    sets = ecs.describe_task_sets(cluster=sample.cluster, service=sample.external_service)["taskSets"]
    image = {
        t["id"]: ecs.describe_task_definition(taskDefinition=t["taskDefinition"])["taskDefinition"][
            "containerDefinitions"
        ][0]["image"].rsplit("@", 1)[-1][:19]
        for t in sets
    }
    rule = elbv2.describe_rules(RuleArns=[sample.listener_rule_arn])["Rules"][0]
    weights = sorted(g["Weight"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"])
    canary_targets = elbv2.describe_target_health(TargetGroupArn=sample.canary_target_group_arn)
    service = ecs.describe_services(
        cluster=sample.cluster, services=[sample.external_service], include=["TAGS"]
    )
    tags = service["services"][0].get("tags", [])
    return {
        "sets": sorted(
            (t["status"], image[t["id"]], t["loadBalancers"][0]["targetGroupArn"].split("/")[-2])
            for t in sets
        ),
        "weights": weights,
        "canary_targets": sorted(
            d["TargetHealth"]["State"] for d in canary_targets["TargetHealthDescriptions"]
        ),
        "canary_tags": sorted(t["key"] for t in tags if "canary" in t["key"]),
    }


def test_killed_taskset_canary_deploy_is_finished_by_rerun_and_undone_by_rollback(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = ("--config", "ci-ecs-taskset.yml")
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        (*config, "--output", "json", "canary-deploy", "--image", f"{sample.repository}:v2"),
        (*config, "rollback"),
        lambda fresh: _taskset_state(sandbox, fresh),
        # After every call that changes AWS (and the first): a kill after a read leaves what a kill after the
        # write before it leaves, so every step the job can be killed after is still covered in half the runs.
        after_writes_only=True,
    )
