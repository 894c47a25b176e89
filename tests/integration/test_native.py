"""ECS's own blue/green, linear and canary deployments (strategy native), read back with the real aws CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.native_sample import NativeSample
from tests.integration.helpers import (
    KILLER,
    aws_json,
    clean_env,
    client,
    kill_at_every_call,
    run_killed,
)
from tests.integration.world import snapshot

TYPES = ("blue-green", "linear", "canary")
# The production share of the new revision where canary-deploy pauses (the sample's canaryPercent 10,
# stepPercent 25); blue/green pauses with the test listener only on the new revision.
AT_THE_PAUSE = {"blue-green": 0, "linear": 25, "canary": 10}


@dataclass(frozen=True)
class Service:
    """One sample native service: its jobs, and its state read with the aws CLI (and boto3 for tasks)."""

    sandbox: sandboxes.Sandbox
    workdir: Path
    native: NativeSample
    cluster: str
    cli: bool = True  # read deployments and rules with the aws CLI (else boto3: the kill tests' many looks)

    def job(
        self, *args: str, tag: str = "", extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ci-ecs ARGS with this service's config (and --image of `tag`)."""
        image = ["--image", f"{self.repository}:{tag}"] if tag else []
        return run_killed(
            self.sandbox, self.workdir, 10**6, "--config", self.native.config, *args, *image, extra=extra
        )

    @property
    def repository(self) -> str:
        return _repository(self.workdir, self.native.config)

    def aws(self, *args: str) -> Any:
        return aws_json(self.sandbox, self.workdir, *args)

    def deployments(self) -> list[dict[str, Any]]:
        """The service's deployments, newest first (aws ecs list- and describe-service-deployments)."""
        if self.cli:
            listed = self.aws(
                "ecs", "list-service-deployments", "--cluster", self.cluster, "--service", self.native.service
            )
        else:
            listed = self.ecs.list_service_deployments(cluster=self.cluster, service=self.native.service)
        arns = [d["serviceDeploymentArn"] for d in listed["serviceDeployments"]][:20]
        if self.cli:
            found = self.aws("ecs", "describe-service-deployments", "--service-deployment-arns", *arns)
        else:
            found = self.ecs.describe_service_deployments(serviceDeploymentArns=arns)
        return sorted(found["serviceDeployments"], key=lambda d: str(d["createdAt"]), reverse=True)

    def weights(self, rule: str) -> dict[str, int]:
        """'blue' / 'green' → the rule's forward weight (aws elbv2 describe-rules)."""
        if self.cli:
            (found,) = self.aws("elbv2", "describe-rules", "--rule-arns", rule)["Rules"]
        else:
            (found,) = client(self.sandbox, "elbv2").describe_rules(RuleArns=[rule])["Rules"]
        groups = found["Actions"][0]["ForwardConfig"]["TargetGroups"]
        names = {self.native.blue_target_group_arn: "blue", self.native.green_target_group_arn: "green"}
        return {names[g["TargetGroupArn"]]: g.get("Weight", 1) for g in groups}

    def production(self) -> dict[str, int]:
        return self.weights(self.native.production_rule_arn)

    def test(self) -> dict[str, int]:
        return self.weights(self.native.test_rule_arn)

    def tags(self) -> dict[str, str]:
        found = self.ecs.list_tags_for_resource(resourceArn=self.service()["serviceArn"])["tags"]
        return {t["key"]: t["value"] for t in found}

    @property
    def ecs(self) -> Any:
        return client(self.sandbox, "ecs")

    def service(self) -> dict[str, Any]:
        found = client(self.sandbox, "ecs").describe_services(
            cluster=self.cluster, services=[self.native.service]
        )
        return dict(found["services"][0])

    def running(self) -> list[str]:
        """The image tags of the service's RUNNING tasks, sorted."""
        ecs, ecr = client(self.sandbox, "ecs"), client(self.sandbox, "ecr")
        tags = {
            i["imageDigest"]: i["imageTags"][0]
            for i in ecr.describe_images(repositoryName="web")["imageDetails"]
        }
        arns = ecs.list_tasks(cluster=self.cluster, serviceName=self.native.service, desiredStatus="RUNNING")[
            "taskArns"
        ]
        tasks = ecs.describe_tasks(cluster=self.cluster, tasks=arns)["tasks"] if arns else []
        images = []
        for task in tasks:
            definition = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])[
                "taskDefinition"
            ]
            image = definition["containerDefinitions"][0]["image"]
            images.append(tags.get(image.rsplit("@", 1)[-1], image.rsplit(":", 1)[-1]))
        return sorted(images)

    def paused(self, deployment: dict[str, Any]) -> bool:
        hooks = deployment.get("lifecycleHookDetails", [])
        return any(h["targetType"] == "PAUSE" and h["status"] == "AWAITING_ACTION" for h in hooks)


def _repository(workdir: Path, config: str) -> str:
    """The image repository a written config names."""
    return str(yaml.safe_load((workdir / config).read_text(encoding="utf-8"))["image"])


def _service(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, kind: str, cli: bool = True
) -> Service:
    native = next(n for n in sample.native if n.native_type == kind)
    return Service(sandbox, workdir, native, sample.cluster, cli)


def _serving_only(service: Service, version: str, group: str) -> None:
    """All production traffic on `group`, and only `version` running (once the sandbox is idle)."""
    service.sandbox.wait_idle()
    assert service.production()[group] == 100
    assert set(service.running()) == {version}, service.running()


def _failed_and_rolled_back(service: Service, run: subprocess.CompletedProcess[str], reason: str) -> None:
    """Exit 1 naming `reason`; ECS rolled the deployment back and v1 serves all traffic alone."""
    assert run.returncode == 1, run.stdout + run.stderr
    assert reason in run.stderr
    assert service.deployments()[0]["status"] == "ROLLBACK_SUCCESSFUL"
    _serving_only(service, "v1", "blue")


@pytest.mark.parametrize("kind", TYPES)
def test_canary_deploy_pauses_deploy_finishes_and_rollback_returns_the_previous_version(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, kind: str
) -> None:
    service = _service(sandbox, sample, workdir, kind)
    share = AT_THE_PAUSE[kind]

    canary = service.job("canary-deploy", tag="v2")

    assert canary.returncode == 0, canary.stderr
    assert "paused for verification" in canary.stdout
    assert f"production {share}% / test 100% on the new revision" in canary.stdout
    assert "test listener: http://" in canary.stdout
    paused = service.deployments()[0]
    assert paused["status"] == "IN_PROGRESS" and service.paused(paused)
    assert service.production() == {"blue": 100 - share, "green": share}
    assert service.test() == {"blue": 0, "green": 100}
    assert service.tags()["ci-ecs:native-version"] == "v2"
    shown = service.job("status").stdout
    assert "live version   v1" in shown  # the new revision is the service's at once; v1 serves
    assert f"production {share}% / test 100% new, paused for verification (ci-ecs)" in shown

    deployed = service.job("deploy", tag="v2")

    assert deployed.returncode == 0, deployed.stderr
    done = service.deployments()[0]
    assert done["serviceDeploymentArn"] == paused["serviceDeploymentArn"]
    assert done["status"] == "SUCCESSFUL"
    _serving_only(service, "v2", "green")
    tags = service.tags()
    assert (tags["ci-ecs:version"], tags["ci-ecs:previous-version"]) == ("v2", "v1")
    assert not [key for key in tags if key.startswith("ci-ecs:native-")]

    rolled_back = service.job("rollback")

    assert rolled_back.returncode == 0, rolled_back.stderr
    assert service.deployments()[0]["status"] == "SUCCESSFUL"
    _serving_only(service, "v1", "blue")
    assert service.tags()["ci-ecs:version"] == "v1"


@pytest.mark.parametrize("kind", TYPES)
def test_rollback_at_the_pause_returns_traffic_and_tasks_to_the_old_revision(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, kind: str
) -> None:
    service = _service(sandbox, sample, workdir, kind)
    assert service.job("canary-deploy", tag="v2").returncode == 0

    rolled_back = service.job("rollback")

    assert rolled_back.returncode == 0, rolled_back.stderr
    assert "ROLLBACK_SUCCESSFUL" in rolled_back.stdout
    assert service.deployments()[0]["status"] == "ROLLBACK_SUCCESSFUL"
    _serving_only(service, "v1", "blue")
    assert not [key for key in service.tags() if key.startswith("ci-ecs:native-")]


@pytest.mark.parametrize(
    ("kind", "tag", "reason"),
    [
        ("linear", "v2-crash", "Essential container in task exited"),
        ("blue-green", "v2-unhealthy", "health checks"),
    ],
)
def test_a_release_that_fails_is_rolled_back_by_ecs_and_the_job_says_why(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, kind: str, tag: str, reason: str
) -> None:
    service = _service(sandbox, sample, workdir, kind)

    deployed = service.job("deploy", tag=tag)

    _failed_and_rolled_back(service, deployed, reason)


def test_an_alarm_during_the_bake_rolls_the_deployment_back_and_fails_the_job(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    service = _service(sandbox, sample, workdir, "canary")
    config = workdir / service.native.config
    # A long bake (ci-ecs may change the service's) leaves time to set the alarm while it lasts.
    config.write_text(config.read_text().replace("bake_minutes: 2", "bake_minutes: 60\n  configure: true"))
    ecs = client(sandbox, "ecs")
    job = subprocess.Popen(  # the job runs while the test sets the alarm
        [
            sys.executable,
            KILLER,
            str(10**6),
            "--config",
            config.name,
            "deploy",
            "--image",
            f"{service.repository}:v2",
        ],
        env=clean_env(sandbox),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        arn = ecs.describe_services(cluster=sample.cluster, services=[service.native.service])["services"][
            0
        ].get("currentServiceDeployment", "")
        found = (
            ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"] if arn else []
        )
        if found and found[0].get("lifecycleStage") == "BAKE_TIME" and found[0]["status"] == "IN_PROGRESS":
            break
        time.sleep(0.05)
    else:
        job.kill()
        pytest.fail("the deployment never reached BAKE_TIME")
    client(sandbox, "cloudwatch").set_alarm_state(
        AlarmName=service.native.alarm, StateValue="ALARM", StateReason="5xx above 1% (test)"
    )

    stdout, stderr = job.communicate(timeout=120)

    _failed_and_rolled_back(
        service, subprocess.CompletedProcess(job.args, job.returncode, stdout, stderr), service.native.alarm
    )


def test_a_failing_lambda_hook_of_the_service_rolls_back_and_fails_the_job(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    service = _service(sandbox, sample, workdir, "linear")
    ecs = client(sandbox, "ecs")
    configuration = service.service()["deploymentConfiguration"]
    hook = {
        "targetType": "AWS_LAMBDA",
        "hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:smoke-test-fail",
        "roleArn": "arn:aws:iam::123456789012:role/ecs-hooks",
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
    }
    # The service's own hook, set where the service is defined (infrastructure code): ci-ecs keeps it.
    ecs.update_service(
        cluster=sample.cluster,
        service=service.native.service,
        deploymentConfiguration={**configuration, "lifecycleHooks": [hook]},
    )
    sandbox.wait_idle()

    deployed = service.job("deploy", tag="v2")

    assert deployed.returncode == 1, deployed.stdout + deployed.stderr
    assert "ROLLBACK_SUCCESSFUL" in deployed.stderr
    assert "smoke-test-fail" in deployed.stdout + deployed.stderr
    assert service.service()["deploymentConfiguration"]["lifecycleHooks"] == [hook]
    _serving_only(service, "v1", "blue")


def test_deploy_after_ecs_rolled_the_canary_back_fails_once_with_its_reason(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    service = _service(sandbox, sample, workdir, "blue-green")
    assert service.job("canary-deploy", tag="v2").returncode == 0
    client(sandbox, "cloudwatch").set_alarm_state(
        AlarmName=service.native.alarm, StateValue="ALARM", StateReason="5xx above 1% (test)"
    )
    deadline = time.monotonic() + 60
    while service.deployments()[0]["status"] != "ROLLBACK_SUCCESSFUL":
        assert time.monotonic() < deadline, "ECS never rolled the canary back"
        time.sleep(0.1)

    refused = service.job("deploy", tag="v2")

    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "did not pass" in refused.stderr and service.native.alarm in refused.stderr
    _serving_only(service, "v1", "blue")
    assert not [key for key in service.tags() if key.startswith("ci-ecs:native-")]


def _judge(sandbox: sandboxes.Sandbox, workdir: Path, kind: str) -> Any:
    """What a killed job's re-run or rollback must end in: traffic, tasks, a pause, pending tags."""

    def judge(sample: sandboxes.Sample) -> Any:
        service = _service(sandbox, sample, workdir, kind, cli=False)
        sandbox.wait_idle()
        current = service.deployments()[0]
        pending = sorted(k for k in service.tags() if k.startswith("ci-ecs:native-"))
        return (service.production(), service.test(), service.running(), service.paused(current), pending)

    return judge


def _args(sample: sandboxes.Sample, workdir: Path, kind: str, *args: str, tag: str = "") -> tuple[str, ...]:
    """ci-ecs ARGS for the sample's `kind` service (--output json, as the kill helper reads it)."""
    config = next(n for n in sample.native if n.native_type == kind).config
    image = ("--image", f"{_repository(workdir, config)}:{tag}") if tag else ()
    return ("--config", config, "--output", "json", *args, *image)


@pytest.mark.parametrize(("command", "kind"), [("canary-deploy", "linear"), ("deploy", "blue-green")])
def test_a_killed_job_is_finished_by_a_rerun_or_undone_by_rollback(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, command: str, kind: str
) -> None:
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        _args(sample, workdir, kind, command, tag="v2"),
        _args(sample, workdir, kind, "rollback"),
        _judge(sandbox, workdir, kind),
        after_writes_only=True,
    )


def test_a_killed_rollback_of_a_paused_canary_is_finished_by_a_rerun(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    def canary() -> None:
        done = run_killed(
            sandbox, workdir, 10**6, *_args(sample, workdir, "canary", "canary-deploy", tag="v2")
        )
        assert done.returncode == 0, done.stderr

    rollback = _args(sample, workdir, "canary", "rollback")
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        rollback,
        rollback,
        _judge(sandbox, workdir, "canary"),
        thens=("rerun",),
        prepare=canary,
        after_writes_only=True,
    )


def test_a_setting_that_differs_from_the_service_is_exit_3_naming_it_and_changes_nothing(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    service = _service(sandbox, sample, workdir, "linear")
    config = workdir / service.native.config
    config.write_text(config.read_text().replace("step_percent: 25", "step_percent: 50"))
    before, configuration = snapshot(sandbox), service.service()["deploymentConfiguration"]

    run = service.job("canary-deploy", tag="v2")

    assert run.returncode == 3, run.stdout + run.stderr
    assert "native.step_percent: the service has 25, the config says 50" in run.stderr
    assert "native.configure: true" in run.stderr
    assert snapshot(sandbox) == before
    assert service.service()["deploymentConfiguration"] == configuration


def test_native_on_a_rolling_service_is_exit_3_naming_native_type(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    service = _service(sandbox, sample, workdir, "linear")
    config = workdir / service.native.config
    config.write_text(
        config.read_text().replace(f"service: {service.native.service}", f"service: {sample.service}")
    )
    before = snapshot(sandbox)

    run = service.job("deploy", tag="v2")

    assert run.returncode == 3, run.stdout + run.stderr
    assert "native.type: the service has rolling (ECS's default), the config says linear" in run.stderr
    assert snapshot(sandbox) == before


def test_a_cancelled_canary_deploy_rolls_its_deployment_back_and_exits_143(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    service = _service(sandbox, sample, workdir, "canary")
    log = workdir / "calls.log"
    whole = run_killed(
        sandbox,
        workdir,
        10**6,
        *_args(sample, workdir, "canary", "canary-deploy", tag="v2"),
        extra={"CI_ECS_TEST_CALL_LOG": str(log)},
    )
    assert whole.returncode == 0, whole.stderr
    calls = log.read_text(encoding="utf-8").split()
    # SIGTERM while it follows the deployment it started: after the first poll past UpdateService.
    limit = calls.index("ecs.DescribeServiceDeployments", calls.index("ecs.UpdateService")) + 1
    fresh = sandbox.reset(seed=True)
    assert fresh is not None
    sandbox.write_config(workdir)
    service = _service(sandbox, fresh, workdir, "canary")

    run = run_killed(
        sandbox, workdir, limit, *_args(fresh, workdir, "canary", "canary-deploy", tag="v2"), signal="TERM"
    )

    assert run.returncode == 143, run.stdout + run.stderr
    assert service.deployments()[0]["status"] == "ROLLBACK_SUCCESSFUL"
    _serving_only(service, "v1", "blue")
    assert not [key for key in service.tags() if key.startswith("ci-ecs:native-")]
