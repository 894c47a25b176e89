"""Creates a lost reply cannot make twice: the client tokens the gateway sends, and `create_once`."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from ci_ecs.aws import idempotency
from ci_ecs.aws.clients import Aws

SERVICE = {"cluster": "demo", "serviceName": "web-canary", "taskDefinition": "web:3", "desiredCount": 1}


class Sent(Exception):
    """Raised instead of signing a request: what would have been sent is the test's answer."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__()
        self.body = body


def _sent(aws: Aws, operation: str, **params: Any) -> dict[str, Any]:
    """The JSON body the gateway's ECS client would send for `operation` (nothing is sent)."""
    ecs = aws.client("ecs")

    def stop(request: Any, **_: Any) -> None:
        raise Sent(json.loads(request.body))

    ecs.meta.events.register("before-sign.ecs", stop)
    with pytest.raises(Sent) as sent:
        getattr(ecs, operation)(**params)
    return sent.value.body


def test_the_same_request_of_one_job_gets_the_same_token_and_any_other_another() -> None:
    token = idempotency.client_token("job-1", "CreateService", SERVICE)

    assert token == idempotency.client_token("job-1", "CreateService", {**SERVICE, "clientToken": "x"})
    assert token != idempotency.client_token("job-2", "CreateService", SERVICE)
    assert token != idempotency.client_token("job-1", "CreateService", {**SERVICE, "desiredCount": 2})
    assert token != idempotency.client_token("job-1", "CreateTaskSet", SERVICE)
    assert len(token) <= 36  # CreateService's and CreateTaskSet's limit


def test_the_gateway_sends_a_token_with_each_ecs_create_that_takes_one() -> None:
    aws = Aws("us-east-1")
    run = {"cluster": "demo", "taskDefinition": "web:3", "count": 1}

    assert _sent(aws, "create_service", **SERVICE)["clientToken"] == idempotency.client_token(
        aws.nonce, "CreateService", SERVICE
    )
    # RunTask's model marks its token: ours comes first, instead of botocore's random one.
    assert _sent(aws, "run_task", **run)["clientToken"] == idempotency.client_token(aws.nonce, "RunTask", run)
    assert "clientToken" in _sent(
        aws, "create_task_set", cluster="demo", service="web-ext", taskDefinition="x"
    )
    assert "clientToken" not in _sent(aws, "update_service", cluster="demo", service="web")


def test_two_jobs_never_share_a_token() -> None:
    assert (
        _sent(Aws("us-east-1"), "create_service", **SERVICE)["clientToken"]
        != _sent(Aws("us-east-1"), "create_service", **SERVICE)["clientToken"]
    )


def _lost() -> botocore.exceptions.ConnectionClosedError:
    return botocore.exceptions.ConnectionClosedError(endpoint_url="https://ecs.us-east-1.amazonaws.com/")


def _answer(code: str, status: int) -> botocore.exceptions.ClientError:
    reply: Any = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return botocore.exceptions.ClientError(reply, "RegisterTaskDefinition")


class Attempts:
    """An attempt that fails with each of `failures` in turn, then answers `created`."""

    def __init__(self, *failures: Exception) -> None:
        self.failures, self.calls, self.looks = list(failures), 0, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "created"

    def previous(self, found: str | None) -> Any:
        def look() -> str | None:
            self.looks += 1
            return found

        return look


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "pause", lambda attempt, throttled: None)


def test_after_a_lost_reply_what_that_attempt_created_is_the_result() -> None:
    attempt = Attempts(_lost())

    assert idempotency.create_once(attempt, attempt.previous("registered by the lost attempt")) == (
        "registered by the lost attempt"
    )
    assert (attempt.calls, attempt.looks) == (1, 1)


@pytest.mark.parametrize("failure", [_lost(), _answer("ServiceUnavailable", 503)], ids=["lost", "5xx"])
def test_after_a_failure_that_created_nothing_the_create_is_tried_again(failure: Exception) -> None:
    attempt = Attempts(failure)

    assert idempotency.create_once(attempt, attempt.previous(None)) == "created"
    assert (attempt.calls, attempt.looks) == (2, 1)


def test_a_throttled_attempt_did_nothing_so_it_is_retried_without_looking() -> None:
    attempt = Attempts(_answer("ThrottlingException", 400), _answer("Throttling", 400))

    assert idempotency.create_once(attempt, attempt.previous("never asked")) == "created"
    assert (attempt.calls, attempt.looks) == (3, 0)


def test_a_refusal_is_raised_at_once_and_the_last_failure_after_every_attempt() -> None:
    refused = Attempts(_answer("ClientException", 400))
    with pytest.raises(botocore.exceptions.ClientError):
        idempotency.create_once(refused, refused.previous(None))
    assert refused.calls == 1

    failing = Attempts(*[_answer("ServiceUnavailable", 503)] * 5)
    with pytest.raises(botocore.exceptions.ClientError):
        idempotency.create_once(failing, failing.previous(None), attempts=3)
    assert (failing.calls, failing.looks) == (3, 2)


def test_a_described_resource_holds_what_was_asked_with_the_defaults_aws_added() -> None:
    asked = {"family": "web", "containerDefinitions": [{"name": "web", "image": "web:v2", "environment": []}]}
    described = {
        "family": "web",
        "revision": 4,
        "containerDefinitions": [{"name": "web", "image": "web:v2", "cpu": 0, "essential": True}],
    }

    assert idempotency.holds(described, asked)
    other_image = {**asked, "containerDefinitions": [{"name": "web", "image": "web:v3"}]}
    assert not idempotency.holds(described, other_image)
    assert not idempotency.holds({**described, "containerDefinitions": []}, asked)
    assert not idempotency.holds(
        {
            **described,
            "containerDefinitions": [{"name": "web", "image": "web:v2", "environment": [{"n": 1}]}],
        },
        asked,
    )
