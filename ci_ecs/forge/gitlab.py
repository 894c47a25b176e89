"""GitLab: jobs with `environment:` record deployments; ci-ecs records the version a rollback makes live."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ci_ecs.forge import ForgeDeployment
from ci_ecs.forge.common import TIMEOUT, GuardedReporter, missing
from ci_ecs.model import DeploymentRecord
from ci_ecs.output import Console

if TYPE_CHECKING:
    from gitlab.v4.objects import ProjectDeploymentManager

_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256 repositories
_LOOKBACK = 20  # deployments searched for the commit of the version a rollback returns to


def gitlab_reporter(env: Mapping[str, str], console: Console) -> GitLabReporter | None:
    """A reporter from GitLab CI's variables, or None after one warning naming what is missing."""
    token = env.get("CI_ECS_GITLAB_TOKEN") or env.get("CI_JOB_TOKEN") or ""
    absent = missing(env, "CI_SERVER_URL", "CI_PROJECT_ID")
    if not token:
        absent.append("CI_JOB_TOKEN (or CI_ECS_GITLAB_TOKEN)")
    if absent:
        console.warn(f"GitLab: not reporting deployments: {', '.join(absent)} not set")
        return None
    console.redact.add(token)
    return GitLabReporter(
        console,
        url=env["CI_SERVER_URL"],
        project_id=env["CI_PROJECT_ID"],
        token=token,
        job_token=not env.get("CI_ECS_GITLAB_TOKEN"),
    )


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def parse_deployment(item: Mapping[str, Any]) -> ForgeDeployment:
    """A deployment from the Deployments API; its version is the tag for tag pipelines, else the sha."""
    job = item.get("deployable") or {}
    sha, ref = str(item.get("sha") or ""), str(item.get("ref") or "")
    # Deployments made through the API (ci-ecs rollbacks) have no job, so no tag flag: ref is the version.
    version = (ref if job.get("tag") else sha) if job else (ref or sha)
    return ForgeDeployment(
        id=int(item["id"]),
        version=version,
        sha=sha,
        ref=ref,
        status=str(item.get("status") or ""),
        created_at=_time(item.get("created_at")),
        pipeline_id=_int((job.get("pipeline") or {}).get("id")),
    )


def commit_of(record: DeploymentRecord, recent: list[ForgeDeployment]) -> str | None:
    """The commit of the version a rollback made live: given, the version itself, or an earlier one's."""
    if record.details.get("commit"):
        return record.details["commit"]
    if _COMMIT.fullmatch(record.version):
        return record.version
    return next((d.sha for d in recent if d.version == record.version and d.sha), None)


class GitLabReporter(GuardedReporter):
    """Reads an environment's deployments; records the version a rollback made live."""

    name = "gitlab"
    forge = "GitLab"
    hints: ClassVar[Mapping[int, str]] = {
        401: "CI_ECS_GITLAB_TOKEN or CI_JOB_TOKEN is not valid",
        403: "the job's user needs the Developer role, or set CI_ECS_GITLAB_TOKEN (api scope)",
    }

    def __init__(self, console: Console, *, url: str, project_id: str, token: str, job_token: bool) -> None:
        super().__init__(console)
        self._url = url
        self._project_id = project_id
        self._token = token
        self._job_token = job_token
        self._manager: ProjectDeploymentManager | None = None

    def _deployments(self) -> ProjectDeploymentManager:
        if self._manager is None:
            import gitlab

            client = gitlab.Gitlab(
                self._url,
                private_token=None if self._job_token else self._token,
                job_token=self._token if self._job_token else None,
                timeout=TIMEOUT,
                retry_transient_errors=False,
                user_agent="ci-ecs",
            )
            self._manager = client.projects.get(self._project_id, lazy=True).deployments
        return self._manager

    def _list(self, environment: str, limit: int) -> list[ForgeDeployment]:
        found = self._deployments().list(
            environment=environment,
            status="success",
            order_by="id",
            sort="desc",
            per_page=limit,
            get_all=False,
            obey_rate_limit=False,  # a rate-limited forge is reported, not waited for
        )
        return [parse_deployment(d.attributes) for d in found]

    def started(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """Nothing: the job's `environment:` makes GitLab record the deployment itself."""

    def finished(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """After a successful rollback, record the version that is live again (its job made no deployment)."""
        if record.command == "rollback" and record.status == "success":
            self._attempt(
                f"recording the rollback to {record.version} in {environment}",
                lambda: self._record_live(record, environment),
            )

    def stopped(self, environment: str) -> None:
        """Nothing: the stop job's `environment: action: stop` makes GitLab stop the environment itself."""

    def _record_live(self, record: DeploymentRecord, environment: str) -> None:
        recent = self._list(environment, _LOOKBACK)
        if recent and recent[0].version == record.version:
            self._console.detail(f"GitLab: {record.version} is already the live deployment of {environment}")
            return
        sha = commit_of(record, recent)
        if sha is None:
            raise LookupError(f"the commit of {record.version} is unknown (no earlier deployment of it)")
        data = {
            "environment": environment,
            "sha": sha,
            "ref": record.version,
            "tag": record.version != sha,
            "status": "success",
        }
        created = self._deployments().create(data, obey_rate_limit=False)
        self._console.detail(f"GitLab: deployment {created.get_id()}: {record.version} live in {environment}")
