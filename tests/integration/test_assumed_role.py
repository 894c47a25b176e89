"""A gateway for a service in another account acts as the role it assumes, and counts with the job's calls."""

from __future__ import annotations

import pytest

from ci_ecs import sandbox as sandboxes
from ci_ecs.aws.clients import Aws
from tests.integration.helpers import clean_env

OTHER = "arn:aws:iam::210987654321:role/deployer"


@pytest.fixture
def sandbox_env(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in clean_env(sandbox).items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("sandbox_env")
def test_a_gateway_elsewhere_calls_as_the_assumed_role_in_its_account_and_counts_with_the_job() -> None:
    job = Aws("us-east-1")
    own = job.client("sts").get_caller_identity()

    other = job.elsewhere("us-east-1", OTHER)
    identity = other.client("sts").get_caller_identity()

    assert identity["Account"] == "210987654321" != own["Account"]
    assert identity["Arn"].endswith(":assumed-role/deployer/ci-ecs")
    assert "demo" in str(job.client("ecs").list_clusters()["clusterArns"])
    assert other.client("ecs").list_clusters()["clusterArns"] == []  # the other account has none of ours
    assert job.calls["sts:GetCallerIdentity"] == 2 and job.calls["ecs:ListClusters"] == 2


def test_the_same_region_and_no_role_is_the_job_s_own_gateway() -> None:
    job = Aws("us-east-1")
    assert job.elsewhere(None, None) is job and job.elsewhere("us-east-1", None) is job
    west = job.elsewhere("us-west-2", None)
    assert (west.region, west.role_arn, west.calls is job.calls) == ("us-west-2", None, True)
