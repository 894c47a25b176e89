"""The fault-injecting proxy itself: AWS-shaped errors, dropped and lost replies, deterministic choices."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.faults import FaultProxy, Plan, serving
from tests.integration.helpers import client


@pytest.fixture(scope="module")
def proxy(sandbox: sandboxes.Sandbox) -> Iterator[FaultProxy]:
    with serving(sandbox.endpoint) as running:
        yield running


def _through(proxy: FaultProxy, sandbox: sandboxes.Sandbox, service: str, attempts: int = 1) -> Any:
    """A boto3 client talking to the sandbox through the proxy, making `attempts` attempts a call."""
    factory: Any = boto3.client
    return factory(
        service,
        endpoint_url=proxy.endpoint,
        region_name=sandbox.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def _families(sandbox: sandboxes.Sandbox, family: str) -> list[str]:
    ecs = client(sandbox, "ecs")
    return list(ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"])


def _register(ecs: Any, family: str) -> Any:
    return ecs.register_task_definition(
        family=family,
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}],
    )


def test_a_throttled_json_call_gets_aws_throttling_exception_and_is_not_carried_out(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    proxy.inject(Plan(rate=1.0, operations=frozenset({"RegisterTaskDefinition"}), kinds=("throttle",)))

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _register(_through(proxy, sandbox, "ecs"), "faulted")

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert _families(sandbox, "faulted") == []
    assert [(i.operation, i.kind) for i in proxy.injected] == [("ecs:RegisterTaskDefinition", "throttle")]


def test_a_throttled_query_call_gets_the_query_protocols_throttling_code(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    proxy.inject(Plan(rate=1.0, operations=frozenset({"DescribeTargetGroups"}), kinds=("throttle",)))

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _through(proxy, sandbox, "elbv2").describe_target_groups()

    assert raised.value.response["Error"]["Code"] == "Throttling"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("service", ["ecs", "elbv2"])
def test_a_server_error_is_a_5xx_in_the_protocols_shape(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, service: str
) -> None:
    proxy.inject(Plan(rate=1.0, kinds=("5xx",)))
    aws = _through(proxy, sandbox, service)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        aws.list_clusters() if service == "ecs" else aws.describe_load_balancers()

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert raised.value.response["Error"]["Code"] == "ServiceUnavailable"


def test_a_dropped_request_never_reaches_aws(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    proxy.inject(Plan(rate=1.0, operations=frozenset({"RegisterTaskDefinition"}), kinds=("drop",)))

    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        _register(_through(proxy, sandbox, "ecs"), "dropped")

    assert _families(sandbox, "dropped") == []


def test_a_lost_reply_is_carried_out_but_never_heard_of(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    proxy.inject(Plan.lose("RegisterTaskDefinition"))
    ecs = _through(proxy, sandbox, "ecs")

    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        _register(ecs, "lost")
    assert [a.rsplit("/", 1)[-1] for a in _families(sandbox, "lost")] == ["lost:1"]

    # Only the first reply is lost: the next request is answered.
    assert _register(ecs, "lost")["taskDefinition"]["revision"] == 2
    assert [(i.operation, i.kind) for i in proxy.injected] == [("ecs:RegisterTaskDefinition", "lost")]


def test_other_operations_pass_untouched(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    proxy.inject(Plan(rate=1.0, operations=frozenset({"RunTask"})))

    clusters = _through(proxy, sandbox, "ecs").list_clusters()["clusterArns"]

    assert any(arn.endswith(f"/{sample.cluster}") for arn in clusters)
    assert proxy.injected == []
    assert proxy.seen["ecs:ListClusters"] == 1


def test_the_same_seed_injects_the_same_faults(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    def run(seed: int) -> list[tuple[str, str]]:
        proxy.inject(Plan(rate=0.5, seed=seed, kinds=("throttle", "5xx"), in_a_row=100))
        ecs, elbv2 = _through(proxy, sandbox, "ecs"), _through(proxy, sandbox, "elbv2")
        for _ in range(12):
            for call in (ecs.list_clusters, elbv2.describe_load_balancers):
                with contextlib.suppress(botocore.exceptions.ClientError):
                    call()
        return [(i.operation, i.kind) for i in proxy.injected]

    first = run(7)

    assert run(7) == first
    assert 0 < len(first) < 24
    assert {operation for operation, _ in first} == {
        "ecs:ListClusters",
        "elasticloadbalancing:DescribeLoadBalancers",
    }
    assert run(8) != first


def test_faults_in_a_row_are_capped_so_that_retries_get_through(
    proxy: FaultProxy, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    proxy.inject(Plan(rate=1.0, kinds=("throttle", "5xx", "drop"), in_a_row=2))

    clusters = _through(proxy, sandbox, "ecs", attempts=3).list_clusters()["clusterArns"]

    assert clusters
    assert len(proxy.injected) == 2
    assert proxy.seen["ecs:ListClusters"] == 3
