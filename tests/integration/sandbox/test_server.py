"""The Sandbox API (one per process, empty reset) and the aws CLI as another client of it."""

from __future__ import annotations

import boto3
import botocore.exceptions
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


@pytest.mark.parametrize(
    ("service", "call", "operation"),
    [
        ("ecs", lambda client: client.get_task_protection(cluster="demo"), "ecs.GetTaskProtection"),
        ("elbv2", lambda client: client.describe_trust_stores(), "elbv2.DescribeTrustStores"),
    ],
)
def test_an_action_moto_cannot_answer_gets_an_aws_shaped_error_not_an_html_page(
    sandbox, service, call, operation
):
    client = boto3.client(
        service,
        endpoint_url=sandbox.endpoint,
        region_name=sandbox.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(client)

    # botocore parsed the error from the protocol's own shape (JSON for ECS, XML for ELB), and a 501 is
    # not retried as moto's HTML 500 was.
    error, metadata = raised.value.response["Error"], raised.value.response["ResponseMetadata"]
    assert error["Code"] == "NotImplemented"
    assert error["Message"].startswith(f"The ci-ecs sandbox (moto 5.2.5) cannot answer {operation}")
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (501, 0)


def test_write_configs_replaces_a_ci_ecs_yml_an_earlier_sandbox_wrote_but_keeps_a_users(
    sandbox, sample, tmp_path
):
    sandbox.write_config(tmp_path)  # an earlier `sandbox up`: its endpoint and ARNs are stale now
    (tmp_path / "ci-ecs.yml").write_text((tmp_path / "ci-ecs.yml").read_text() + "# stale\n")

    main, *_ = sandbox.write_configs(tmp_path, keep_user_config=True)

    assert main == tmp_path / "ci-ecs.yml" and "# stale" not in main.read_text()
    (tmp_path / "ci-ecs.yml").write_text("cluster: prod\n")
    assert sandbox.write_configs(tmp_path, keep_user_config=True)[0] == tmp_path / "ci-ecs.sandbox.yml"
    assert (tmp_path / "ci-ecs.yml").read_text() == "cluster: prod\n"
