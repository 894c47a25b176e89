"""GitHub and `services:`: one deployment per environment, its payload listing every service."""

from __future__ import annotations

from dataclasses import replace

import responses

from ci_ecs.forge.github import GitHubReporter, github_reporter
from ci_ecs.model import DeploymentRecord, ServiceOutcome, ServiceState
from ci_ecs.output import Console
from tests.unit.forge.bodies import GITHUB_REPO, github_deployment, github_status
from tests.unit.forge.conftest import GITHUB_ENV, TASK_DEF, body, record

REPO = GITHUB_REPO.replace("api.github.com", "api.github.com:443")
REVISIONS = TASK_DEF.rsplit("/", 1)[0] + "/"


def _services(*names: str, state: ServiceState = "deployed", registered: bool = True) -> DeploymentRecord:
    """A `services:` deploy of v2 over v1 (`registered`: the new revisions are known yet)."""
    outcomes = tuple(
        ServiceOutcome(
            name,
            "main",
            "eu-west-1",
            "v2",
            f"{REVISIONS}{name}:2" if registered else "",
            "v1",
            f"{REVISIONS}{name}:1",
            state,
        )
        for name in names
    )
    return record(
        service=", ".join(names), task_definition="", previous_task_definition=None, services=outcomes
    )


def _reporter(console: Console) -> GitHubReporter:
    reporter = github_reporter(GITHUB_ENV, console, tier="production")
    assert reporter is not None
    return reporter


def _expect(api: responses.RequestsMock, *states: str) -> None:
    repo = REPO.replace(":443", "")
    api.post(f"{REPO}/deployments", json=github_deployment(42, repo=repo), status=201)
    for n, state in enumerate(states):
        api.post(f"{REPO}/deployments/42/statuses", json=github_status(n, state, repo=repo), status=201)


def test_one_deployment_lists_every_service_with_its_versions_and_revisions(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect(api, "success")
    job = _services("shop-web", "shop-worker", "shop-scheduler")

    _reporter(console).finished(job, "production")  # its start unreported: made with the whole record

    create, success = api.calls
    payload = body(create)["payload"]
    assert payload["service"] == "shop-web, shop-worker, shop-scheduler" and "task_definition" not in payload
    assert payload["services"] == [
        {
            "service": name,
            "cluster": "main",
            "region": "eu-west-1",
            "version": "v2",
            "task_definition": f"{REVISIONS}{name}:2",
            "previous_version": "v1",
            "previous_task_definition": f"{REVISIONS}{name}:1",
            "state": "deployed",
        }
        for name in ("shop-web", "shop-worker", "shop-scheduler")
    ]
    assert body(success)["description"] == (
        "ci-ecs deploy of v2 to shop-web, shop-worker, shop-scheduler: success"
    )


def test_a_deployment_made_before_the_revisions_lists_what_each_service_ran_and_no_state(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect(api, "in_progress", "success")
    reporter = _reporter(console)

    reporter.started(
        _services("shop-web", "shop-worker", state="in progress", registered=False), "production"
    )
    reporter.finished(_services("shop-web", "shop-worker"), "production")

    services = body(api.calls[0])["payload"]["services"]
    assert [(s["service"], s["version"], s["previous_task_definition"]) for s in services] == [
        ("shop-web", "v2", f"{REVISIONS}shop-web:1"),
        ("shop-worker", "v2", f"{REVISIONS}shop-worker:1"),
    ]
    assert not [s for s in services if "state" in s or "task_definition" in s]
    assert body(api.calls[0])["description"] == "ci-ecs deploy of v2 to shop-web, shop-worker: started"


def test_many_services_are_named_as_far_as_github_s_140_characters_allow(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect(api, "failure")
    names = [f"shop-service-number-{n}" for n in range(12)]
    failed = replace(_services(*names), status="failed", reason="shop-service-number-7: tasks failed " * 5)

    _reporter(console).finished(failed, "production")

    description = body(api.calls[1])["description"]
    assert len(description) == 140
    assert description.startswith("ci-ecs deploy of v2 to shop-service-number-0, shop-service-number-1, ")
    assert " +9 more: failure — shop-service-number-7: tasks" in description  # why it failed, cut
    assert len(body(api.calls[0])["payload"]["services"]) == 12  # the payload lists them all
