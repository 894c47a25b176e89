"""Reporting never fails a deploy: every API error is one warning line, and no token reaches the output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from ci_ecs.forge import Reporter, reporter_for
from ci_ecs.output import Console
from tests.unit.forge.bodies import GITLAB_API, gitlab_deployment
from tests.unit.forge.conftest import (
    GITHUB_ENV,
    GITHUB_TOKEN,
    GITLAB_ENV,
    GITLAB_TOKEN,
    JOB_TOKEN,
    TOKENS,
    V2_SHA,
    record,
)

GITHUB_DEPLOYMENTS = "https://api.github.com:443/repos/octocat/example/deployments"
BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center>nginx</center></body></html>"
)

# (status, GitLab body, GitHub body, what the warning must say)
ANSWERS: dict[str, tuple[int, Any, Any, str]] = {
    "401": (401, {"message": "401 Unauthorized"}, {"message": "Bad credentials"}, "HTTP 401"),
    "403": (
        403,
        {"message": "403 Forbidden"},
        {"message": "Resource not accessible by integration"},
        "HTTP 403",
    ),
    "404": (404, {"message": "404 Project Not Found"}, {"message": "Not Found"}, "HTTP 404"),
    "422": (
        422,
        {"message": {"sha": ["can't be blank"]}},
        {
            "message": "Validation Failed",
            "errors": [
                {"resource": "Deployment", "field": "ref", "code": "custom", "message": "No ref found"}
            ],
        },
        "HTTP 422",
    ),
    "500": (500, {"message": "500 Internal Server Error"}, {"message": "Server Error"}, "HTTP 500"),
    "502": (502, BAD_GATEWAY, BAD_GATEWAY, "HTTP 502 Bad Gateway"),
}
ERRORS = [*ANSWERS, "timeout", "connection"]


def _answer(api: responses.RequestsMock, method: str, url: str, error: str, token: str) -> None:
    gitlab = token != GITHUB_TOKEN
    if error == "timeout":
        api.add(method, url, body=requests.exceptions.ConnectTimeout("timed out"))
    elif error == "connection":
        # Library exception texts can carry request details: the token must be masked all the same.
        leak = f"Connection aborted: a request with the header {token} failed"
        api.add(method, url, body=requests.exceptions.ConnectionError(leak))
    else:
        status, gitlab_body, github_body, _ = ANSWERS[error]
        answer = gitlab_body if gitlab else github_body
        if isinstance(answer, str):
            api.add(method, url, body=answer, status=status, content_type="text/html")
        else:
            api.add(method, url, json=answer, status=status)


def _gitlab_history(api: responses.RequestsMock, console: Console, error: str) -> Callable[[], Any]:
    _answer(api, "GET", GITLAB_API, error, JOB_TOKEN)
    reporter = reporter_for("auto", GITLAB_ENV, console)
    return lambda: reporter.history("production")


def _gitlab_rollback(api: responses.RequestsMock, console: Console, error: str) -> Callable[[], Any]:
    api.get(GITLAB_API, json=[gitlab_deployment(43, sha=V2_SHA, ref="v2", tag=True)])
    _answer(api, "POST", GITLAB_API, error, GITLAB_TOKEN)
    reporter = reporter_for("gitlab", {**GITLAB_ENV, "CI_ECS_GITLAB_TOKEN": GITLAB_TOKEN}, console)
    rollback = record(command="rollback", version=V2_SHA[::-1].replace("a", "b"))
    return lambda: reporter.finished(rollback, "production")


def _github_started(api: responses.RequestsMock, console: Console, error: str) -> Callable[[], Any]:
    _answer(api, "POST", GITHUB_DEPLOYMENTS, error, GITHUB_TOKEN)
    reporter = reporter_for("auto", GITHUB_ENV, console, tier="production")
    return lambda: reporter.started(record(), "production")


def _github_history(api: responses.RequestsMock, console: Console, error: str) -> Callable[[], Any]:
    _answer(api, "GET", GITHUB_DEPLOYMENTS, error, GITHUB_TOKEN)
    reporter = reporter_for("github", GITHUB_ENV, console)
    return lambda: reporter.history("production")


CALLS = {
    "gitlab-history": _gitlab_history,
    "gitlab-rollback": _gitlab_rollback,
    "github-started": _github_started,
    "github-history": _github_history,
}


@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize("call", CALLS)
def test_an_api_error_is_one_warning_line_and_never_an_exception(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str], call: str, error: str
) -> None:
    report = CALLS[call](api, console, error)

    result = report()

    out, err = capsys.readouterr()
    assert result in (None, [])
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    forge = "GitLab" if call.startswith("gitlab") else "GitHub"
    assert lines[0].startswith(f"warning: {forge}: ")
    expected = {"timeout": "no answer within 10s", "connection": "could not connect"}.get(error) or ANSWERS[
        error
    ][3]
    assert expected in lines[0]
    for token in TOKENS:
        assert token not in out + err


def test_a_token_echoed_in_an_error_body_is_masked(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    api.post(GITHUB_DEPLOYMENTS, json={"message": f"Bad credentials: {GITHUB_TOKEN}"}, status=401)

    reporter_for("github", GITHUB_ENV, console).started(record(), "production")

    err = capsys.readouterr().err
    assert GITHUB_TOKEN not in err
    assert "Bad credentials: ****" in err


@pytest.mark.parametrize("forge", ["gitlab", "github"])
def test_after_a_permanent_error_the_job_reports_nothing_more(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str], forge: str
) -> None:
    env = GITLAB_ENV if forge == "gitlab" else GITHUB_ENV
    url = GITLAB_API if forge == "gitlab" else GITHUB_DEPLOYMENTS
    api.get(url, json={"message": "401 Unauthorized"}, status=401)
    reporter: Reporter = reporter_for(forge, env, console)
    job = record(command="rollback", version="v1", details={"commit": V2_SHA})

    assert reporter.history("production") == []
    reporter.started(job, "production")
    reporter.finished(job, "production", "https://web.example.com")

    assert len(api.calls) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "not reporting to " + ("GitLab" if forge == "gitlab" else "GitHub") + " for the rest of this job"
    )


def test_after_a_server_error_github_still_records_the_outcome(
    api: responses.RequestsMock, console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.forge.bodies import github_deployment, github_status

    api.post(GITHUB_DEPLOYMENTS, json={"message": "Server Error"}, status=500)
    api.post(GITHUB_DEPLOYMENTS, json=github_deployment(42), status=201)
    api.post(f"{GITHUB_DEPLOYMENTS}/42/statuses", json=github_status(1, "success"), status=201)
    reporter = reporter_for("github", GITHUB_ENV, console)

    reporter.started(record(), "production")
    reporter.finished(record(), "production", "https://web.example.com")

    assert [c.response.status_code for c in api.calls] == [500, 201, 201]  # type: ignore[union-attr]
    assert len(capsys.readouterr().err.splitlines()) == 1
