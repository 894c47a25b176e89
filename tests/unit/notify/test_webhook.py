"""The generic webhook's JSON: the event and the record as `--output json` prints it."""

from __future__ import annotations

import json
from dataclasses import asdict

from ci_ecs.notify import webhook
from tests.unit.notify.notices import JOB, RECORD, notice


def test_the_body_is_the_event_then_the_json_record_and_the_job() -> None:
    body = webhook.payload(notice("success"))

    assert next(iter(body)) == "event"
    assert body == {
        "event": "success",
        **asdict(RECORD),
        "seconds": 65.2,
        "environment": "production",
        "url": "https://app.example.com",
        "job_url": JOB,
    }
    json.dumps(body)  # JSON as it is sent


def test_a_failure_keeps_the_whole_reason() -> None:
    body = webhook.payload(notice("failure", status="failed", reason="line one\nline two"))

    assert (body["event"], body["status"], body["reason"]) == ("failure", "failed", "line one\nline two")
