"""What every message says: one headline per command and event, the facts, the job's page."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ci_ecs.notify.notice import facts, headline, job_url
from tests.unit.notify.notices import notice


@pytest.mark.parametrize(
    ("event", "record", "said"),
    [
        ("start", {}, "Deploying v3 to production"),
        ("success", {}, "Deployed v3 to production"),
        ("failure", {"status": "failed"}, "Deploy of v3 to production failed"),
        ("failure", {"status": "cancelled"}, "Deploy of v3 to production was cancelled"),
        ("start", {"command": "canary-deploy"}, "Deploying a canary of v3 to production"),
        ("success", {"command": "canary-deploy"}, "Canary of v3 ready on production"),
        ("failure", {"command": "canary-deploy", "status": "failed"}, "Canary of v3 to production failed"),
        ("start", {"command": "rollback"}, "Rolling back production"),
        ("rollback", {"command": "rollback", "version": "v2"}, "Rolled back production to v2"),
        (
            "rollback",
            {"command": "rollback", "version": "v2", "details": {"unchanged": "true"}},
            "Rollback of production: already on v2, nothing was rolled back",
        ),
        ("failure", {"command": "rollback", "status": "failed"}, "Rollback of production failed"),
        ("failure", {"command": "rollback", "status": "cancelled"}, "Rollback of production was cancelled"),
    ],
)
def test_each_command_and_event_has_its_headline(event: str, record: dict[str, object], said: str) -> None:
    assert headline(notice(event, **record)) == said  # type: ignore[arg-type]


def test_without_an_environment_the_service_is_named() -> None:
    assert headline(replace(notice(), environment=None)) == "Deployed v3 to web"
    assert ("Environment", "production") not in facts(replace(notice(), environment=None))


def test_a_first_deploy_has_no_previous_version_and_a_start_no_duration() -> None:
    titles = [title for title, _ in facts(notice("start", previous_version=None))]

    assert titles == ["Version", "Technique", "Environment", "Service"]


def test_the_job_is_gitlabs_job_or_githubs_run() -> None:
    assert job_url({"CI_JOB_URL": "https://gitlab.com/a/b/-/jobs/1"}) == "https://gitlab.com/a/b/-/jobs/1"
    github = {"GITHUB_REPOSITORY": "a/b", "GITHUB_RUN_ID": "42"}
    assert job_url(github) == "https://github.com/a/b/actions/runs/42"
    assert job_url({**github, "GITHUB_SERVER_URL": "https://ghe.example.com"}) == (
        "https://ghe.example.com/a/b/actions/runs/42"
    )
    assert job_url({}) is None
