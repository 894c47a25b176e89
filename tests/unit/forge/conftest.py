"""Fixtures for the forge reporters: a console on the captured streams, records, and the HTTP mock."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from ci_ecs.model import DeploymentRecord
from ci_ecs.output import Console, Redactor

# Distinctive, and shaped like no known credential, so only the reporters' own redaction can hide them.
GITLAB_TOKEN = "tok-GITLAB-private-7f3a9c"
JOB_TOKEN = "tok-GITLAB-job-51e0b2"
GITHUB_TOKEN = "tok-GITHUB-4d8e1f"
TOKENS = (GITLAB_TOKEN, JOB_TOKEN, GITHUB_TOKEN)

V1_SHA = "99d03678b90d914dbb1b109132516d71a4a03ea8"
V2_SHA = "a91957a858320c0e17f3a0eca7cfacbff50ea29a"
TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + "ab" * 32

GITLAB_ENV = {
    "GITLAB_CI": "true",
    "CI_SERVER_URL": "https://gitlab.example.com",
    "CI_PROJECT_ID": "1",
    "CI_JOB_TOKEN": JOB_TOKEN,
}
GITHUB_ENV = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_TOKEN": GITHUB_TOKEN,
    "GITHUB_REPOSITORY": "octocat/example",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_RUN_ID": "1658821493",
    "GITHUB_SHA": V2_SHA,
}
RUN_URL = "https://github.com/octocat/example/actions/runs/1658821493"


def record(**changes: Any) -> DeploymentRecord:
    """A deploy of v2 over v1 by the rolling technique, with `changes` applied."""
    fields: dict[str, Any] = {
        "command": "deploy",
        "technique": "rolling",
        "service": "web",
        "cluster": "main",
        "version": "v2",
        "task_definition": TASK_DEF,
        "previous_version": "v1",
        "previous_task_definition": TASK_DEF[:-1] + "6",
        "details": {"image": IMAGE},
    }
    return DeploymentRecord(**{**fields, **changes})


class _Live(io.StringIO):
    """Writes to whatever sys.stdout / sys.stderr is now (pytest swaps them between test phases)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def write(self, text: str) -> int:
        return int(getattr(sys, self._name).write(text))

    def flush(self) -> None:
        getattr(sys, self._name).flush()


@pytest.fixture
def console(capsys: pytest.CaptureFixture[str]) -> Console:
    """A console on the captured stdout/stderr that knows no secrets of its own."""
    return Console(redactor=Redactor(), out=_Live("stdout"), err=_Live("stderr"))


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Every HTTP request must match a registered answer, and every answer must be asked for."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def body(call: Any) -> Any:
    """The JSON body of a recorded request."""
    import json

    return json.loads(call.request.body)
