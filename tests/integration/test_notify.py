"""Notifications: the real CLI against the sandbox, posting to webhooks on 127.0.0.1 (tests/webhooks.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client, run_killed
from tests.webhooks import Received, receiver

TOKEN = "T0KEN-7f3a9c2e1b"  # in every webhook's path: it must never reach the output
JOB = "https://gitlab.example.com/shop/web/-/jobs/4242"
CANARIES = {
    "task": "ci-ecs-task.yml",
    "service": "ci-ecs-service.yml",
    "taskset": "ci-ecs-taskset.yml",
    "codedeploy": "ci-ecs-codedeploy.yml",
    "switch": "ci-ecs-switch.yml",
    "native": "ci-ecs-native-canary.yml",
}


@pytest.fixture
def hooks() -> Iterator[Received]:
    with receiver() as received:
        yield received


def _configure(
    workdir: Path,
    hooks: Received,
    events: str = "[start, success, failure, rollback]",
    name: str = "ci-ecs.yml",
) -> None:
    """Slack from a variable, Teams written in the file, the JSON webhook from a variable not named secret."""
    config = workdir / name
    config.write_text(
        config.read_text()
        + "notify:\n"
        + "  slack_webhook: ${SLACK_WEBHOOK_URL}\n"
        + f"  teams_webhook: {hooks.base}/teams/{TOKEN}\n"
        + "  webhook: $DEPLOY_HOOK\n"
        + f"  events: {events}\n"
        + "  timeout: 1s\n"
    )


def _env(hooks: Received, slack: str = "slack", json_hook: str = "json") -> dict[str, str]:
    return {
        "SLACK_WEBHOOK_URL": f"{hooks.base}/{slack}/{TOKEN}",
        "DEPLOY_HOOK": f"{hooks.base}/{json_hook}/{TOKEN}",
        "CI_ENVIRONMENT_NAME": "production",
        "CI_JOB_URL": JOB,
    }


def _events(hooks: Received, path: str) -> list[str]:
    return [body["event"] for body in hooks.bodies(f"/{path}/{TOKEN}")]


def _live(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> tuple[str, list[dict[str, str]]]:
    found = client(sandbox, "ecs").describe_services(
        cluster=sample.cluster, services=[sample.service], include=["TAGS"]
    )["services"][0]
    return found["taskDefinition"], found.get("tags", [])


def _slack_fields(message: dict[str, Any]) -> dict[str, str]:
    fields = message["blocks"][1]["fields"]
    return dict(field["text"].removeprefix("*").split("*\n", 1) for field in fields)


def test_a_deploy_notifies_its_start_and_success_in_each_services_shape(
    cli: Any, sample: sandboxes.Sample, workdir: Path, hooks: Received
) -> None:
    _configure(workdir, hooks)

    run = cli("--output", "json", "deploy", "--image", f"{sample.repository}:v2", env=_env(hooks))

    assert run.code == 0, run.output
    assert _events(hooks, "json") == ["start", "success"]
    start, success = hooks.bodies(f"/json/{TOKEN}")
    printed = json.loads(run.stdout)
    assert success == {
        "event": "success",
        **printed,
        "environment": "production",
        "url": None,
        "job_url": JOB,
    }
    assert (start["status"], start["version"], start["previous_version"]) == ("in_progress", "v2", "v1")

    slack_start, slack_success = hooks.bodies(f"/slack/{TOKEN}")
    assert slack_start["text"] == "Deploying v2 to production"
    assert slack_success["text"] == "Deployed v2 to production"
    fields = _slack_fields(slack_success)
    assert {k: fields[k] for k in ("Version", "Previous version", "Technique", "Environment")} == {
        "Version": "v2",
        "Previous version": "v1",
        "Technique": "rolling",
        "Environment": "production",
    }
    assert fields["Duration"].endswith("s")
    assert slack_success["blocks"][-1]["elements"][0]["url"] == JOB

    (_, teams_success) = hooks.bodies(f"/teams/{TOKEN}")
    card = teams_success["attachments"][0]["content"]
    assert (teams_success["type"], card["type"], card["version"]) == ("message", "AdaptiveCard", "1.4")
    assert card["body"][0]["text"] == "Deployed v2 to production"
    assert {"title": "Version", "value": "v2"} in card["body"][1]["facts"]
    assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "View job", "url": JOB}
    assert TOKEN not in run.output


def test_a_failed_deploy_notifies_the_failure_and_its_reason(
    cli: Any, sample: sandboxes.Sample, workdir: Path, hooks: Received
) -> None:
    _configure(workdir, hooks, events="[failure]")

    run = cli("deploy", "--image", f"{sample.repository}:v2-crash", env=_env(hooks))

    assert run.code == 1, run.output
    (failure,) = hooks.bodies(f"/json/{TOKEN}")
    assert (failure["event"], failure["status"], failure["version"]) == ("failure", "failed", "v2-crash")
    assert failure["reason"]
    (slack,) = hooks.bodies(f"/slack/{TOKEN}")
    assert slack["text"].startswith("Deploy of v2-crash to production failed: ")
    assert slack["blocks"][2]["text"]["text"].startswith("*Reason*\n")
    assert "\n" not in slack["blocks"][2]["text"]["text"].removeprefix("*Reason*\n")
    (teams,) = hooks.bodies(f"/teams/{TOKEN}")
    card = teams["attachments"][0]["content"]
    assert card["body"][0]["color"] == "Attention" and card["body"][2]["color"] == "Attention"
    assert TOKEN not in run.output


def test_a_rollback_notifies_a_rollback(
    cli: Any, sample: sandboxes.Sample, workdir: Path, hooks: Received
) -> None:
    assert cli("deploy", "--image", f"{sample.repository}:v2").code == 0
    _configure(workdir, hooks)

    run = cli("rollback", env=_env(hooks))

    assert run.code == 0, run.output
    assert _events(hooks, "json") == ["start", "rollback"]
    rollback = hooks.bodies(f"/json/{TOKEN}")[1]
    assert (rollback["command"], rollback["version"], rollback["previous_version"]) == (
        "rollback",
        "v1",
        "v2",
    )
    assert hooks.bodies(f"/slack/{TOKEN}")[1]["text"] == "Rolled back production to v1"
    assert hooks.bodies(f"/teams/{TOKEN}")[0]["attachments"][0]["content"]["body"][0]["text"] == (
        "Rolling back production"
    )


def test_a_webhook_answering_500_and_one_not_answering_are_a_warning_each_and_the_job_succeeds(
    cli: Any, sample: sandboxes.Sample, workdir: Path, hooks: Received
) -> None:
    _configure(workdir, hooks, events="[success]")

    run = cli(
        "-v", "deploy", "--image", f"{sample.repository}:v2", env=_env(hooks, slack="fail", json_hook="slow")
    )

    assert run.code == 0, run.output
    warnings = [line for line in run.stderr.splitlines() if "notify" in line]
    assert warnings == [
        "warning: notify: the Slack webhook answered HTTP 500 (internal error): the success notification was "
        "not sent",
        "warning: notify: the webhook did not answer in 1s: the success notification was not sent",
    ]
    assert len(hooks.bodies(f"/teams/{TOKEN}")) == 1
    assert TOKEN not in run.output


def test_a_dry_run_sends_nothing_and_a_missing_variable_is_exit_2_before_any_change(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, hooks: Received
) -> None:
    _configure(workdir, hooks)
    before = _live(sandbox, sample)

    dry = cli("--dry-run", "deploy", "--image", f"{sample.repository}:v2", env=_env(hooks))
    assert dry.code == 0, dry.output

    env = _env(hooks)
    del env["SLACK_WEBHOOK_URL"]
    missing = cli("deploy", "--image", f"{sample.repository}:v2", env=env)
    assert missing.code == 2, missing.output
    assert "notify.slack_webhook: variable SLACK_WEBHOOK_URL is not set or empty" in missing.stderr
    assert hooks.requests == []
    assert TOKEN not in dry.output + missing.output
    assert _live(sandbox, sample) == before


def test_a_canary_notifies_that_it_is_ready(
    cli: Any, sample: sandboxes.Sample, workdir: Path, hooks: Received
) -> None:
    _configure(workdir, hooks, events="[success]", name="ci-ecs-task.yml")

    run = cli(
        "--config", "ci-ecs-task.yml", "canary-deploy", "--image", f"{sample.repository}:v2", env=_env(hooks)
    )

    assert run.code == 0, run.output
    (canary,) = hooks.bodies(f"/json/{TOKEN}")
    assert (canary["event"], canary["command"], canary["technique"]) == (
        "success",
        "canary-deploy",
        "canary-task",
    )
    assert hooks.bodies(f"/slack/{TOKEN}")[0]["text"] == "Canary of v2 ready on production"


def test_a_job_cancelled_after_its_first_change_notifies_a_failure_saying_so(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, hooks: Received
) -> None:
    _configure(workdir, hooks, events="[failure]")
    job = ("deploy", "--image", f"{sample.repository}:v2")
    log = workdir / "calls.log"
    whole = run_killed(sandbox, workdir, 10**6, *job, extra={**_env(hooks), "CI_ECS_TEST_CALL_LOG": str(log)})
    assert whole.returncode == 0, whole.stderr
    assert hooks.requests == []
    # Cancelled right after the service's update: the job has changed it, and has its rollout still to follow.
    update = next(n for n, call in enumerate(log.read_text().split(), 1) if call.endswith("UpdateService"))
    sandbox.reset(seed=True)
    sandbox.write_config(workdir)
    _configure(workdir, hooks, events="[failure]")

    cancelled = run_killed(sandbox, workdir, update, *job, extra=_env(hooks), signal="TERM")

    assert cancelled.returncode == 143, cancelled.stderr
    (failure,) = hooks.bodies(f"/json/{TOKEN}")
    assert (failure["event"], failure["status"]) == ("failure", "cancelled")
    assert hooks.bodies(f"/slack/{TOKEN}")[0]["text"].startswith("Deploy of v2 to production was cancelled")
    assert TOKEN not in cancelled.stdout + cancelled.stderr


@pytest.mark.parametrize("technique", sorted(CANARIES))
def test_every_technique_notifies_the_start_and_end_of_its_canary(
    cli: Any, workdir: Path, hooks: Received, technique: str
) -> None:
    config = CANARIES[technique]
    _configure(workdir, hooks, events="[start, success]", name=config)
    repository = yaml.safe_load((workdir / config).read_text())["image"]

    run = cli("--config", config, "canary-deploy", "--image", f"{repository}:v2", env=_env(hooks))

    assert run.code == 0, run.output
    start, success = hooks.bodies(f"/json/{TOKEN}")
    assert (start["event"], start["status"], start["version"]) == ("start", "in_progress", "v2")
    assert (success["event"], success["command"], success["version"]) == ("success", "canary-deploy", "v2")
