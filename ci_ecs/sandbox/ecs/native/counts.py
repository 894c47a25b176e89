"""Task counts of service revisions (API *ServiceRevisionSummary*, *ServiceCurrentRevisionSummary*)."""

from __future__ import annotations

from typing import Any

from ci_ecs.sandbox.ecs.native import keeper
from ci_ecs.sandbox.ecs.native.model import Deployment
from ci_ecs.sandbox.state import PENDING_STATES


def of(service: Any, deployment_id: str) -> tuple[int, int]:
    """(running, pending) tasks of one revision."""
    alive = keeper.alive_of(service, deployment_id)
    running = sum(t.last_status == "RUNNING" for t in alive)
    pending = sum(t.last_status in PENDING_STATES and t.desired_status == "RUNNING" for t in alive)
    return running, pending


def current_revisions(deployment: Deployment) -> list[dict[str, Any]]:
    """The service's currentServiceRevisions (API *ServiceCurrentRevisionSummary*): revisions with tasks."""
    found = []
    for i, revision in enumerate([deployment.target, *deployment.sources]):
        running, pending = of(deployment.service, revision.deployment_id)
        requested = deployment.target_wanted if i == 0 else (i == 1 and deployment.source_wanted)
        if running or pending or requested:
            found.append(
                {
                    "arn": revision.arn,
                    "requestedTaskCount": int(deployment.service.desired_count) if requested else 0,
                    "runningTaskCount": running,
                    "pendingTaskCount": pending,
                }
            )
    return found
