"""Records and notices for the notification tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ci_ecs.model import DeploymentRecord
from ci_ecs.notify.notice import Notice
from ci_ecs.settings.notify import Event

RECORD = DeploymentRecord(
    command="deploy",
    technique="rolling",
    service="web",
    cluster="arn:aws:ecs:us-east-1:123456789012:cluster/main",
    version="v3",
    task_definition="web:7",
    previous_version="v2",
    previous_task_definition="web:6",
)
JOB = "https://gitlab.example.com/group/app/-/jobs/42"


def notice(event: Event = "success", **record: Any) -> Notice:
    """A notice of a rolling deploy of v3 over v2 to production that took 65 seconds."""
    return Notice(
        event,
        replace(RECORD, **record),
        65.2,
        "production",
        "https://app.example.com",
        JOB,
    )
