"""GitLab at the HTTP level: job deployments are GitLab's; ci-ecs records what a rollback makes live."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from ci_ecs.forge.gitlab import GitLabReporter, gitlab_reporter
from ci_ecs.output import Console
from tests.unit.forge.bodies import GITLAB_API, gitlab_created, gitlab_deployment
from tests.unit.forge.conftest import GITLAB_ENV, GITLAB_TOKEN, JOB_TOKEN, V1_SHA, V2_SHA, body, record

LIST_QUERY = {"environment": "production", "status": "success", "order_by": "id", "sort": "desc"}


def _reporter(console: Console, **env: str) -> GitLabReporter:
    reporter = gitlab_reporter({**GITLAB_ENV, **env}, console)
    assert reporter is not None
    return reporter


def _history(api: responses.RequestsMock, *items: dict[str, object], per_page: str = "20") -> None:
    api.get(
        GITLAB_API,
        json=list(items),
        match=[matchers.query_param_matcher({**LIST_QUERY, "per_page": per_page})],
    )


def test_gitlab_history_lists_successful_deployments_newest_first_with_tag_or_sha_as_version(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(
        api,
        gitlab_deployment(43, sha=V2_SHA, ref="v2", tag=True, pipeline=102),
        gitlab_deployment(42, sha=V1_SHA, ref="main", pipeline=101),
        gitlab_deployment(41, sha=V1_SHA, ref="v0", job=False),
        per_page="10",
    )

    found = _reporter(console).history("production")

    assert [(d.id, d.version, d.sha, d.ref, d.pipeline_id, d.status) for d in found] == [
        (43, "v2", V2_SHA, "v2", 102, "success"),
        (42, V1_SHA, V1_SHA, "main", 101, "success"),
        (41, "v0", V1_SHA, "v0", None, "success"),  # made through the API: ci-ecs puts the version in ref
    ]
    assert found[0].created_at == datetime(2016, 8, 11, 7, 36, 40, 222000, tzinfo=UTC)
    assert api.calls[0].request.headers["JOB-TOKEN"] == JOB_TOKEN
    assert "PRIVATE-TOKEN" not in api.calls[0].request.headers
    assert capsys.readouterr().err == ""


def test_gitlab_token_in_ci_ecs_gitlab_token_is_sent_as_a_private_token(
    api: responses.RequestsMock, console: Console
) -> None:
    _history(api, per_page="10")

    assert _reporter(console, CI_ECS_GITLAB_TOKEN=GITLAB_TOKEN).history("production") == []

    assert api.calls[0].request.headers["PRIVATE-TOKEN"] == GITLAB_TOKEN
    assert "JOB-TOKEN" not in api.calls[0].request.headers


@pytest.mark.parametrize("command", ["deploy", "canary"])
@pytest.mark.parametrize("status", ["success", "failed"])
def test_gitlab_deploy_and_canary_leave_the_deployment_to_the_job_environment(
    api: responses.RequestsMock,
    console: Console,
    capsys: pytest.CaptureFixture[str],
    command: str,
    status: str,
) -> None:
    reporter = _reporter(console)
    job = record(command=command, status=status)

    reporter.started(job, "production", "https://web.example.com")
    reporter.finished(job, "production", "https://web.example.com")

    assert len(api.calls) == 0
    assert capsys.readouterr().err == ""


def test_gitlab_rollback_records_a_successful_deployment_of_the_live_version(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(
        api,
        gitlab_deployment(43, sha=V2_SHA, ref="v2", tag=True, pipeline=102),
        gitlab_deployment(42, sha=V1_SHA, ref="v1", tag=True, pipeline=101),
    )
    api.post(GITLAB_API, json=gitlab_created(44, sha=V1_SHA, ref="v1"), status=201)
    rollback = record(command="rollback", version="v1", previous_version="v2")

    reporter = _reporter(console)
    reporter.started(rollback, "production")
    reporter.finished(rollback, "production")

    assert [c.request.method for c in api.calls] == ["GET", "POST"]
    assert body(api.calls[1]) == {
        "environment": "production",
        "sha": V1_SHA,
        "ref": "v1",
        "tag": True,
        "status": "success",
    }
    assert capsys.readouterr().err == ""


def test_gitlab_rollback_to_a_commit_records_it_untagged_with_the_commit_as_ref(
    api: responses.RequestsMock, console: Console
) -> None:
    _history(api, gitlab_deployment(43, sha=V2_SHA, pipeline=102))
    api.post(GITLAB_API, json=gitlab_created(44, sha=V1_SHA, ref=V1_SHA), status=201)

    _reporter(console).finished(record(command="rollback", version=V1_SHA), "production")

    assert body(api.calls[1]) == {
        "environment": "production",
        "sha": V1_SHA,
        "ref": V1_SHA,
        "tag": False,
        "status": "success",
    }


def test_gitlab_rollback_uses_the_commit_given_in_the_record(
    api: responses.RequestsMock, console: Console
) -> None:
    _history(api, gitlab_deployment(43, sha=V2_SHA, ref="v2", tag=True))
    api.post(GITLAB_API, json=gitlab_created(44, sha=V1_SHA, ref="v1"), status=201)
    rollback = record(command="rollback", version="v1", details={"commit": V1_SHA})

    _reporter(console).finished(rollback, "production")

    assert body(api.calls[1])["sha"] == V1_SHA


def test_gitlab_rollback_twice_records_the_live_version_once(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(api, gitlab_deployment(44, sha=V1_SHA, ref="v1", job=False))

    _reporter(console).finished(record(command="rollback", version="v1"), "production")

    assert [c.request.method for c in api.calls] == ["GET"]
    assert capsys.readouterr().err == ""


def test_gitlab_failed_rollback_records_nothing(api: responses.RequestsMock, console: Console) -> None:
    _reporter(console).finished(record(command="rollback", version="v1", status="failed"), "production")

    assert len(api.calls) == 0


def test_gitlab_rollback_to_a_version_of_unknown_commit_warns_once_and_records_nothing(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(api, gitlab_deployment(43, sha=V2_SHA, ref="v2", tag=True))

    _reporter(console).finished(record(command="rollback", version="v0"), "production")

    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: GitLab: recording the rollback to v0 in production failed:")
    assert "commit of v0 is unknown" in warnings[0]


def test_gitlab_reporter_needs_the_server_the_project_and_a_token(
    console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.example.com"}

    assert gitlab_reporter(env, console) is None

    missing = "CI_PROJECT_ID, CI_JOB_TOKEN (or CI_ECS_GITLAB_TOKEN)"
    assert capsys.readouterr().err.splitlines() == [
        f"warning: GitLab: not reporting deployments: {missing} not set"
    ]
