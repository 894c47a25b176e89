"""What one notification says, whichever service it goes to: the event, the facts, the headline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ci_ecs.model import DeploymentRecord
from ci_ecs.settings.notify import Event

REASON_LIMIT = 500  # characters of the reason a chat message shows


@dataclass(frozen=True)
class Notice:
    """One event of a job: its record, how long the job has run, where it ran and for which environment."""

    event: Event
    record: DeploymentRecord
    seconds: float
    environment: str | None = None
    url: str | None = None  # the environment's address
    job_url: str | None = None

    @property
    def reason(self) -> str | None:
        """The failure's reason on one line, shortened for a chat message."""
        if self.event != "failure" or not self.record.reason:
            return None
        line = " ".join(self.record.reason.split())
        return line if len(line) <= REASON_LIMIT else line[: REASON_LIMIT - 1] + "…"

    @property
    def duration(self) -> str | None:
        """How long the job took, as people read it (`1m 05s`); None for a start."""
        if self.event == "start":
            return None
        minutes, seconds = divmod(round(self.seconds), 60)
        return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def job_url(env: Mapping[str, str]) -> str | None:
    """The CI job's page: GitLab's job, or GitHub's workflow run."""
    if env.get("CI_JOB_URL"):
        return env["CI_JOB_URL"]
    if env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return None


def headline(notice: Notice) -> str:
    """One sentence: what happened to which version where."""
    record = notice.record
    where = notice.environment or record.service
    ended = "was cancelled" if record.status == "cancelled" else "failed"
    if record.command == "rollback":
        if notice.event == "start":
            return f"Rolling back {where}"
        if notice.event == "failure":
            return f"Rollback of {where} {ended}"
        if record.unchanged:
            return f"Rollback of {where}: already on {record.version}, nothing was rolled back"
        return f"Rolled back {where} to {record.version}"
    canary = record.command == "canary-deploy"
    if notice.event == "start":
        return f"Deploying {'a canary of ' if canary else ''}{record.version} to {where}"
    if notice.event == "failure":
        return f"{'Canary' if canary else 'Deploy'} of {record.version} to {where} {ended}"
    if canary:
        return f"Canary of {record.version} ready on {where}"
    return f"Deployed {record.version} to {where}"


def facts(notice: Notice) -> list[tuple[str, str]]:
    """The facts every message shows, in order, as (title, value); unknown ones left out."""
    record = notice.record
    rows = [
        ("Version", record.version),
        ("Previous version", record.previous_version or ""),
        ("Technique", record.technique),
        ("Environment", notice.environment or ""),
        ("Service", f"{record.service} ({record.cluster.rsplit('/', 1)[-1]})"),
        ("Duration", notice.duration or ""),
    ]
    return [(title, value) for title, value in rows if value]
