"""GitHub at the HTTP level: a deployment per job, statuses in_progress → success / failure, history."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from ci_ecs.forge.github import GitHubReporter, github_reporter
from ci_ecs.model import Analysis
from ci_ecs.output import Console
from tests.unit.forge.bodies import GITHUB_REPO, github_deployment, github_status
from tests.unit.forge.conftest import (
    GITHUB_ENV,
    GITHUB_TOKEN,
    IMAGE,
    RUN_URL,
    TASK_DEF,
    V1_SHA,
    V2_SHA,
    body,
    record,
)

# PyGithub names the port in every URL it requests; the bodies it reads carry GitHub's own URLs.
REPO = GITHUB_REPO.replace("api.github.com", "api.github.com:443")
SITE = "https://web.example.com"


def _reporter(console: Console, tier: str | None = "production", **env: str) -> GitHubReporter:
    reporter = github_reporter({**GITHUB_ENV, **env}, console, tier=tier)
    assert reporter is not None
    return reporter


def _expect_create(api: responses.RequestsMock, id: int = 42, repo: str = REPO) -> None:
    answer_repo = repo.replace(":443", "")
    api.post(f"{repo}/deployments", json=github_deployment(id, repo=answer_repo), status=201)


def _expect_status(api: responses.RequestsMock, state: str, id: int = 42, repo: str = REPO) -> None:
    answer_repo = repo.replace(":443", "")
    api.post(f"{repo}/deployments/{id}/statuses", json=github_status(1, state, repo=answer_repo), status=201)


def _payload(**changes: Any) -> dict[str, Any]:
    return {
        "command": "deploy",
        "version": "v2",
        "previous_version": "v1",
        "technique": "rolling",
        "image": IMAGE,
        "image_digest": IMAGE.partition("@")[2],
        "task_definition": TASK_DEF,
        "previous_task_definition": TASK_DEF[:-1] + "6",
        "cluster": "main",
        "service": "web",
        "run_id": 1658821493,
        **changes,
    }


def test_github_deploy_creates_a_deployment_in_progress_then_success(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")
    _expect_status(api, "success")
    reporter = _reporter(console)

    reporter.started(record(), "production")
    reporter.finished(record(), "production", SITE)

    create, progress, success = api.calls
    assert create.request.method == "POST"
    assert create.request.url == f"{REPO}/deployments"
    assert create.request.headers["Authorization"] == f"token {GITHUB_TOKEN}"
    assert body(create) == {
        "ref": V2_SHA,
        "auto_merge": False,
        "required_contexts": [],
        "payload": _payload(),
        "environment": "production",
        "description": "ci-ecs deploy of v2 (rolling): started",
        "production_environment": True,
        "transient_environment": False,
    }
    assert progress.request.url == f"{REPO}/deployments/42/statuses"
    assert body(progress) == {"state": "in_progress", "target_url": RUN_URL}
    assert body(success) == {
        "state": "success",
        "target_url": RUN_URL,
        "environment_url": SITE,
        "description": "ci-ecs deploy of v2 (rolling): success",
        "auto_inactive": True,
    }
    assert capsys.readouterr().err == ""


def test_github_canary_success_keeps_the_stable_deployment_active(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")
    _expect_status(api, "success")
    canary = record(command="canary-deploy", details={"image": IMAGE, "traffic": "10% canary"})
    reporter = _reporter(console)

    reporter.started(canary, "production", SITE)
    reporter.finished(canary, "production", SITE)

    assert body(api.calls[0])["payload"]["command"] == "canary-deploy"
    assert body(api.calls[1]) == {"state": "in_progress", "target_url": RUN_URL, "environment_url": SITE}
    assert body(api.calls[2])["auto_inactive"] is False


def test_github_failed_deploy_ends_in_failure_and_inactivates_nothing(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")
    _expect_status(api, "failure")
    reporter = _reporter(console)

    reporter.started(record(), "production")
    reporter.finished(record(status="failed", reason="circuit breaker"), "production", SITE)

    assert body(api.calls[2]) == {
        "state": "failure",
        "target_url": RUN_URL,
        "environment_url": SITE,
        "description": "ci-ecs deploy of v2 (rolling): failure — circuit breaker",
    }


def test_github_canary_success_describes_what_its_analysis_found(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")
    _expect_status(api, "success")
    found = Analysis("10% of the traffic", (), "pass", "canary analysis passed: 5 of 5 intervals passed")
    canary = record(command="canary-deploy", analysis=(found,))
    reporter = _reporter(console)

    reporter.started(canary, "production", SITE)
    reporter.finished(canary, "production", SITE)

    assert body(api.calls[2])["description"] == (
        "ci-ecs canary-deploy of v2 (rolling): success — canary analysis passed: 5 of 5 intervals passed"
    )


def test_github_rollback_deploys_the_commit_of_the_version_live_again(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")
    _expect_status(api, "success")
    rollback = record(
        command="rollback", version="v1", previous_version="v2", details={"image": IMAGE, "commit": V1_SHA}
    )
    reporter = _reporter(console)

    reporter.started(rollback, "production")
    reporter.finished(rollback, "production", SITE)

    created = body(api.calls[0])
    assert created["ref"] == V1_SHA  # not GITHUB_SHA: the rollback workflow runs on another commit
    assert created["payload"] == _payload(command="rollback", version="v1", previous_version="v2")
    assert body(api.calls[2])["auto_inactive"] is True


def test_github_rollback_without_a_commit_deploys_the_version_as_ref(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")

    _reporter(console).started(record(command="rollback", version="v1"), "production")

    assert body(api.calls[0])["ref"] == "v1"


def test_github_review_environment_is_transient_and_not_production(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")

    _reporter(console, tier="development").started(record(), "review/feature-x")

    created = body(api.calls[0])
    assert (created["production_environment"], created["transient_environment"]) == (False, True)


@pytest.mark.parametrize(("environment", "production"), [("production", True), ("staging", False)])
def test_github_without_a_tier_the_environment_name_decides_production(
    api: responses.RequestsMock, console: Console, environment: str, production: bool
) -> None:
    _expect_create(api)
    _expect_status(api, "in_progress")

    _reporter(console, tier=None).started(record(), environment)

    assert body(api.calls[0])["production_environment"] is production


def test_github_enterprise_server_is_reached_at_github_api_url(
    api: responses.RequestsMock, console: Console
) -> None:
    ghe = "https://ghe.example.com:443/api/v3/repos/octocat/example"
    _expect_create(api, repo=ghe)
    _expect_status(api, "in_progress", repo=ghe)
    env = {"GITHUB_API_URL": "https://ghe.example.com/api/v3", "GITHUB_SERVER_URL": "https://ghe.example.com"}

    _reporter(console, **env).started(record(), "production")

    assert api.calls[0].request.url == f"{ghe}/deployments"
    assert (
        body(api.calls[1])["target_url"] == "https://ghe.example.com/octocat/example/actions/runs/1658821493"
    )


def test_github_finished_without_started_still_records_the_outcome(
    api: responses.RequestsMock, console: Console
) -> None:
    _expect_create(api)
    _expect_status(api, "success")

    _reporter(console).finished(record(), "production", SITE)

    assert [c.request.url for c in api.calls] == [f"{REPO}/deployments", f"{REPO}/deployments/42/statuses"]


def test_github_history_keeps_deployments_that_succeeded_even_when_superseded(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    deployments = [
        github_deployment(45, payload=_payload(version="v4", run_id=5)),
        github_deployment(44, payload=_payload(version="v3", run_id=4)),
        github_deployment(43, sha=V2_SHA, payload=_payload(version="v2", run_id=3)),
        github_deployment(42, sha=V1_SHA, payload=_payload(version="v1", run_id=2)),
        github_deployment(41, sha=V1_SHA),  # made by another tool: no payload
    ]
    statuses = {  # newest first, as GitHub lists them
        45: ["in_progress"],
        44: ["failure", "in_progress"],
        43: ["success", "in_progress"],
        42: ["inactive", "success", "in_progress"],
        41: ["inactive", "success"],
    }
    api.get(
        f"{REPO}/deployments",
        json=deployments,
        match=[matchers.query_param_matcher({"environment": "production"})],
    )
    for id, states in statuses.items():
        answer = [github_status(10 * id + len(states) - n, s, deployment=id) for n, s in enumerate(states)]
        api.get(f"{REPO}/deployments/{id}/statuses", json=answer)

    found = _reporter(console).history("production")

    assert [(d.id, d.version, d.sha, d.status, d.pipeline_id) for d in found] == [
        (43, "v2", V2_SHA, "success", 3),
        (42, "v1", V1_SHA, "inactive", 2),
        (41, V1_SHA, V1_SHA, "inactive", None),
    ]
    assert found[0].payload["task_definition"] == TASK_DEF
    assert found[0].ref == "topic-branch"
    assert capsys.readouterr().err == ""


def test_github_history_stops_at_the_limit(api: responses.RequestsMock, console: Console) -> None:
    deployments = [github_deployment(id, payload=_payload(version=f"v{id}")) for id in (43, 42, 41)]
    api.get(f"{REPO}/deployments", json=deployments)
    for id in (43, 42):
        api.get(f"{REPO}/deployments/{id}/statuses", json=[github_status(id, "success", deployment=id)])

    found = _reporter(console).history("production", limit=2)

    assert [d.version for d in found] == ["v43", "v42"]


def test_github_reporter_needs_a_token_and_the_repository(
    console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    assert github_reporter({"GITHUB_ACTIONS": "true"}, console, tier=None) is None

    assert capsys.readouterr().err.splitlines() == [
        "warning: GitHub: not reporting deployments: GITHUB_TOKEN, GITHUB_REPOSITORY not set"
    ]


def test_github_stopped_marks_the_environments_active_deployments_inactive(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    deployments = [github_deployment(id, payload=_payload(version=f"v{id}")) for id in (44, 43, 42)]
    statuses = {44: ["success", "in_progress"], 43: ["inactive", "success"], 42: ["failure"]}
    api.get(
        f"{REPO}/deployments",
        json=deployments,
        match=[matchers.query_param_matcher({"environment": "review/pr-7"})],
    )
    for id, states in statuses.items():
        answer = [github_status(10 * id + len(states) - n, s, deployment=id) for n, s in enumerate(states)]
        api.get(f"{REPO}/deployments/{id}/statuses", json=answer)
    _expect_status(api, "inactive", id=44)

    _reporter(console, tier=None).stopped("review/pr-7")

    posts = [c for c in api.calls if c.request.method == "POST"]
    assert [c.request.url for c in posts] == [f"{REPO}/deployments/44/statuses"]
    assert body(posts[0]) == {"state": "inactive", "description": "ci-ecs stop: the environment was removed"}
    assert capsys.readouterr().err == ""


def test_github_stopped_failing_is_one_warning(
    api: responses.RequestsMock, console: Console, capsys: Any
) -> None:
    api.get(f"{REPO}/deployments", status=500, json={"message": "Server Error"})

    _reporter(console, tier=None).stopped("review/pr-7")

    assert capsys.readouterr().err.startswith(
        "warning: GitHub: marking the deployments of review/pr-7 inactive failed"
    )
