"""A lost reply to any create a technique makes ends in the same AWS state as the job without the fault.

"Lost": the request reached AWS and was carried out, the reply never came, and botocore sent it again.
Each technique's job runs once through the fault proxy with no fault (the reference), then once per
create call it makes with that call's first reply lost, each on a freshly seeded sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.cluster_state import orphans, settle, snapshot
from tests.integration.faults import FaultProxy, Plan, serving

PIPELINE = {
    "CI_COMMIT_SHA": "2222222222222222222222222222222222222222",
    "CI_PIPELINE_ID": "4242",
    "CI_PIPELINE_URL": "https://gitlab.example.com/shop/web/-/pipelines/4242",
}


@dataclass(frozen=True)
class Job:
    """A ci-ecs job on one of the sandbox's configs, and the creates it makes."""

    config: str
    command: str
    creates: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


JOBS = {
    "rolling": Job("ci-ecs.yml", "deploy", ("RegisterTaskDefinition",)),
    "canary-task": Job("ci-ecs-task.yml", "canary-deploy", ("RegisterTaskDefinition", "RunTask")),
    "canary-service": Job("ci-ecs-service.yml", "canary-deploy", ("RegisterTaskDefinition", "CreateService")),
    "canary-taskset": Job("ci-ecs-taskset.yml", "canary-deploy", ("CreateTaskSet",)),
    "taskset": Job("ci-ecs-taskset.yml", "deploy", ("RegisterTaskDefinition", "CreateTaskSet")),
    "codedeploy": Job(
        "ci-ecs-codedeploy.yml",
        "canary-deploy",
        ("RegisterTaskDefinition", "CreateApplication", "CreateDeploymentGroup", "CreateDeployment"),
    ),
    "switch": Job(
        "ci-ecs-switch.yml",
        "deploy",
        ("RegisterTaskDefinition", "CreateTargetGroup", "CreateService"),
        (("CI_ECS_SWITCH_OVERLAP", "0.1"),),
    ),
}


@pytest.fixture(scope="module")
def proxy(sandbox: sandboxes.Sandbox) -> Iterator[FaultProxy]:
    with serving(sandbox.endpoint) as running:
        yield running


@pytest.mark.parametrize("technique", sorted(JOBS))
def test_a_lost_reply_to_each_create_ends_as_the_job_without_faults(
    cli: Any,
    sandbox: sandboxes.Sandbox,
    workdir: Path,
    proxy: FaultProxy,
    technique: str,
) -> None:
    job = JOBS[technique]

    def run(plan: Plan) -> dict[str, Any]:
        sample = sandbox.reset(seed=True)
        assert sample is not None
        sandbox.write_config(workdir)
        proxy.inject(plan)
        env = {**PIPELINE, **dict(job.env), "AWS_ENDPOINT_URL": proxy.endpoint}
        done = cli("--config", job.config, job.command, "--image", f"{sample.repository}:v2", env=env)
        assert done.code == 0, done.output
        settle(sandbox, sample)
        assert orphans(sandbox, sample) == []
        return snapshot(sandbox, sample)

    reference = run(Plan())
    called = proxy.seen
    assert all(called[f"{_service(create)}:{create}"] == 1 for create in job.creates), called

    for create in job.creates:
        faulted = run(Plan.lose(create))
        assert [i.kind for i in proxy.injected] == ["lost"], create
        assert faulted == reference, f"the lost reply to {create}"


def _service(operation: str) -> str:
    """The signing name of the service an operation of these jobs belongs to."""
    if operation == "CreateTargetGroup":
        return "elasticloadbalancing"
    if operation in ("CreateApplication", "CreateDeploymentGroup", "CreateDeployment"):
        return "codedeploy"
    return "ecs"
