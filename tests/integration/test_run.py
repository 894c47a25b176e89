"""`ci-ecs run -- COMMAND…`: a one-off task of the release, followed to its exit code, stopped on cancel."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import aws_json, client, run_killed

MIGRATION = ["INFO running migrations…", "INFO migrated 3 tables"]


def _tasks(sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample) -> list[dict[str, Any]]:
    """The cluster's one-off tasks (running or stopped), as the aws CLI describes them."""
    ecs = ("ecs", "--region", sample.region)
    arns: list[str] = []
    for status in ("RUNNING", "STOPPED"):
        found = aws_json(
            sandbox, workdir, *ecs, "list-tasks", "--cluster", sample.cluster, "--desired-status", status
        )
        arns += found["taskArns"]
    if not arns:
        return []
    described = aws_json(
        sandbox, workdir, *ecs, "describe-tasks", "--cluster", sample.cluster, "--tasks", *arns
    )
    return [t for t in described["tasks"] if str(t.get("startedBy", "")).startswith("ci-ecs-run")]


def _stopped(sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample) -> dict[str, Any]:
    """The one one-off task, once the simulator has taken it to STOPPED, as the aws CLI describes it."""
    ecs = client(sandbox, "ecs")
    for _ in range(600):  # the simulator's clock runs on its own: a stopping task stops within a few ticks
        arns = ecs.list_tasks(cluster=sample.cluster, desiredStatus="STOPPED")["taskArns"]
        if arns and all(
            t["lastStatus"] == "STOPPED"
            for t in ecs.describe_tasks(cluster=sample.cluster, tasks=arns)["tasks"]
        ):
            break
        time.sleep(0.05)
    found = _tasks(sandbox, workdir, sample)
    assert len(found) == 1, found
    assert found[0]["lastStatus"] == "STOPPED", found[0]
    return found[0]


def test_a_command_that_exits_0_exits_0_with_its_state_changes_and_log_lines(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    # It runs 3 s of sandbox time: the wait's polls (every 0.5 s at most) see it RUNNING.
    command = ("sh", "-c", "sleep 3; ./manage.py migrate --noinput")
    run = cli("run", "--image", f"{sample.repository}:v2", "--", *command)

    assert run.code == 0, run.output
    states = re.findall(r"task [0-9a-f-]+: ([A-Z]+)$", run.stdout, flags=re.M)
    lifecycle = [
        "PROVISIONING",
        "PENDING",
        "RUNNING",
        "DEACTIVATING",
        "STOPPING",
        "DEPROVISIONING",
        "STOPPED",
    ]
    assert "RUNNING" in states and states[-1] == "STOPPED", states
    assert states == sorted(set(states), key=lifecycle.index), states  # each once, in the lifecycle's order
    assert "INFO v2: running sh -c sleep 3; ./manage.py migrate --noinput" in run.stdout
    for line in MIGRATION:
        assert line in run.stdout
    assert "run succeeded: `sh -c sleep 3; ./manage.py migrate --noinput` exited 0" in run.stdout
    task = _stopped(sandbox, workdir, sample)
    assert task["overrides"]["containerOverrides"] == [{"name": "web", "command": list(command)}]
    assert task["launchType"] == "FARGATE"
    assert task["containers"][0]["exitCode"] == 0


def test_a_failing_image_exits_1_showing_exit_code_3_and_its_log_lines(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    run = cli("run", "--image", f"{sample.repository}:v2-exit3", "--", "migrate")

    assert run.code == 1, run.output
    assert "exited with exit code 3 in container web" in run.output
    assert "Essential container in task exited" in run.output
    for line in (
        "INFO running migrations…",
        'ERROR relation "orders" does not exist',
        "ERROR exited with code 3",
    ):
        assert line in run.output
    assert _stopped(sandbox, workdir, sample)["containers"][0]["exitCode"] == 3


def test_the_exit_code_can_come_from_the_command_and_json_output_records_the_run(
    cli: Any, sample: sandboxes.Sample
) -> None:
    run = cli("--output", "json", "run", "--image", f"{sample.repository}:v2", "--", "sh", "-c", "exit 7")

    assert run.code == 1, run.output
    record = json.loads(run.stdout)
    assert record["status"] == "failed"
    assert record["exit_code"] == 7
    assert record["run"] == ["sh", "-c", "exit 7"]
    assert record["version"] == "v2"
    assert record["task"].startswith("arn:aws:ecs:")
    assert record["api_calls"]["ecs:RunTask"] == 1


def test_a_sigterm_during_the_wait_stops_the_task(
    sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    job = ("run", "--image", f"{sample.repository}:v2", "--", "sh", "-c", "sleep 600; migrate")
    log = workdir / "calls.log"
    timed_out = run_killed(
        sandbox, workdir, 10**6, *job, extra={"CI_ECS_TEST_CALL_LOG": str(log), "CI_ECS_WAIT_TIMEOUT": "1s"}
    )
    assert timed_out.returncode == 1, timed_out.stderr
    calls = log.read_text(encoding="utf-8").split()
    # Right after the wait's first DescribeTasks: the task is started and far from done (it sleeps 600 s).
    first_wait = calls.index("ecs.DescribeTasks", calls.index("ecs.RunTask")) + 1
    sandbox.reset(seed=True)
    sandbox.write_config(workdir)

    cancelled = run_killed(sandbox, workdir, first_wait, *job, signal="TERM")

    assert cancelled.returncode == 143, cancelled.stdout + cancelled.stderr
    assert "cancelled by SIGTERM" in cancelled.stdout + cancelled.stderr
    task = _stopped(sandbox, workdir, sample)
    assert task["stoppedReason"] == "ci-ecs run cancelled by SIGTERM"
    assert task["stopCode"] == "UserInitiated"


def test_a_timeout_stops_the_task_and_exits_1(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    run = cli("run", "--timeout", "1s", "--image", f"{sample.repository}:v2", "--", "sleep", "600")

    assert run.code == 1, run.output
    assert "timed out after 1s" in run.output
    task = _stopped(sandbox, workdir, sample)
    assert task["stoppedReason"].startswith("ci-ecs run timed out after 1s")


def test_no_wait_prints_the_task_and_exits_0_once_it_is_started(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    run = cli("run", "--no-wait", "--image", f"{sample.repository}:v2", "--", "sleep", "600")

    assert run.code == 0, run.output
    tasks = _tasks(sandbox, workdir, sample)
    assert len(tasks) == 1
    assert f"run started: {tasks[0]['taskArn']}" in run.stdout
    assert tasks[0]["desiredStatus"] == "RUNNING"


def test_bad_input_exits_2_naming_the_fix_and_starts_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    families = client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"]
    image = ("--image", f"{sample.repository}:v2")
    for args, said in (
        (("run", *image), "give it after --"),
        (("run", *image, "--", " "), "give it after --"),
        (("run", "--timeout", "soon", *image, "--", "migrate"), "wait.timeout"),
        (("run", "--container", "nope", *image, "--", "migrate"), "container: 'nope' is not in"),
    ):
        run = cli(*args)
        assert run.code == 2, run.output
        assert said in run.output
    assert _tasks(sandbox, workdir, sample) == []
    assert client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"] == families


def test_the_following_deploy_reuses_the_revision_the_run_registered(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    image = ("--image", f"{sample.repository}:v2")
    ran = cli("--output", "json", "run", *image, "--", "migrate")
    assert ran.code == 0, ran.output

    deployed = cli("--output", "json", "deploy", *image)

    assert deployed.code == 0, deployed.output
    revision = json.loads(ran.stdout)["task_definition"]
    assert "already registered for this version" in deployed.output
    service = client(sandbox, "ecs").describe_services(cluster=sample.cluster, services=[sample.service])
    assert service["services"][0]["taskDefinition"] in (revision, revision.rsplit("/", 1)[-1])


def test_a_dry_run_says_what_it_would_run_and_starts_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    families = client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"]

    run = cli("run", "--dry-run", "--image", f"{sample.repository}:v2", "--", "migrate")

    assert run.code == 0, run.output
    assert "would run `migrate` in container web of web" in run.stdout
    assert _tasks(sandbox, workdir, sample) == []
    assert client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"] == families


def test_with_strategy_switch_the_task_is_the_live_versions(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    ecs = client(sandbox, "ecs")
    run = cli("--config", "ci-ecs-switch.yml", "run", "--image", f"{sample.repository}:v2", "--", "migrate")

    assert run.code == 0, run.output
    task = _stopped(sandbox, workdir, sample)
    live = task["group"].split(":")[1]
    assert live != "web-sw" and f"{live} is live" in run.stdout
    service = ecs.describe_services(cluster=sample.cluster, services=[live])["services"][0]
    family = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"][
        "family"
    ]
    assert task["taskDefinitionArn"].rsplit("/", 1)[1].rsplit(":", 1)[0] == family


@pytest.mark.parametrize("config", ["ci-ecs-taskset.yml", "ci-ecs-codedeploy.yml"])
def test_a_service_of_task_sets_runs_the_task_as_its_primary_task_set_launches(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample, config: str
) -> None:
    run = cli("--config", config, "run", "--image", f"{sample.repository}:v2", "--", "migrate")

    assert run.code == 0, run.output
    task = _stopped(sandbox, workdir, sample)
    service = aws_json(
        sandbox,
        workdir,
        "ecs",
        "describe-services",
        "--cluster",
        sample.cluster,
        "--services",
        task["group"].split(":")[1],
    )["services"][0]
    (primary,) = [t for t in service["taskSets"] if t["status"] == "PRIMARY"]
    assert task["launchType"] == primary["launchType"] == "FARGATE"
    assert task["platformVersion"] == primary["platformVersion"]
    subnets = primary["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    assert any(a["type"] == "ElasticNetworkInterface" for a in task["attachments"])
    details = {d["name"]: d["value"] for a in task["attachments"] for d in a["details"]}
    assert details["subnetId"] in subnets


def test_with_services_the_task_is_the_named_service_s_and_an_unknown_name_starts_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, workdir: Path, sample: sandboxes.Sample
) -> None:
    several = ("--config", "ci-ecs-services.yml")
    image = ("--image", f"{sample.repository}:v2")

    unknown = cli(*several, "run", *image, "--service", "shop-mailer", "--", "migrate")
    run = cli(*several, "run", *image, "--service", "shop-worker", "--", "migrate")

    assert unknown.code == 2 and "--service: shop-mailer is not a service of `services:`" in unknown.stderr
    assert run.code == 0, run.output
    task = _stopped(sandbox, workdir, sample)
    assert task["overrides"]["containerOverrides"] == [{"name": "worker", "command": ["migrate"]}]
    assert ":task-definition/shop-worker:" in task["taskDefinitionArn"]
