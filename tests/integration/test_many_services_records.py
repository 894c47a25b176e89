"""`services:` records: the JSON record, the job's outputs and GitHub's one deployment name every service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import responses

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.many_sample import CONFIG, SERVICES
from tests.integration import test_many_services as many
from tests.integration.helpers import client
from tests.integration.test_forge_reporting import REPO, github_env
from tests.unit.forge.bodies import github_deployment, github_status

NAMES = list(SERVICES)


def _live(sandbox: sandboxes.Sandbox, cluster: str) -> dict[str, str]:
    """Each service's task-definition ARN, as ECS says."""
    found = client(sandbox, "ecs").describe_services(cluster=cluster, services=NAMES)["services"]
    return {s["serviceName"]: s["taskDefinition"] for s in found}


def test_a_deploy_names_every_service_s_revision_in_its_record_outputs_and_github_deployment(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    before = _live(sandbox, sample.cluster)
    output, summary = workdir / "out", workdir / "summary.md"
    output.write_text("")
    summary.write_text("")
    env = github_env(GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as github:
        github.get(f"{REPO}/deployments", json=[])  # is a newer run's version live? (nothing recorded)
        create = github.post(f"{REPO}/deployments", json=github_deployment(42), status=201)
        statuses = github.post(
            f"{REPO}/deployments/42/statuses", json=github_status(1, "success"), status=201
        )
        run = cli(
            "--config", CONFIG, "--environment", "production", "--output", "json",
            "deploy", "--image", f"{sample.repository}:v2",
            env=env,
        )  # fmt: skip

    assert run.code == 0, run.output
    after = _live(sandbox, sample.cluster)
    record = json.loads(run.stdout)
    assert [
        (
            s["service"],
            s["cluster"],
            s["version"],
            s["task_definition"],
            s["previous_task_definition"],
            s["state"],
        )
        for s in record["services"]
    ] == [(n, sample.cluster, "v2", after[n], before[n], "deployed") for n in NAMES]
    assert {s["region"] for s in record["services"]} == {"us-east-1"}

    assert len(create.calls) == 1  # one deployment of the environment for the three services
    payload = json.loads(create.calls[0].request.body)["payload"]
    assert "task_definition" not in payload and "previous_task_definition" not in payload  # one each
    assert [(s["service"], s["version"], s["previous_task_definition"]) for s in payload["services"]] == [
        (n, "v2", before[n]) for n in NAMES
    ]
    states = [json.loads(call.request.body) for call in statuses.calls]
    assert [s["state"] for s in states] == ["in_progress", "success"]
    assert states[-1]["description"] == f"ci-ecs deploy of v2 to {', '.join(NAMES)}: success"

    github_services = output.read_text().split("services<<", 1)[1].splitlines()[1]
    listed = json.loads(github_services)
    assert [(s["service"], s["task_definition"], s["state"]) for s in listed] == [
        (n, after[n], "deployed") for n in NAMES
    ]
    dotenv = (workdir / "ci-ecs.env").read_text()
    assert f"CI_ECS_SERVICES={github_services}\n" in dotenv
    table = summary.read_text()
    for name in NAMES:
        assert (
            f"| `{name}` | `{sample.cluster}` | `v2` | `{after[name].rsplit('/', 1)[1]}` | deployed |"
            in table
        )


def test_a_failed_deploy_says_in_its_record_and_log_where_each_service_ended(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    before = _live(sandbox, sample.cluster)

    run = cli(
        "--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2-crash-worker"
    )

    assert run.code == 1, run.output
    record = json.loads(run.stdout)
    assert {s["service"]: s["state"] for s in record["services"]} == dict.fromkeys(NAMES, "rolled back")
    assert all(s["previous_task_definition"] == before[s["service"]] for s in record["services"])
    log = run.stderr[run.stderr.index("services:\n") :]  # the summary's table: each back on its revision
    for name in NAMES:
        assert any(
            line.split()[:4] == [name, sample.cluster, "v1", before[name].rsplit("/", 1)[1]]
            for line in log.splitlines()[1:5]
        ), log


def test_the_same_service_in_two_regions_is_two_entries_told_apart_by_region(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    many._worker_in(sandbox, sample, many.WEST, None)
    config = workdir / CONFIG
    west = f"  - service: shop-worker\n    container: worker\n    region: {many.WEST}\n"
    config.write_text(config.read_text().replace("on_failure:", west + "on_failure:", 1))
    sandbox.wait_idle()

    run = cli("--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    workers = [s for s in json.loads(run.stdout)["services"] if s["service"] == "shop-worker"]
    live = {
        r: many._revisions_of(many._in(sandbox, "ecs", r, None), sample.cluster)
        for r in (sample.region, many.WEST)
    }
    assert [(s["region"], s["task_definition"], s["state"]) for s in workers] == [
        (sample.region, live[sample.region], "deployed"),
        (many.WEST, live[many.WEST], "deployed"),
    ]
    assert f"  shop-worker     {sample.cluster} ({many.WEST})" in run.stderr, (
        run.stderr
    )  # the summary's table
