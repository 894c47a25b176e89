"""`ci-ecs init` against the sandbox: on every sample service it writes a ci-ecs.yml that loads and a
pipeline, both checked (exit 0); it changes nothing in AWS; a second init refuses without --force and
overwrites with it."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed import switching
from ci_ecs.sandbox.seed.native_sample import SERVICES as NATIVE
from ci_ecs.settings import load_settings
from tests.integration.helpers import client
from tests.integration.world import snapshot

# Every service the sandbox seeds, and the technique init infers for it.
SERVICES = {
    "web": "rolling",
    "web-ext": "taskset",
    "web-bg": "codedeploy",
    switching.SWITCH_SERVICE: "switch",
    switching.DUAL_SERVICE: "switch",
    **{service: "native" for service, *_ in NATIVE},
}
CONTAINERS = dict.fromkeys(SERVICES, "web")
MANY: dict[str, tuple[Any, ...]]
try:  # the sample's trio of services from one image (`services:`), where the sandbox seeds it
    MANY = importlib.import_module("ci_ecs.sandbox.seed.many_sample").SERVICES
except ModuleNotFoundError:
    MANY = {}
SERVICES |= dict.fromkeys(MANY, "rolling")
CONTAINERS |= {service: container for service, (container, *_) in MANY.items()}
GITLAB = [Path("ci-ecs.yml"), Path(".gitlab-ci.yml")]
GITHUB = [Path("ci-ecs.yml"), Path(".github/workflows/deploy.yml"), Path(".github/workflows/rollback.yml")]


@pytest.fixture
def workdir(tmp_path: Path, sample: sandboxes.Sample) -> Path:
    """An application repository without a ci-ecs.yml yet."""
    app = tmp_path / "app"
    app.mkdir()
    return app


def _init(cli: Any, service: str, *more: str) -> Any:
    return cli("-o", "json", "init", "--cluster", "demo", "--service", service, *more)


def _texts(workdir: Path, paths: list[Path]) -> dict[Path, str]:
    return {p: (workdir / p).read_text() for p in paths}


def test_the_services_are_every_service_the_sandbox_seeds(sandbox: sandboxes.Sandbox, sample: Any) -> None:
    arns = client(sandbox, "ecs").list_services(cluster="demo")["serviceArns"]

    assert {arn.rsplit("/", 1)[-1] for arn in arns} == set(SERVICES)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_init_writes_a_config_and_pipeline_that_pass_check_and_refuses_a_second_time(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, service: str
) -> None:
    before = snapshot(sandbox)

    run = _init(cli, service, "--forge", "gitlab")

    assert run.code == 0, run.output
    document = json.loads(run.stdout)
    assert document["ok"] and document["technique"] == SERVICES[service]
    assert document["files"] == [str(p) for p in GITLAB]
    assert snapshot(sandbox) == before, "init changes nothing in AWS"
    settings = load_settings(workdir / "ci-ecs.yml", environment="production", env={}, flags={})
    assert settings.image is not None and settings.image.repository == sample.repository
    assert settings.container == (CONTAINERS[service],)
    assert yaml.safe_load((workdir / ".gitlab-ci.yml").read_text())["include"]
    checked = cli("check", "--image", f"{sample.repository}:v2")
    assert checked.code == 0, checked.output
    written = _texts(workdir, GITLAB)

    again = _init(cli, service, "--forge", "gitlab")

    assert again.code == 2, again.output
    assert "ci-ecs.yml, .gitlab-ci.yml already exist" in again.stderr
    assert _texts(workdir, GITLAB) == written

    (workdir / "ci-ecs.yml").write_text("cluster: other\n")
    forced = _init(cli, service, "--forge", "gitlab", "--force")

    assert forced.code == 0, forced.output
    assert _texts(workdir, GITLAB) == written


@pytest.mark.parametrize("service", ["web", "web-ext"])
def test_init_for_github_writes_the_workflows_with_oidc_role_assumption(
    cli: Any, workdir: Path, service: str
) -> None:
    run = cli("init", "--cluster", "demo", "--service", service, "--forge", "github")

    assert run.code == 0, run.output
    deploy = yaml.safe_load((workdir / ".github/workflows/deploy.yml").read_text())
    assert deploy["permissions"]["id-token"] == "write"
    jobs = deploy["jobs"]
    assert set(jobs) == ({"build", "deploy"} if service == "web" else {"build", "canary", "deploy"})
    credentials = jobs["deploy"]["steps"][1]
    assert credentials["uses"].startswith("aws-actions/configure-aws-credentials@")
    assert credentials["with"] == {"role-to-assume": "${{ vars.DEPLOY_ROLE_ARN }}", "aws-region": "us-east-1"}
    assert "DEPLOY_ROLE_ARN" in run.stdout, "says what the user must fill in"
    assert (workdir / ".github/workflows/rollback.yml").is_file()


def test_init_with_a_technique_writes_its_keys(cli: Any, workdir: Path, sample: sandboxes.Sample) -> None:
    run = cli("init", "--cluster", "demo", "--service", "web", "--technique", "task", "--forge", "none")

    assert run.code == 0, run.output
    settings = load_settings(workdir / "ci-ecs.yml", environment=None, env={}, flags={})
    assert (settings.strategy, settings.canary.mode) == ("rolling", "task")
    assert not (workdir / ".gitlab-ci.yml").exists()
    assert cli("canary-deploy", "--image", f"{sample.repository}:v2").code == 0


def test_init_to_another_config_path_names_it_in_the_pipeline(cli: Any, workdir: Path) -> None:
    run = cli("-c", "deploy/ecs.yml", "init", "--cluster", "demo", "--service", "web", "--forge", "gitlab")

    assert run.code == 0, run.output
    include = yaml.safe_load((workdir / ".gitlab-ci.yml").read_text())["include"][0]
    assert include["inputs"]["config"] == "deploy/ecs.yml"
    assert (workdir / "deploy" / "ecs.yml").is_file()


def test_a_technique_the_service_cannot_run_is_exit_2_and_nothing_is_written(cli: Any, workdir: Path) -> None:
    run = cli("init", "--cluster", "demo", "--service", "web", "--technique", "taskset", "--forge", "gitlab")

    assert run.code == 2, run.output
    assert "EXTERNAL deployment controller" in run.stderr
    assert list(workdir.iterdir()) == []


def test_a_missing_service_is_exit_3_and_nothing_is_written(cli: Any, workdir: Path) -> None:
    run = cli("init", "--cluster", "demo", "--service", "nope", "--forge", "gitlab")

    assert run.code == 3, run.output
    assert "nope" in run.stderr
    assert list(workdir.iterdir()) == []


def test_without_forge_or_remote_it_asks_for_forge(cli: Any, workdir: Path) -> None:
    run = cli("init", "--cluster", "demo", "--service", "web")

    assert run.code == 2, run.output
    assert "--forge" in run.stderr
    assert list(workdir.iterdir()) == []


def test_in_a_gitlab_job_the_forge_is_gitlab(cli: Any, workdir: Path) -> None:
    run = cli("init", "--cluster", "demo", "--service", "web", env={"GITLAB_CI": "true"})

    assert run.code == 0, run.output
    assert (workdir / ".gitlab-ci.yml").is_file()


def test_a_missing_prerequisite_is_written_anyway_exit_3_listing_it(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path
) -> None:
    client(sandbox, "logs").delete_log_group(logGroupName="/ecs/web")

    run = cli("init", "--cluster", "demo", "--service", "web", "--forge", "gitlab")

    assert run.code == 3, run.output
    assert "✗ log groups: " in run.stdout
    todo = run.stdout.split("still to do:", 1)[1]
    assert "log groups: " in todo and "AWS_ACCESS_KEY_ID" in todo
    assert "fix them, then run `ci-ecs check`" in run.stderr
    assert (workdir / "ci-ecs.yml").is_file() and (workdir / ".gitlab-ci.yml").is_file()


def test_codedeploy_names_the_deployment_group_that_deploys_the_service(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    codedeploy = client(sandbox, "codedeploy")
    codedeploy.create_application(applicationName="shop", computePlatform="ECS")
    codedeploy.create_deployment_group(
        applicationName="shop",
        deploymentGroupName="shop-web",
        deploymentConfigName="CodeDeployDefault.ECSCanary10Percent5Minutes",
        serviceRoleArn=sample.codedeploy_role_arn,
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": 5,
            },
            "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        },
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        ecsServices=[{"serviceName": "web-bg", "clusterName": "demo"}],
        loadBalancerInfo={
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "web-bg-blue"}, {"name": "web-bg-green"}],
                    "prodTrafficRoute": {"listenerArns": [sample.production_listener_arn]},
                    "testTrafficRoute": {"listenerArns": [sample.test_listener_arn]},
                }
            ]
        },
    )

    run = cli("init", "--cluster", "demo", "--service", "web-bg", "--forge", "none")

    assert run.code == 0, run.output
    cfg = load_settings(workdir / "ci-ecs.yml", environment=None, env={}, flags={}).codedeploy
    assert (cfg.application, cfg.deployment_group) == ("shop", "shop-web")
    assert cfg.config == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    assert cfg.target_groups == () and cfg.service_role is None


def test_a_task_set_service_without_a_weighted_rule_is_exit_3_and_nothing_is_written(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    primary = [{"TargetGroupArn": sample.primary_target_group_arn, "Weight": 100}]
    client(sandbox, "elbv2").modify_rule(
        RuleArn=sample.listener_rule_arn,
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": primary}}],
    )

    run = cli("init", "--cluster", "demo", "--service", "web-ext", "--forge", "gitlab")

    assert run.code == 3, run.output
    assert "canary.target_group: no single target group is forwarded to beside" in run.stderr
    assert list(workdir.iterdir()) == []
