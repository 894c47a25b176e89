"""The generic webhook's JSON: the event, then the record as `--output json` prints it, and the job."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ci_ecs.notify.notice import Notice


def payload(notice: Notice) -> dict[str, Any]:
    """`event`, the deployment record and `seconds`, then the environment, its URL and the job's page."""
    return {
        "event": notice.event,
        **asdict(notice.record),
        "seconds": round(notice.seconds, 1),
        "environment": notice.environment,
        "url": notice.url,
        "job_url": notice.job_url,
    }
