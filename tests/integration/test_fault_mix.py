"""30 jobs across the techniques, 30 % of AWS calls faulted: every job ends as it should, nothing orphaned.

The fault proxy throttles, answers 5xx, drops requests and loses replies (after AWS carried the request
out) on every operation, polls and creates alike, deterministically (a fixed seed). After each job: its
exit code, the live (and pending) version ci-ecs reports, and that nothing is left that no one accounts
for (duplicate revisions, stray tasks, task sets, target groups, deployments).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.cluster_state import orphans, settle
from tests.integration.faults import FaultProxy, Plan, serving

RATE = 0.3
# Seeds under which the first reply to these creates is lost (each operation's n-th request has its own
# draw, so these stay lost whatever else the jobs do); the other faults fall where the seed puts them.
SEEDS = {
    "services": (4138, {"ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:CreateTaskSet"}),
    "blue-green": (
        74,
        {
            "ecs:RegisterTaskDefinition",
            "codedeploy:CreateDeploymentGroup",
            "elasticloadbalancing:CreateTargetGroup",
            "ecs:CreateService",
        },
    ),
}


@dataclass(frozen=True)
class Job:
    """One job and how it must end: exit code, then the live version and the one pending ('' for none)."""

    config: str
    command: str
    tag: str
    code: int
    live: str
    pending: str = ""


ROLLING, TASK, SERVICE, TASKSET = "ci-ecs.yml", "ci-ecs-task.yml", "ci-ecs-service.yml", "ci-ecs-taskset.yml"
CODEDEPLOY, SWITCH, ROUTES = "ci-ecs-codedeploy.yml", "ci-ecs-switch.yml", "ci-ecs-switch-routes.yml"
SHORT_WAITS = {  # the sandbox's minutes and seconds are short already; these make the jobs shorter still
    CODEDEPLOY: {"CI_ECS_CODEDEPLOY_TERMINATION_WAIT": "1m"},
    SWITCH: {"CI_ECS_SWITCH_OVERLAP": "0.1"},
    ROUTES: {"CI_ECS_SWITCH_OVERLAP": "0.1"},
}
PIPELINES = {
    # rolling, its three canary modes on `web`, and task sets on `web-ext`
    "services": (
        Job(ROLLING, "deploy", "v2", 0, "v2"),
        Job(ROLLING, "deploy", "v3", 0, "v3"),
        Job(ROLLING, "rollback", "", 0, "v2"),
        Job(ROLLING, "deploy", "v3-crash", 1, "v2"),  # ECS's circuit breaker rolls it back: exit 1
        Job(TASK, "canary-deploy", "v3", 0, "v2", "v3"),
        Job(TASK, "rollback", "", 0, "v2"),
        Job(TASK, "canary-deploy", "v3", 0, "v2", "v3"),
        Job(TASK, "deploy", "v3", 0, "v3"),
        Job(SERVICE, "canary-deploy", "v2", 0, "v3", "v2"),
        Job(SERVICE, "deploy", "v2", 0, "v2"),
        Job(SERVICE, "rollback", "", 0, "v3"),
        Job(TASKSET, "canary-deploy", "v2", 0, "v1", "v2"),
        Job(TASKSET, "rollback", "", 0, "v1"),
        Job(TASKSET, "canary-deploy", "v3", 0, "v1", "v3"),
        Job(TASKSET, "deploy", "v3", 0, "v3"),
        Job(TASKSET, "rollback", "", 0, "v1"),
    ),
    # CodeDeploy blue/green on `web-bg`, switch on `web-sw` and behind two load balancers on `web-dual`
    "blue-green": (
        Job(CODEDEPLOY, "deploy", "v2", 0, "v2"),
        Job(CODEDEPLOY, "canary-deploy", "v3", 0, "v2", "v3"),
        Job(CODEDEPLOY, "deploy", "v3", 0, "v3"),
        Job(CODEDEPLOY, "rollback", "", 0, "v2"),
        Job(CODEDEPLOY, "deploy", "v3-crash", 1, "v2"),  # CodeDeploy fails and rolls it back: exit 1
        Job(CODEDEPLOY, "canary-deploy", "v3", 0, "v2", "v3"),
        Job(CODEDEPLOY, "rollback", "", 0, "v2"),
        Job(SWITCH, "deploy", "v2", 0, "v2"),
        Job(SWITCH, "deploy", "v3", 0, "v3"),
        Job(SWITCH, "rollback", "", 0, "v2"),
        Job(SWITCH, "deploy", "v3-unhealthy", 1, "v2"),  # its targets never pass: exit 1, traffic untouched
        Job(ROUTES, "deploy", "v2", 0, "v2"),
        Job(ROUTES, "deploy", "v3", 0, "v3"),
        Job(ROUTES, "rollback", "", 0, "v2"),
    ),
}


@pytest.fixture(scope="module")
def proxy(sandbox: sandboxes.Sandbox) -> Iterator[FaultProxy]:
    with serving(sandbox.endpoint) as running:
        yield running


def test_the_pipelines_are_30_jobs_over_every_technique() -> None:
    jobs = [job for pipeline in PIPELINES.values() for job in pipeline]
    assert len(jobs) == 30
    assert {job.config for job in jobs} == {ROLLING, TASK, SERVICE, TASKSET, CODEDEPLOY, SWITCH, ROUTES}


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_every_job_ends_as_it_should_with_30_percent_of_calls_faulted(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, proxy: FaultProxy, pipeline: str
) -> None:
    seed, lost_creates = SEEDS[pipeline]
    proxy.inject(Plan(rate=RATE, seed=seed))
    for number, job in enumerate(PIPELINES[pipeline], start=1):
        image = ("--image", f"{sample.repository}:{job.tag}") if job.tag else ()
        env = {**SHORT_WAITS.get(job.config, {}), **_pipeline(number), "AWS_ENDPOINT_URL": proxy.endpoint}
        done = cli("--config", job.config, job.command, *image, env=env)
        where = f"job {number} ({job.config} {job.command} {job.tag})"
        assert done.code == job.code, f"{where}: {done.output}"
        settle(sandbox, sample)
        assert _versions(cli, job.config) == (job.live, job.pending), where
        assert orphans(sandbox, sample) == [], where

    injected = proxy.injected
    kinds = Counter(i.kind for i in injected)
    calls = sum(proxy.seen.values())
    assert set(kinds) == {"throttle", "5xx", "drop", "lost"}, kinds
    assert 0.2 * calls < len(injected) < 0.4 * calls, (len(injected), calls)
    lost = {i.operation for i in injected if i.kind == "lost"}
    assert lost_creates <= lost, lost


def _pipeline(number: int) -> dict[str, str]:
    """A pipeline of its own for each job: its revisions carry their own tags."""
    return {
        "CI_COMMIT_SHA": f"{number:040x}",
        "CI_PIPELINE_ID": str(5000 + number),
        "CI_PIPELINE_URL": f"https://gitlab.example.com/shop/web/-/pipelines/{5000 + number}",
    }


def _versions(cli: Any, config: str) -> tuple[str, str]:
    """(live version, pending canary or CodeDeploy version) as `ci-ecs status` reads them, without faults."""
    done = cli("--config", config, "--output", "json", "status")
    assert done.code == 0, done.output
    status = json.loads(done.stdout)
    tags = status["tags"]
    pending = tags.get("ci-ecs:canary-version") or tags.get("ci-ecs:codedeploy-version") or ""
    return str(status["version"]), str(pending)
