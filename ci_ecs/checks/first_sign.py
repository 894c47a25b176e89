"""The first conclusive sign that the tasks behind a wait's targets fail, seen before the targets show it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ci_ecs.aws import ecs
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.aws.clients import Aws
from ci_ecs.aws.launches import Launch, behind
from ci_ecs.checks.base import CheckResult
from ci_ecs.checks.container_logs import show_logs
from ci_ecs.checks.events import show_events, show_events_since
from ci_ecs.checks.stopped import failed, task_id, why_stopped
from ci_ecs.errors import CiEcsError
from ci_ecs.output import Console


# ECS replaces a task that fails its health checks, or whose essential container exits, often before a poll
# of the targets sees it `unhealthy`: a wait on target health alone would then sit until its timeout.
class TaskWatch:
    """Watches the tasks behind some targets; `failure()` costs one or two calls and is for unmet waits."""

    def __init__(self, aws: Aws, launches: Iterable[Launch | None], console: Console) -> None:
        self.aws, self.console = aws, console
        self.launches = list(dict.fromkeys(launch for launch in launches if launch is not None))
        self._seen: set[str] = set()  # stopped tasks already judged
        self._failed_tasks: dict[Launch, int] = {}  # a service deployment's failedTasks when last looked

    @classmethod
    def of_groups(cls, aws: Aws, groups: Iterable[str], console: Console) -> TaskWatch:
        """A watch on what this job started behind these target groups (nothing: a watch that sees none)."""
        return cls(aws, [behind(aws, group) for group in groups], console)

    def failure(self) -> CheckResult | None:
        """The first new task that stopped failing (its logs printed), or the failed deployment; else None."""
        for launch in self.launches:
            found = self._service(launch) if launch.service else self._tasks(launch)
            if found is not None:
                return found
        return None

    def _service(self, launch: Launch) -> CheckResult | None:
        service = ecs.describe_service(self.aws, launch.cluster, launch.service)
        ours = next((d for d in service.get("deployments", []) if d.get("id") == launch.deployment), None)
        if ours is None:
            return CheckResult(
                False, f"deployment {launch.deployment} left service {launch.service}", service
            )
        count, state = ours.get("failedTasks", 0), ours.get("rolloutState")
        if count <= self._failed_tasks.get(launch, 0) and state != "FAILED":
            return None
        self._failed_tasks[launch] = count
        arns = ecs_tasks.task_arns_started_by(self.aws, launch.cluster, launch.deployment, "STOPPED")
        found = self._judge(launch.cluster, arns)
        if found is None and state == "FAILED":
            found = CheckResult(False, ours.get("rolloutStateReason") or "rolloutState FAILED", service)
        if found is not None:
            show_events(self.console, service, launch.deployment)
        return found

    def _tasks(self, launch: Launch) -> CheckResult | None:
        if launch.tasks:
            described = ecs_tasks.describe_tasks(self.aws, launch.cluster, launch.tasks)
            return self._verdict([t for t in described if t.get("desiredStatus") == "STOPPED"])
        arns = ecs_tasks.task_arns_started_by(self.aws, launch.cluster, launch.started_by(), "STOPPED")
        found = self._judge(launch.cluster, arns)
        if found is not None and launch.owner:
            self._task_set_events(launch)
        return found

    def _task_set_events(self, launch: Launch) -> None:
        """Print what ECS said about the task set (one DescribeServices, on a failure only)."""
        try:
            service = ecs.describe_service(self.aws, launch.cluster, launch.owner)
        except CiEcsError:
            return
        about = [e for e in service.get("events", []) if launch.task_set in str(e.get("message", ""))]
        show_events_since(self.console, {**service, "events": about}, None)

    def _judge(self, cluster: str, arns: list[str]) -> CheckResult | None:
        """Describe the stopped tasks not judged yet (none: no call)."""
        fresh = [arn for arn in arns if arn not in self._seen]
        return self._verdict(ecs_tasks.describe_tasks(self.aws, cluster, fresh))

    def _verdict(self, stopped: list[dict[str, Any]]) -> CheckResult | None:
        """The first failed task of those ECS stops; one still stopping is judged again until stopped."""
        fresh = [t for t in stopped if t.get("taskArn") not in self._seen]
        bad = [t for t in fresh if failed(t)]
        self._seen.update(str(t.get("taskArn")) for t in fresh if t.get("lastStatus") == "STOPPED")
        if not bad:
            return None
        task = bad[0]
        reason = f"task {task_id(task)} of the new version stopped: {why_stopped(task)}"
        self.console.progress(reason)
        show_logs(self.aws, self.console, [task])
        return CheckResult(False, reason, {"tasks": bad})
