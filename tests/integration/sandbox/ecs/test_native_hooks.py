"""Lifecycle hooks of ECS-native deployments: PAUSE hooks and ContinueServiceDeployment, timeouts, Lambda
hooks answered by their function's name."""

from __future__ import annotations

import pytest

from tests.integration.sandbox.ecs.native_helpers import Native, lambda_hook


def _native(aws, sample, strategy: str = "BLUE_GREEN") -> Native:
    return Native(aws, next(n for n in sample.native if n.strategy == strategy))


def _start(native: Native, *hooks, **configuration) -> tuple[str, str, str]:
    """(service deployment, target task definition, source task definition) of a deploy to v2."""
    source = native.service()["taskDefinition"]
    arn = native.deploy("v2", bakeTimeInMinutes=0, lifecycleHooks=list(hooks), **configuration)
    return arn, native.service()["taskDefinition"], source


def test_a_pause_hook_awaits_action_then_continue_lets_the_deployment_finish(aws, sample, sandbox):
    native = _native(aws, sample)
    arn, target, source = _start(native, native.pause_at("POST_TEST_TRAFFIC_SHIFT"))

    hook = native.awaiting(arn)
    paused = native.describe(arn)
    assert (paused["status"], paused["lifecycleStage"]) == ("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT")
    assert hook["hookId"].startswith("ecs-pause-") and hook["targetType"] == "PAUSE"
    assert "targetArn" not in hook and hook["timeoutAction"] == "ROLLBACK"
    assert hook["expiresAt"] > paused["startedAt"]
    assert native.weights(native.sample.test_rule_arn) == (0, 100)
    assert native.weights(native.sample.production_rule_arn) == (100, 0)
    sandbox.wait_idle(timeout=5)  # a deployment waiting for a person does not keep the sandbox busy
    assert native.describe(arn)["status"] == "IN_PROGRESS"

    reply = aws.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="CONTINUE"
    )
    assert reply["serviceDeploymentArn"] == arn
    done = native.follow(arn, target, source)
    assert done["status"] == "SUCCESSFUL"
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["SUCCEEDED"]


def test_continue_with_rollback_sends_traffic_back_and_removes_the_new_tasks(aws, sample):
    native = _native(aws, sample)
    arn, target, source = _start(native, native.pause_at("POST_TEST_TRAFFIC_SHIFT"))
    hook = native.awaiting(arn)
    source_revision = native.describe(arn)["sourceServiceRevisions"][0]["arn"]

    aws.ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"], action="ROLLBACK")
    done = native.follow(arn, target, source)

    assert done["status"] == "ROLLBACK_SUCCESSFUL"
    assert done["rollback"]["serviceRevisionArn"] == source_revision
    assert done["statusReason"] == done["rollback"]["reason"]
    assert f"ContinueServiceDeployment (hook {hook['hookId']})" in done["statusReason"]
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["FAILED"]
    assert native.weights(native.sample.test_rule_arn) == (100, 0)
    assert all(t["lastStatus"] == "STOPPED" for t in native.tasks_of(target))
    service = native.service()
    assert service["taskDefinition"] == source and service["runningCount"] == 2
    [deployment] = service["deployments"]
    assert (deployment["taskDefinition"], deployment["status"]) == (source, "PRIMARY")


def test_pause_hooks_stop_the_deployment_at_every_stage_they_can(aws, sample):
    native = _native(aws, sample, "CANARY")
    stages = (
        "PRE_SCALE_UP",
        "POST_SCALE_UP",
        "POST_TEST_TRAFFIC_SHIFT",
        "PRE_PRODUCTION_TRAFFIC_SHIFT",
        "POST_PRODUCTION_TRAFFIC_SHIFT",
    )
    arn, target, source = _start(
        native,
        native.pause_at(*stages),
        canaryConfiguration={
            "canaryPercent": 10.0,
            "canaryBakeTimeInMinutes": 0,
        },
    )
    seen = []
    for _ in range(6):  # PRE_PRODUCTION_TRAFFIC_SHIFT runs before each of the canary's two shifts
        hook = native.awaiting(arn)
        found = native.describe(arn)
        running = sum(t["lastStatus"] == "RUNNING" for t in native.tasks_of(target))
        seen.append((found["lifecycleStage"], native.weights(native.sample.production_rule_arn), running))
        aws.ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"])
    done = native.follow(arn, target, source)

    assert seen == [
        ("PRE_SCALE_UP", (100, 0), 0),
        ("POST_SCALE_UP", (100, 0), 2),
        ("POST_TEST_TRAFFIC_SHIFT", (100, 0), 2),
        ("PRODUCTION_TRAFFIC_SHIFT", (100, 0), 2),  # before the first shift (PRE_PRODUCTION_TRAFFIC_SHIFT)
        ("PRODUCTION_TRAFFIC_SHIFT", (90, 10), 2),  # before the second
        ("POST_PRODUCTION_TRAFFIC_SHIFT", (0, 100), 2),
    ]
    assert done["status"] == "SUCCESSFUL"
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["SUCCEEDED"] * 6
    assert len({h["hookId"] for h in done["lifecycleHookDetails"]}) == 6


@pytest.mark.parametrize(
    ("action", "outcome"), [("CONTINUE", "SUCCESSFUL"), ("ROLLBACK", "ROLLBACK_SUCCESSFUL")]
)
def test_a_pause_hook_that_times_out_takes_its_timeout_action(aws, sample, action, outcome):
    native = _native(aws, sample)
    arn, target, source = _start(native, native.pause_at("POST_SCALE_UP", timeout=1, action=action))
    assert native.awaiting(arn)["timeoutAction"] == action

    done = native.follow(arn, target, source)  # one sandbox minute later, nobody having acted

    assert done["status"] == outcome
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["TIMED_OUT"]
    if action == "ROLLBACK":
        assert "timed out" in done["statusReason"]
        assert all(t["lastStatus"] == "STOPPED" for t in native.tasks_of(target))


def test_a_failing_lambda_hook_rolls_the_deployment_back(aws, sample):
    native = _native(aws, sample)
    arn, target, source = _start(native, lambda_hook("smoke-test-fail", "POST_TEST_TRAFFIC_SHIFT"))

    done = native.follow(arn, target, source)

    assert done["status"] == "ROLLBACK_SUCCESSFUL"
    [hook] = done["lifecycleHookDetails"]
    assert hook["status"] == "FAILED" and hook["targetType"] == "AWS_LAMBDA"
    assert hook["targetArn"].endswith(":function:smoke-test-fail")
    assert f"Lifecycle hook {hook['hookId']} at POST_TEST_TRAFFIC_SHIFT failed." == done["statusReason"]
    assert native.weights(native.sample.production_rule_arn) == (100, 0)
    assert native.weights(native.sample.test_rule_arn) == (100, 0)


def test_lambda_hooks_run_at_every_production_step_and_a_slow_one_answers_later(aws, sample):
    native = _native(aws, sample, "LINEAR")
    arn, target, source = _start(
        native,
        lambda_hook("check-slow", "TEST_TRAFFIC_SHIFT"),
        lambda_hook("check", "PRODUCTION_TRAFFIC_SHIFT"),
        linearConfiguration={"stepPercent": 25.0, "stepBakeTimeInMinutes": 0},
    )
    slow = native.follow(
        arn,
        target,
        source,
        lambda seen, found: seen.stage == "TEST_TRAFFIC_SHIFT" and "IN_PROGRESS" in seen.hooks,
    )
    assert slow["lifecycleHookDetails"][0]["targetArn"].endswith(":function:check-slow")

    done = native.follow(arn, target, source)

    assert done["status"] == "SUCCESSFUL"
    details = done["lifecycleHookDetails"]
    assert [h["targetArn"].rsplit(":", 1)[-1] for h in details] == ["check-slow"] + ["check"] * 4
    assert {h["status"] for h in details} == {"SUCCEEDED"}


def test_the_aws_cli_reads_a_paused_deployment_continues_it_and_lists_it(aws, sample, aws_cli):
    native = _native(aws, sample)
    first = native.service()["currentServiceDeployment"]
    arn, target, source = _start(native, native.pause_at("POST_TEST_TRAFFIC_SHIFT"))
    hook = native.awaiting(arn)

    [paused] = aws_cli("ecs", "describe-service-deployments", "--service-deployment-arns", arn)[
        "serviceDeployments"
    ]
    assert (paused["status"], paused["lifecycleStage"]) == ("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT")
    assert [(h["hookId"], h["status"]) for h in paused["lifecycleHookDetails"]] == [
        (hook["hookId"], "AWAITING_ACTION")
    ]
    revision = paused["targetServiceRevision"]
    assert (revision["requestedTestTrafficWeight"], revision["requestedProductionTrafficWeight"]) == (100, 0)
    assert paused["sourceServiceRevisions"][0]["runningTaskCount"] == 2
    continued = aws_cli(
        "ecs", "continue-service-deployment", "--service-deployment-arn", arn, "--hook-id", hook["hookId"]
    )
    assert continued["serviceDeploymentArn"] == arn
    native.follow(arn, target, source)

    listed = aws_cli(
        "ecs", "list-service-deployments", "--cluster", sample.cluster, "--service", native.sample.service
    )
    assert [(d["serviceDeploymentArn"], d["status"]) for d in listed["serviceDeployments"]] == [
        (arn, "SUCCESSFUL"),
        (first, "SUCCESSFUL"),
    ]
