"""CodeDeploy blue/green (strategy codedeploy) against the sandbox, checked with the real aws CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import aws_executable, aws_json, clean_env, client, run_process
from tests.integration.test_forge_reporting import rollback_remembered_by_github

CONFIG = "ci-ecs-codedeploy.yml"


@pytest.fixture
def bg_cli(cli: Any) -> Any:
    """ci-ecs with the sandbox's CodeDeploy configuration (service web-bg)."""
    return lambda *args, **kw: cli("--config", CONFIG, *args, **kw)


class Aws:
    """The real aws CLI on the sandbox, with the names of the CodeDeploy setup from the written config."""

    def __init__(self, sandbox: sandboxes.Sandbox, workdir: Path) -> None:
        self.sandbox, self.workdir = sandbox, workdir
        config = yaml.safe_load((workdir / CONFIG).read_text(encoding="utf-8"))
        self.cluster, self.service = config["cluster"], config["service"]
        codedeploy = config.get("codedeploy") or {}
        self.application = codedeploy.get("application") or f"AppECS-{self.cluster}-{self.service}"
        self.group = codedeploy.get("deployment_group") or f"DgpECS-{self.cluster}-{self.service}"
        self.production_listener, self.test_listener = (
            codedeploy["production_listener"],
            codedeploy["test_listener"],
        )

    def __call__(self, *args: str) -> Any:
        return aws_json(self.sandbox, self.workdir, *args)

    def deployments(self) -> list[dict[str, Any]]:
        """Every deployment of the group, oldest first."""
        ids = self(
            "deploy",
            "list-deployments",
            "--application-name",
            self.application,
            "--deployment-group-name",
            self.group,
        )["deployments"]
        found = [self("deploy", "get-deployment", "--deployment-id", i)["deploymentInfo"] for i in ids]
        return sorted(found, key=lambda d: d["createTime"])

    def forwards(self, listener: str) -> dict[str, int]:
        """Target group name → percent of a listener's forwarded traffic (groups at 0 left out)."""
        (found,) = self("elbv2", "describe-listeners", "--listener-arns", listener)["Listeners"]
        action = found["DefaultActions"][0]
        groups = action.get("ForwardConfig", {}).get("TargetGroups") or [
            {"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}
        ]
        total = sum(g.get("Weight", 1) for g in groups)
        return {
            g["TargetGroupArn"].split("/")[-2]: 100 * g.get("Weight", 1) // total
            for g in groups
            if g.get("Weight", 1)
        }

    def production(self) -> dict[str, int]:
        return self.forwards(self.production_listener)

    def service_state(self) -> dict[str, Any]:
        (found,) = self(
            "ecs",
            "describe-services",
            "--cluster",
            self.cluster,
            "--services",
            self.service,
            "--include",
            "TAGS",
        )["services"]
        return dict(found)

    def task_sets(self) -> dict[str, tuple[str, str]]:
        """Status → (task definition short name, target group name) of the service's task sets."""
        return {
            t["status"]: (
                t["taskDefinition"].split("/")[-1],
                t["loadBalancers"][0]["targetGroupArn"].split("/")[-2],
            )
            for t in self.service_state().get("taskSets", [])
        }

    def tags(self) -> dict[str, str]:
        return {t["key"]: t["value"] for t in self.service_state().get("tags", [])}


@pytest.fixture
def aws(sandbox: sandboxes.Sandbox, workdir: Path) -> Aws:
    return Aws(sandbox, workdir)


def test_canary_waits_at_ready_on_the_test_listener_then_deploy_shifts_production_to_it(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    blue_revision, blue_group = aws.task_sets()["PRIMARY"]
    production_before = aws.production()

    canary = bg_cli("canary-deploy", "--image", f"{sample.repository}:v2")

    assert canary.code == 0, canary.output
    (deployment,) = aws.deployments()
    assert deployment["status"] == "Ready"
    assert aws.production() == production_before == {blue_group: 100}
    green_revision, green_group = aws.task_sets()["ACTIVE"]
    assert green_revision != blue_revision and green_group != blue_group
    assert aws.forwards(aws.test_listener) == {green_group: 100}
    assert aws.tags()["ci-ecs:codedeploy-deployment"] == deployment["deploymentId"]
    assert "Ready" in canary.output and deployment["deploymentId"] in canary.output
    status = bg_cli("status")
    assert (
        f"codedeploy     {deployment['deploymentId']} of v2 is Ready, 0% of production traffic"
        in status.output
    )

    deploy = bg_cli("deploy", "--image", f"{sample.repository}:v2")

    assert deploy.code == 0, deploy.output
    (same,) = aws.deployments()  # the canary's deployment was continued: no second one
    assert same["deploymentId"] == deployment["deploymentId"]
    assert same["status"] == "Succeeded" or same.get("instanceTerminationWaitTimeStarted")
    assert aws.production() == {green_group: 100}
    assert aws.task_sets()["PRIMARY"] == (green_revision, green_group)
    tags = aws.tags()
    assert tags["ci-ecs:version"] == "v2" and tags["ci-ecs:technique"] == "codedeploy"
    assert tags["ci-ecs:task-definition"].endswith(green_revision)
    assert tags["ci-ecs:previous-task-definition"].endswith(blue_revision)
    assert not [k for k in tags if k.startswith("ci-ecs:codedeploy-")]
    assert "AllowTraffic" in deploy.output and "green" in deploy.output


def test_rollback_of_a_waiting_canary_stops_it_and_a_second_rollback_changes_nothing(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    blue = aws.task_sets()["PRIMARY"]
    production_before = aws.production()
    assert bg_cli("canary-deploy", "--image", f"{sample.repository}:v2").code == 0

    rollback = bg_cli("rollback")

    assert rollback.code == 0, rollback.output
    sandbox.wait_idle()
    stopped = [d for d in aws.deployments() if d["status"] == "Stopped"]
    assert len(stopped) == 1 and stopped[0]["rollbackInfo"]["rollbackDeploymentId"]
    assert all(d["status"] in ("Stopped", "Succeeded") for d in aws.deployments())
    assert aws.production() == production_before
    assert aws.task_sets() == {"PRIMARY": blue}
    tags = aws.tags()
    assert tags["ci-ecs:rolled-back-from"] == "v2"
    assert not [k for k in tags if k.startswith("ci-ecs:codedeploy-")]
    count = len(aws.deployments())

    again = bg_cli("rollback")

    assert again.code == 0, again.output
    assert "nothing to roll back" in again.output
    assert "nothing was rolled back" in again.output and "rollback succeeded" not in again.output
    assert len(aws.deployments()) == count


def _settle(sandbox: sandboxes.Sandbox, aws: Aws, timeout: float = 60) -> None:
    """Wait until no deployment of the group is under way (blue terminated, rollbacks done) and tasks stop."""
    codedeploy = client(sandbox, "codedeploy")
    deadline = time.monotonic() + timeout
    while codedeploy.list_deployments(
        applicationName=aws.application,
        deploymentGroupName=aws.group,
        includeOnlyStatuses=["Created", "Queued", "InProgress", "Ready"],
    )["deployments"]:
        assert time.monotonic() < deadline, "a CodeDeploy deployment is still under way"
        time.sleep(0.1)
    sandbox.wait_idle()


def test_rollback_after_a_finished_deploy_deploys_the_previous_revision_again(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    blue_revision, _ = aws.task_sets()["PRIMARY"]
    assert bg_cli("deploy", "--image", f"{sample.repository}:v2").code == 0
    _settle(sandbox, aws)
    assert [d["status"] for d in aws.deployments()] == ["Succeeded"]
    assert aws.task_sets()["PRIMARY"][0] != blue_revision

    rollback = bg_cli("rollback")

    assert rollback.code == 0, rollback.output
    _settle(sandbox, aws)
    assert [d["status"] for d in aws.deployments()] == ["Succeeded", "Succeeded"]
    primary_revision, primary_group = aws.task_sets()["PRIMARY"]
    assert primary_revision == blue_revision
    assert aws.production() == {primary_group: 100}
    tags = aws.tags()
    assert (tags["ci-ecs:version"], tags["ci-ecs:rolled-back-from"]) == ("v1", "v2")
    assert tags["ci-ecs:task-definition"].endswith(blue_revision)

    again = bg_cli("rollback")

    assert again.code == 0 and "nothing to roll back" in again.output, again.output
    assert len(aws.deployments()) == 2


def test_rollback_in_the_termination_wait_stops_the_deployment_and_reroutes_to_the_original(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    blue_revision, blue_group = aws.task_sets()["PRIMARY"]
    # The group ci-ecs creates keeps the original task set for an hour (30 s of sandbox time).
    deploy = bg_cli(
        "deploy", "--image", f"{sample.repository}:v2", env={"CI_ECS_CODEDEPLOY_TERMINATION_WAIT": "3600"}
    )
    assert deploy.code == 0, deploy.output
    (waiting,) = aws.deployments()
    assert waiting["status"] == "InProgress" and waiting["instanceTerminationWaitTimeStarted"]
    assert blue_group not in aws.production()

    rollback = bg_cli("rollback")

    assert rollback.code == 0, rollback.output
    _settle(sandbox, aws)
    stopped, rolled_back = aws.deployments()
    assert stopped["deploymentId"] == waiting["deploymentId"] and stopped["status"] == "Stopped"
    assert rolled_back["deploymentId"] == stopped["rollbackInfo"]["rollbackDeploymentId"]
    assert rolled_back["status"] == "Succeeded"
    assert aws.production() == {blue_group: 100}
    assert aws.task_sets() == {"PRIMARY": (blue_revision, blue_group)}
    tags = aws.tags()
    assert (tags["ci-ecs:version"], tags["ci-ecs:rolled-back-from"]) == ("v1", "v2")


def test_an_unhealthy_replacement_fails_deploy_with_exit_1_and_production_stays_on_blue(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    blue = aws.task_sets()["PRIMARY"]
    production_before = aws.production()

    deploy = bg_cli("deploy", "--image", f"{sample.repository}:v2-unhealthy")

    assert deploy.code == 1, deploy.output
    sandbox.wait_idle()
    (failed, *_) = aws.deployments()
    assert failed["status"] == "Failed"
    assert failed["errorInformation"]["code"] in deploy.output
    assert aws.production() == production_before
    assert aws.task_sets() == {"PRIMARY": blue}
    assert "ci-ecs:codedeploy-deployment" not in aws.tags()


def test_dry_run_prints_the_plan_and_creates_no_deployment(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample
) -> None:
    before = aws.task_sets()

    run = bg_cli("--dry-run", "canary-deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    assert "would create the deployment" in run.output
    assert aws.task_sets() == before
    assert [d for d in _deployments_or_none(aws)] == []


def _deployments_or_none(aws: Aws) -> list[dict[str, Any]]:
    """The group's deployments; none when the sandbox has no group yet (ci-ecs creates it)."""
    done = run_process(
        [
            aws_executable(),
            "--endpoint-url",
            aws.sandbox.endpoint,
            "deploy",
            "list-deployments",
            "--application-name",
            aws.application,
            "--deployment-group-name",
            aws.group,
        ],
        clean_env(aws.sandbox),
        aws.workdir,
    )
    return json.loads(done.stdout)["deployments"] if done.code == 0 else []


def test_deploying_the_live_version_again_starts_no_deployment(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    assert bg_cli("deploy", "--image", f"{sample.repository}:v2").code == 0
    _settle(sandbox, aws)

    again = bg_cli("deploy", "--image", f"{sample.repository}:v2")

    assert again.code == 0, again.output
    assert "nothing to deploy" in again.output
    assert len(aws.deployments()) == 1
    assert aws.tags()["ci-ecs:version"] == "v2"


def test_a_timeout_stops_the_deployment_with_rollback_and_exits_1(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    blue = aws.task_sets()["PRIMARY"]

    run = bg_cli("canary-deploy", "--image", f"{sample.repository}:v2-slow", "--timeout", "0.3")

    assert run.code == 1, run.output
    assert "timed out" in run.output
    _settle(sandbox, aws)
    assert aws.deployments()[0]["status"] == "Stopped"
    assert aws.production() == {blue[1]: 100}
    assert aws.task_sets() == {"PRIMARY": blue}
    assert not [k for k in aws.tags() if k.startswith("ci-ecs:codedeploy-")]


def test_a_group_to_create_without_its_service_role_is_exit_2_before_any_change(
    cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox, workdir: Path
) -> None:
    text = (workdir / CONFIG).read_text(encoding="utf-8")
    (workdir / "no-role.yml").write_text(
        "\n".join(line for line in text.splitlines() if "service_role" not in line) + "\n", encoding="utf-8"
    )
    families_before = client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"]

    run = cli("--config", "no-role.yml", "canary-deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 2, run.output
    assert "codedeploy.service_role" in run.output
    assert client(sandbox, "codedeploy").list_applications()["applications"] == []
    assert client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"] == families_before


def test_rollback_without_records_in_aws_deploys_the_forges_previous_successful_deployment(
    bg_cli: Any, aws: Aws, sample: sandboxes.Sample, sandbox: sandboxes.Sandbox
) -> None:
    (blue,) = [t["taskDefinition"] for t in aws.service_state()["taskSets"] if t["status"] == "PRIMARY"]
    assert bg_cli("deploy", "--image", f"{sample.repository}:v2", env={"CI_ECS_FORGE": "none"}).code == 0
    _settle(sandbox, aws)
    rollback = rollback_remembered_by_github(sandbox, aws.service_state()["serviceArn"], blue, bg_cli)

    assert rollback.code == 0, rollback.output
    _settle(sandbox, aws)
    assert [d["status"] for d in aws.deployments()] == ["Succeeded", "Succeeded"]
    primary_revision, primary_group = aws.task_sets()["PRIMARY"]
    assert primary_revision == blue.split("/")[-1]
    assert aws.production() == {primary_group: 100}
    tags = aws.tags()
    assert (tags["ci-ecs:version"], tags["ci-ecs:rolled-back-from"]) == ("v1", "v2")
