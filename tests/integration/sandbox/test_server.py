"""The Sandbox API (one per process, empty reset) and the aws CLI as another client of it."""

from __future__ import annotations

import pytest

from ci_ecs.errors import ConfigError


def test_aws_cli_reads_the_service_and_its_targets(aws_cli, sample):
    [service] = aws_cli(
        "ecs", "describe-services", "--cluster", sample.cluster, "--services", sample.service
    )["services"]
    assert (service["runningCount"], service["deployments"][0]["rolloutState"]) == (3, "COMPLETED")
    health = aws_cli("elbv2", "describe-target-health", "--target-group-arn", sample.target_group_arn)
    assert [d["TargetHealth"]["State"] for d in health["TargetHealthDescriptions"]] == ["healthy"] * 3


def test_empty_reset_seeds_nothing(sandbox, aws):
    assert sandbox.reset(seed=False) is None
    assert sandbox.sample is None
    assert aws.ecs.list_clusters()["clusterArns"] == []
    with pytest.raises(ConfigError):
        sandbox.write_config("/nonexistent")


def test_a_second_sandbox_in_the_same_process_is_refused(sandbox):
    from ci_ecs.sandbox import current, start

    assert current() is sandbox
    with pytest.raises(RuntimeError, match="already runs"):
        start()
