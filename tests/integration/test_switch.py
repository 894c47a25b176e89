"""`strategy: switch` end to end on the sandbox's web-sw sample, AWS state read back with the real aws CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ci_ecs import sandbox as sandboxes
from ci_ecs.strategies.switch.names import names
from tests.integration.conftest import TICK
from tests.integration.helpers import aws_executable, clean_env, client, run_process

CONFIG = "ci-ecs-switch.yml"
BASE = "web-sw"
Call = Callable[..., dict[str, Any]]


def rules(workdir: Path) -> tuple[str, str]:
    """(public rule ARN, preparing rule ARN) from the sandbox's switch config."""
    switch = yaml.safe_load((workdir / CONFIG).read_text())["switch"]
    return switch["public_rule"], switch["preparing_rule"]


def aws_cli(sandbox: sandboxes.Sandbox, workdir: Path) -> Call:
    """`call("elbv2", "describe-rules", rule_arns=[arn])` through the real aws CLI: its JSON output."""

    def call(service: str, operation: str, **flags: str | list[str]) -> dict[str, Any]:
        args = [aws_executable(), service, operation, "--output", "json"]
        for flag, value in flags.items():
            args += ["--" + flag.replace("_", "-"), *([value] if isinstance(value, str) else value)]
        done = run_process(args, clean_env(sandbox), workdir)
        assert done.code == 0, done.stderr
        return dict(json.loads(done.stdout or "{}"))

    return call


def boto(sandbox: sandboxes.Sandbox) -> Call:
    """The same calls through boto3 (faster, for tests that read state many times)."""

    def call(service: str, operation: str, **flags: str | list[str]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for flag, value in flags.items():
            key = "".join(w.capitalize() for w in flag.split("_"))
            params[key if service != "ecs" else key[0].lower() + key[1:]] = value
        method = getattr(client(sandbox, service), operation.replace("-", "_"))
        return dict(method(**params))

    return call


def snapshot(call: Call, workdir: Path) -> dict[str, Any]:
    """Rules, the web-sw services and target groups, and scalable targets, by name."""
    public, preparing = rules(workdir)
    found = call("elbv2", "describe-rules", rule_arns=[public, preparing])["Rules"]
    by_arn = {r["RuleArn"]: r for r in found}

    def forward(rule: str) -> dict[str, int]:
        groups = by_arn[rule]["Actions"][0]["ForwardConfig"]["TargetGroups"]
        return {g["TargetGroupArn"].split("/")[-2]: g.get("Weight", 1) for g in groups}

    arns = [a for a in call("ecs", "list-services", cluster="demo")["serviceArns"] if f"/{BASE}-" in a]
    services = (
        call("ecs", "describe-services", cluster="demo", services=arns, include=["TAGS"])["services"]
        if arns
        else []
    )
    groups = [
        g
        for g in call("elbv2", "describe-target-groups")["TargetGroups"]
        if g["TargetGroupName"].startswith(BASE)
    ]
    described = (
        call("elbv2", "describe-tags", resource_arns=[g["TargetGroupArn"] for g in groups])["TagDescriptions"]
        if groups
        else []
    )
    targets = call("application-autoscaling", "describe-scalable-targets", service_namespace="ecs")
    return {
        "public": forward(public),
        "preparing": forward(preparing),
        "services": {
            s["serviceName"]: {
                "desired": s["desiredCount"],
                "obsolete": any(t["key"] == "ci-ecs:obsolete" for t in s.get("tags", [])),
                "group": s["loadBalancers"][0]["targetGroupArn"].split("/")[-2],
            }
            for s in services
            if s["status"] == "ACTIVE"
        },
        "marked": sorted(
            s["serviceName"]
            for s in services
            if any(t["key"].startswith("ci-ecs:switch-preparing") for t in s.get("tags", []))
        ),
        "target_groups": sorted(g["TargetGroupName"] for g in groups),
        "obsolete_groups": sorted(
            d["ResourceArn"].split("/")[-2]
            for d in described
            if any(t["Key"] == "ci-ecs:obsolete" for t in d.get("Tags", []))
        ),
        "scalable": {
            t["ResourceId"].split("/")[-1]: (t["MinCapacity"], t["MaxCapacity"])
            for t in targets["ScalableTargets"]
            if t["ResourceId"].split("/")[-1].startswith(BASE)
        },
    }


def job(cli: Any, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run ci-ecs with the switch config."""
    return cli("--config", CONFIG, *args, env=env)


def test_canary_deploy_then_deploy_switches_the_public_rule_and_keeps_the_old_service_at_0(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    aws = aws_cli(sandbox, workdir)
    prepared = job(cli, "canary-deploy", "--image", f"{sample.repository}:v2")
    assert prepared.code == 0, prepared.output
    assert "Host: preparing.switch.test" in prepared.output
    state = snapshot(aws, workdir)
    assert state["public"] == {"web-sw-v1": 1}
    assert state["preparing"] == {"web-sw-v2": 1}
    assert state["services"]["web-sw-v2"] == {"desired": 2, "obsolete": False, "group": "web-sw-v2"}
    assert state["scalable"] == {"web-sw-v1": (2, 4), "web-sw-v2": (2, 4)}
    shown = job(cli, "status")
    assert shown.code == 0, shown.output
    assert "preparing      v2" in shown.output and "live version   v1" in shown.output

    deployed = job(cli, "deploy", "--image", f"{sample.repository}:v2")
    assert deployed.code == 0, deployed.output
    # Application Auto Scaling acts within a few sandbox ticks: give it many more.
    time.sleep(40 * TICK)
    state = snapshot(aws, workdir)
    assert state["public"] == {"web-sw-v2": 1}
    assert state["preparing"] == {"web-sw-v2": 1}
    assert state["services"]["web-sw-v1"] == {"desired": 0, "obsolete": True, "group": "web-sw-v1"}
    assert state["obsolete_groups"] == ["web-sw-v1"]
    assert state["scalable"] == {"web-sw-v2": (2, 4)}

    third = job(cli, "deploy", "--image", f"{sample.repository}:v3")
    assert third.code == 0, third.output
    state = snapshot(aws, workdir)
    assert state["public"] == {"web-sw-v3": 1}
    assert set(state["services"]) == {"web-sw-v2", "web-sw-v3"}  # v1 deleted, v2 kept for rollback
    assert state["target_groups"] == ["web-sw-v2", "web-sw-v3"]
    assert state["obsolete_groups"] == ["web-sw-v2"]
    assert state["services"]["web-sw-v2"]["desired"] == 0


def test_scaling_the_old_service_to_0_without_deregistering_autoscaling_comes_back(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    ecs = client(sandbox, "ecs")
    ecs.update_service(cluster="demo", service="web-sw-v1", desiredCount=0)
    deadline = time.monotonic() + 400 * TICK
    while time.monotonic() < deadline:
        desired = ecs.describe_services(cluster="demo", services=["web-sw-v1"])["services"][0]["desiredCount"]
        if desired == 2:
            break
        time.sleep(TICK)
    assert desired == 2  # the trap of seed 003: the scalable target's minimum wins


def test_canary_deploy_then_rollback_leaves_everything_as_it_was(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    aws = aws_cli(sandbox, workdir)
    before = snapshot(aws, workdir)
    assert job(cli, "canary-deploy", "--image", f"{sample.repository}:v2").code == 0
    back = job(cli, "rollback")
    assert back.code == 0, back.output
    assert snapshot(aws, workdir) == before
    again = job(cli, "rollback")
    assert again.code in (0, 3), again.output
    assert snapshot(aws, workdir) == before


def test_deploy_then_rollback_restores_the_old_version_and_its_autoscaling(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    aws = aws_cli(sandbox, workdir)
    policies_before = aws("application-autoscaling", "describe-scaling-policies", service_namespace="ecs")
    assert job(cli, "deploy", "--image", f"{sample.repository}:v2").code == 0
    back = job(cli, "rollback")
    assert back.code == 0, back.output
    state = snapshot(aws, workdir)
    assert state["public"] == {"web-sw-v1": 1}
    assert state["preparing"] == {"web-sw-v1": 1}
    assert state["services"]["web-sw-v1"] == {"desired": 2, "obsolete": False, "group": "web-sw-v1"}
    assert state["services"]["web-sw-v2"] == {"desired": 0, "obsolete": True, "group": "web-sw-v2"}
    assert state["obsolete_groups"] == ["web-sw-v2"]  # v1's, tagged by the deploy, was revived with it
    assert state["scalable"] == {"web-sw-v1": (2, 4)}
    restored = aws("application-autoscaling", "describe-scaling-policies", service_namespace="ecs")
    assert _policies(restored, "web-sw-v1") == _policies(policies_before, "web-sw-v1")

    twice = job(cli, "rollback")
    assert twice.code == 0, twice.output
    assert snapshot(aws, workdir) == state


def _policies(reply: dict[str, Any], service: str) -> list[tuple[str, str]]:
    return sorted(
        (p["PolicyName"], p["PolicyType"])
        for p in reply["ScalingPolicies"]
        if p["ResourceId"].endswith(f"/{service}")
    )


def test_an_unhealthy_version_fails_deploy_with_the_public_rule_untouched(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    before = snapshot(boto(sandbox), workdir)
    failed = job(cli, "deploy", "--image", f"{sample.repository}:v2-unhealthy")
    assert failed.code == 1, failed.output
    assert "Task failed ELB health checks" in failed.output and "timed out" not in failed.output
    after = snapshot(aws_cli(sandbox, workdir), workdir)
    assert after["public"] == before["public"] == {"web-sw-v1": 1}
    assert after == before  # the failed version's service and target group are gone again


def test_a_version_too_long_for_a_target_group_name_deploys_under_a_stable_short_name(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    tag = "release-2026.11.22-build-0123456789"
    ecr, repository = client(sandbox, "ecr"), sample.repository.split("/", 1)[1]
    manifest = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": "v2"}])["images"][0]
    ecr.put_image(repositoryName=repository, imageManifest=manifest["imageManifest"], imageTag=tag)
    wanted = names(BASE, BASE, tag)
    assert len(f"{BASE}-{tag}") > 32 and len(wanted.target_group) <= 32
    for _ in range(2):  # a re-run finds the same names
        done = job(cli, "deploy", "--image", f"{sample.repository}:{tag}")
        assert done.code == 0, done.output
        state = snapshot(boto(sandbox), workdir)
        assert state["public"] == {wanted.target_group: 1}
        assert state["services"][wanted.service]["group"] == wanted.target_group


def test_an_invalid_name_prefix_fails_with_exit_2_before_any_change(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    before = snapshot(boto(sandbox), workdir)
    bad = job(
        cli, "deploy", "--image", f"{sample.repository}:v2", env={"CI_ECS_SWITCH_NAME_PREFIX": "web_sw-"}
    )
    assert bad.code == 2, bad.output
    assert "switch.name_prefix" in bad.output
    assert snapshot(boto(sandbox), workdir) == before


def test_dry_run_prints_the_plan_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    before = snapshot(boto(sandbox), workdir)
    dry = job(cli, "--dry-run", "deploy", "--image", f"{sample.repository}:v2")
    assert dry.code == 0, dry.output
    assert "would forward the public rule to the new version only" in dry.output
    assert snapshot(boto(sandbox), workdir) == before
