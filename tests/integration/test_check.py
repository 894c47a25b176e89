"""`ci-ecs check` against the sandbox: every sample config passes; each prerequisite removed fails it (exit 3,
naming the item) and nothing changes; deploy runs the same checks before its first change."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed import sample as samples
from tests.integration.helpers import client
from tests.integration.world import snapshot

CONFIGS = sorted(
    name
    for name in (
        samples.CONFIG,
        "ci-ecs-task.yml",
        "ci-ecs-service.yml",
        "ci-ecs-taskset.yml",
        samples.CODEDEPLOY_CONFIG,
        samples.SWITCH_CONFIG,
        samples.ROUTES_CONFIG,
        "ci-ecs-native-blue-green.yml",
        "ci-ecs-native-linear.yml",
        "ci-ecs-native-canary.yml",
    )
)


def _items(output: str) -> dict[str, dict[str, str]]:
    return {item["name"]: item for item in json.loads(output)["items"]}


@pytest.mark.parametrize("config", CONFIGS)
def test_check_passes_for_every_sample_config(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, config: str
) -> None:
    before = snapshot(sandbox)

    run = cli("-c", config, "-o", "json", "check", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    items = _items(run.stdout)
    assert {i["status"] for i in items.values()} <= {"ok", "not checked"}, items
    assert items["image"]["status"] == items["execution role"]["status"] == "ok"
    assert items["log groups"]["status"] == "ok"
    # The sandbox cannot simulate IAM policies: the item says it was not checked rather than passing.
    assert items["IAM permissions"]["status"] == "not checked"
    assert snapshot(sandbox) == before


def test_check_in_text_prints_one_line_per_item(cli: Any, sample: sandboxes.Sample) -> None:
    run = cli("check", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    assert "✓ service: web in cluster demo" in run.stdout
    assert "✓ image: " in run.stdout
    assert "- IAM permissions: could not simulate" in run.stdout
    assert run.stdout.rstrip().endswith("all prerequisites are in place (1 not checked)")


def _config(workdir: Path, name: str, old: str, new: str) -> None:
    path = workdir / name
    path.write_text(path.read_text().replace(old, new))


# (config, what to remove, the item that must fail, words its line must say)
Case = tuple[str, Callable[[sandboxes.Sandbox, sandboxes.Sample, Path], None], str, str]


def _delete_role(name: str) -> Callable[[sandboxes.Sandbox, sandboxes.Sample, Path], None]:
    return lambda sandbox, sample, workdir: client(sandbox, "iam").delete_role(RoleName=name)


def _delete_listener_and_group(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path) -> None:
    elbv2 = client(sandbox, "elbv2")
    elbv2.delete_listener(ListenerArn=sample.listener_arn)
    elbv2.delete_target_group(TargetGroupArn=sample.target_group_arn)


def _delete_canary_group(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path) -> None:
    elbv2 = client(sandbox, "elbv2")
    primary = [{"TargetGroupArn": sample.primary_target_group_arn, "Weight": 100}]
    elbv2.modify_rule(
        RuleArn=sample.listener_rule_arn,
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": primary}}],
    )
    elbv2.delete_target_group(TargetGroupArn=sample.canary_target_group_arn)


def _delete_rule(sandbox: sandboxes.Sandbox, arn: str) -> None:
    client(sandbox, "elbv2").delete_rule(RuleArn=arn)


def _delete_listener(sandbox: sandboxes.Sandbox, arn: str) -> None:
    client(sandbox, "elbv2").delete_listener(ListenerArn=arn)


def _delete_ecr_repository(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path) -> None:
    client(sandbox, "ecr").delete_repository(repositoryName="web", force=True)


CASES: dict[str, Case] = {
    "log group": (
        samples.CONFIG,
        lambda sandbox, sample, workdir: client(sandbox, "logs").delete_log_group(logGroupName="/ecs/web"),
        "log groups",
        "/ecs/web does not exist",
    ),
    "execution role": (
        samples.CONFIG,
        _delete_role("ecsTaskExecutionRole"),
        "execution role",
        "does not exist",
    ),
    "task role": (samples.CONFIG, _delete_role("web-task"), "task role", "role web-task"),
    "image tag": (samples.CONFIG, lambda *_: None, "image", "tag 'v9' not found"),
    "ECR repository": (samples.CONFIG, _delete_ecr_repository, "image", "repository 'web' not found"),
    "service": (
        samples.CONFIG,
        lambda sandbox, sample, workdir: client(sandbox, "ecs").delete_service(
            cluster=sample.cluster, service=sample.service, force=True
        ),
        "service",
        "is INACTIVE, not ACTIVE",
    ),
    "cluster": (
        samples.CONFIG,
        lambda sandbox, sample, workdir: _config(workdir, samples.CONFIG, "cluster: demo", "cluster: nope"),
        "service",
        "cluster nope not found",
    ),
    "service target group": (samples.CONFIG, _delete_listener_and_group, "target groups", "does not exist"),
    "controller for a task canary": (
        "ci-ecs-task.yml",
        lambda sandbox, sample, workdir: _config(
            workdir, "ci-ecs-task.yml", "service: web\n", "service: web-ext\n"
        ),
        "deployment controller",
        "uses the EXTERNAL deployment controller",
    ),
    "canary target group": (
        "ci-ecs-taskset.yml",
        _delete_canary_group,
        "canary target group and listener rules",
        "canary.target_group",
    ),
    "weighted listener rule": (
        "ci-ecs-taskset.yml",
        lambda sandbox, sample, workdir: client(sandbox, "elbv2").delete_rule(
            RuleArn=sample.listener_rule_arn
        ),
        "canary target group and listener rules",
        "canary.listener_rules",
    ),
    "codedeploy test listener": (
        samples.CODEDEPLOY_CONFIG,
        lambda sandbox, sample, workdir: client(sandbox, "elbv2").delete_listener(
            ListenerArn=sample.test_listener_arn
        ),
        "CodeDeploy role, target groups and listeners",
        "codedeploy.test_listener",
    ),
    "codedeploy service role": (
        samples.CODEDEPLOY_CONFIG,
        _delete_role("ci-ecs-codedeploy"),
        "CodeDeploy application and deployment group",
        "codedeploy.service_role",
    ),
    "controller for codedeploy": (
        samples.CODEDEPLOY_CONFIG,
        lambda sandbox, sample, workdir: _config(
            workdir, samples.CODEDEPLOY_CONFIG, "service: web-bg\n", "service: web\n"
        ),
        "deployment controller",
        "uses the ECS deployment controller, this job needs CODE_DEPLOY",
    ),
    "switch preparing rule": (
        samples.SWITCH_CONFIG,
        lambda sandbox, sample, workdir: client(sandbox, "elbv2").delete_rule(
            RuleArn=sample.preparing_rule_arn
        ),
        "live service",
        "switch.preparing_rule",
    ),
    "native log group": (
        "ci-ecs-native-linear.yml",
        lambda sandbox, sample, workdir: client(sandbox, "logs").delete_log_group(
            logGroupName="/ecs/web-native-linear"
        ),
        "log groups",
        "/ecs/web-native-linear does not exist",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_names_each_missing_prerequisite_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, case: str
) -> None:
    config, remove, item, says = CASES[case]
    remove(sandbox, sample, workdir)
    sandbox.wait_idle()  # a deleted service drains before it is INACTIVE: let it settle before comparing
    before = snapshot(sandbox)
    tag = "v9" if case == "image tag" else "v2"

    run = cli("-c", config, "-o", "json", "check", "--image", f"{sample.repository}:{tag}")

    assert run.code == 3, run.output
    items = _items(run.stdout)
    assert items[item]["status"] == "failed", items
    assert says in items[item]["detail"], items[item]
    assert f"✗ {item}: " in run.stderr and says in run.stderr, run.stderr
    # Every item ran: those not depending on the failed one still have their own outcome.
    assert items["credentials and region"]["status"] == "ok"
    assert snapshot(sandbox) == before


def test_every_failing_item_is_listed_not_only_the_first(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    client(sandbox, "logs").delete_log_group(logGroupName="/ecs/web")
    client(sandbox, "iam").delete_role(RoleName="web-task")

    run = cli("-o", "json", "check", "--image", f"{sample.repository}:v9")

    assert run.code == 3, run.output
    failed = [name for name, item in _items(run.stdout).items() if item["status"] == "failed"]
    assert failed == ["image", "task role", "log groups"]
    assert "3 of the prerequisites failed" in run.stderr


def test_deploy_checks_the_prerequisites_before_its_first_change(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    client(sandbox, "logs").delete_log_group(logGroupName="/ecs/web")
    before = snapshot(sandbox)

    run = cli("deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 3, run.output
    assert "✗ log groups: log group /ecs/web does not exist" in run.output
    assert snapshot(sandbox) == before


def test_with_services_check_and_deploy_check_every_service_and_name_the_one_missing_its_log_group(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    several = ("-c", "ci-ecs-services.yml")
    image = ("--image", f"{sample.repository}:v2")
    passed = cli(*several, "-o", "json", "check", *image)
    client(sandbox, "logs").delete_log_group(logGroupName="/ecs/shop-worker")
    before = snapshot(sandbox)

    checked = cli(*several, "check", *image)
    deployed = cli(*several, "deploy", *image)

    assert passed.code == 0, passed.output
    items = _items(passed.stdout)
    for service in ("shop-web", "shop-worker", "shop-scheduler"):
        assert items[f"{service}: service"]["status"] == items[f"{service}: log groups"]["status"] == "ok"
    assert [name for name in items if name.endswith(": image")] == ["shop-web: image"]  # pinned once
    for run in (checked, deployed):
        assert run.code == 3, run.output
        assert "✗ shop-worker: log groups: log group /ecs/shop-worker does not exist" in run.output
        assert "✗ shop-web" not in run.output and "✗ shop-scheduler" not in run.output
    assert snapshot(sandbox) == before


def _push(registry: str, name: str, tag: str) -> None:
    """Push a one-layer OCI image to the registry by its HTTP API (no docker needed)."""
    blobs = [b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}', b"layer"]
    digests = []
    for blob in blobs:
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        started = urllib.request.Request(f"http://{registry}/v2/{name}/blobs/uploads/", method="POST")
        with urllib.request.urlopen(started, timeout=10) as reply:
            location = urllib.parse.urljoin(f"http://{registry}/", reply.headers["Location"])
        separator = "&" if "?" in location else "?"
        request = urllib.request.Request(f"{location}{separator}digest={digest}", data=blob, method="PUT")
        request.add_header("Content-Type", "application/octet-stream")
        urllib.request.urlopen(request, timeout=10).close()
        digests.append((digest, len(blob)))
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": digests[0][0],
            "size": digests[0][1],
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": digests[1][0],
                "size": digests[1][1],
            }
        ],
    }
    request = urllib.request.Request(
        f"http://{registry}/v2/{name}/manifests/{tag}", data=json.dumps(manifest).encode(), method="PUT"
    )
    request.add_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
    urllib.request.urlopen(request, timeout=10).close()


def test_an_image_in_a_registry_on_127_0_0_1_is_checked_before_any_change(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, registry_address: str
) -> None:
    _push(registry_address, "checked/web", "v2")
    before = snapshot(sandbox)

    found = cli("-o", "json", "check", "--image", f"{registry_address}/checked/web:v2")
    missing = cli("-o", "json", "check", "--image", f"{registry_address}/checked/web:v3")
    deploy = cli("deploy", "--image", f"{registry_address}/checked/web:v3")
    rollback = cli("rollback", "--to", "v3", "--image", f"{registry_address}/checked/web")

    assert found.code == 0, found.output
    assert _items(found.stdout)["image"]["status"] == "ok"
    assert missing.code == 3, missing.output
    assert "v3 not found in " in _items(missing.stdout)["image"]["detail"]
    assert deploy.code == 3, deploy.output
    assert f"image: v3 not found in {registry_address}/checked/web" in deploy.output
    assert rollback.code == 3, rollback.output
    assert f"image: v3 not found in {registry_address}/checked/web" in rollback.output
    assert snapshot(sandbox) == before
