"""GitHub: a deployment per deploy / canary / rollback, with statuses in_progress → success / failure."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any, ClassVar

from ci_ecs.forge import ForgeDeployment
from ci_ecs.forge.common import TIMEOUT, GuardedReporter, missing
from ci_ecs.model import DeploymentRecord, ServiceOutcome
from ci_ecs.output import Console

if TYPE_CHECKING:
    from github.Deployment import Deployment
    from github.Repository import Repository

DEFAULT_API = "https://api.github.com"
_SCAN = 30  # newest deployments read for history: one page
_PRODUCTION_NAMES = ("production", "prod", "live")
_DESCRIPTION = 140  # GitHub's limit on a deployment's (and a status's) description
_NAMES = 80  # of it, at most this much names the services of `services:`


def github_reporter(env: Mapping[str, str], console: Console, *, tier: str | None) -> GitHubReporter | None:
    """A reporter from GitHub Actions' variables, or None after one warning naming what is missing."""
    absent = missing(env, "GITHUB_TOKEN", "GITHUB_REPOSITORY")
    if absent:
        console.warn(f"GitHub: not reporting deployments: {', '.join(absent)} not set")
        return None
    console.redact.add(env["GITHUB_TOKEN"])
    return GitHubReporter(
        console,
        token=env["GITHUB_TOKEN"],
        repository=env["GITHUB_REPOSITORY"],
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API,
        run_url=run_url(env),
        run_id=env.get("GITHUB_RUN_ID"),
        sha=env.get("GITHUB_SHA"),
        tier=tier,
    )


def run_url(env: Mapping[str, str]) -> str | None:
    """The workflow run's page: the deployment's log link."""
    if not env.get("GITHUB_REPOSITORY") or not env.get("GITHUB_RUN_ID"):
        return None
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"


def is_production(environment: str, tier: str | None) -> bool:
    """The tier decides; without one, GitLab's guess from the name (production, prod, live)."""
    if tier:
        return tier == "production"
    return environment.split("/")[0].lower() in _PRODUCTION_NAMES


def is_transient(environment: str) -> bool:
    """Review environments go away with their branch."""
    return environment.startswith("review/")


def payload(record: DeploymentRecord, run_id: str | None, redact: Callable[[str], str]) -> dict[str, Any]:
    """What a later `rollback` and a person need to know about the deployment (secrets masked)."""
    image = record.details.get("image", "")
    values: dict[str, Any] = {
        "command": record.command,
        "version": record.version,
        "previous_version": record.previous_version,
        "technique": record.technique,
        "image": image,
        "image_digest": record.details.get("digest") or image.partition("@")[2],
        "task_definition": record.task_definition,
        "previous_task_definition": record.previous_task_definition,
        "cluster": record.cluster,
        "service": record.service,
        "services": [_service(s, redact) for s in record.services],
        "run_id": int(run_id) if run_id and run_id.isdigit() else None,
    }
    return {k: redact(v) if isinstance(v, str) else v for k, v in values.items() if v not in (None, "", [])}


def _service(s: ServiceOutcome, redact: Callable[[str], str]) -> dict[str, str]:
    """A service of `services:` in the payload: where it is, its versions and revisions (what is known
    when the deployment is made: a revision is registered after it), and where it ended when known."""
    values = {
        "service": s.service,
        "cluster": s.cluster,
        "region": s.region,
        "version": s.version,
        "task_definition": s.task_definition,
        "previous_version": s.previous_version or "",
        "previous_task_definition": s.previous_task_definition or "",
        "state": "" if s.state == "in progress" else s.state,
    }
    return {k: redact(v) for k, v in values.items() if v}


def named(record: DeploymentRecord) -> str:
    """What the job deployed, for a description: its technique, or the services of `services:` (as many
    names as fit, then how many more)."""
    if not record.services:
        return f"({record.technique})"
    names = [s.service for s in record.services]
    shown = len(names)
    while shown > 1 and len(_listed(names, shown)) > _NAMES:
        shown -= 1
    return f"to {_listed(names, shown)}"


def _listed(names: list[str], shown: int) -> str:
    """The first `shown` names, then how many more."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" +{more} more" if more else "")


def parse_deployment(deployment: Deployment, state: str) -> ForgeDeployment:
    """A deployment from the Deployments API; version and run id come from ci-ecs's payload."""
    data: Any = deployment.payload
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            data = {}
    data = data if isinstance(data, dict) else {}
    run_id = data.get("run_id")
    return ForgeDeployment(
        id=deployment.id,
        version=str(data.get("version") or deployment.sha),
        sha=deployment.sha,
        ref=deployment.ref,
        status=state,
        created_at=deployment.created_at,
        pipeline_id=run_id if isinstance(run_id, int) else None,
        payload=data,
    )


class GitHubReporter(GuardedReporter):
    """Creates a deployment per job and keeps its status current."""

    name = "github"
    forge = "GitHub"
    hints: ClassVar[Mapping[int, str]] = {403: "the job needs `permissions: deployments: write`"}

    def __init__(
        self,
        console: Console,
        *,
        token: str,
        repository: str,
        api_url: str = DEFAULT_API,
        run_url: str | None = None,
        run_id: str | None = None,
        sha: str | None = None,
        tier: str | None = None,
    ) -> None:
        super().__init__(console)
        self._token = token
        self._repository = repository
        self._api_url = api_url.rstrip("/")
        self._run_url = run_url
        self._run_id = run_id
        self._sha = sha
        self._tier = tier
        self._client: Repository | None = None
        self._deployment: Deployment | None = None

    def _repo(self) -> Repository:
        if self._client is None:
            from github import Auth, Github

            client = Github(
                auth=Auth.Token(self._token),
                base_url=self._api_url,
                timeout=TIMEOUT,
                retry=None,  # no retry loops: a failed report is a warning
                seconds_between_requests=None,
                seconds_between_writes=None,  # a job writes three times, far below the secondary limits
                lazy=True,
            )
            self._client = client.get_repo(self._repository)
        return self._client

    def _list(self, environment: str, limit: int) -> list[ForgeDeployment]:
        found: list[ForgeDeployment] = []
        for deployment in islice(self._repo().get_deployments(environment=environment), _SCAN):
            statuses = sorted(islice(deployment.get_statuses(), _SCAN), key=lambda s: s.id, reverse=True)
            states = [s.state for s in statuses]
            # GitHub marks superseded successful deployments `inactive`: they were good versions all the same.
            if states and states[0] in ("success", "inactive") and "success" in states:
                found.append(parse_deployment(deployment, states[0]))
                if len(found) >= limit:
                    break
        return found

    def started(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """Create the deployment and mark it in_progress, linked to this run."""
        self._attempt(
            f"creating a deployment for the {record.command} of {record.version} in {environment}",
            lambda: self._start(record, environment, url),
        )

    def stopped(self, environment: str) -> None:
        """Mark the environment's active deployments inactive: the Environments page shows it gone."""
        self._attempt(f"marking the deployments of {environment} inactive", lambda: self._stop(environment))

    def _stop(self, environment: str) -> None:
        for deployment in islice(self._repo().get_deployments(environment=environment), _SCAN):
            statuses = sorted(islice(deployment.get_statuses(), _SCAN), key=lambda s: s.id, reverse=True)
            if statuses and statuses[0].state == "success":
                deployment.create_status("inactive", description="ci-ecs stop: the environment was removed")
                self._console.detail(f"GitHub: deployment {deployment.id} of {environment}: inactive")

    def _start(self, record: DeploymentRecord, environment: str, url: str | None) -> None:
        self._deployment = self._create(record, environment)
        self._deployment.create_status("in_progress", **self._links(url))

    def finished(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """Set success / failure; success of a deploy or rollback makes earlier deployments inactive."""
        state = "success" if record.status == "success" else "failure"
        self._attempt(
            f"setting the {record.command} of {record.version} in {environment} to {state}",
            lambda: self._finish(record, environment, url, state),
        )

    def _finish(self, record: DeploymentRecord, environment: str, url: str | None, state: str) -> None:
        if self._deployment is None:  # started() was not called or failed: record the outcome all the same
            self._deployment = self._create(record, environment)
        extra: dict[str, Any] = self._links(url)
        if state == "success":
            # A canary serves beside the stable version, which stays active.
            extra["auto_inactive"] = record.command != "canary-deploy"
        self._deployment.create_status(state, description=self._describe(record, state), **extra)
        self._console.detail(f"GitHub: deployment {self._deployment.id} of {record.version}: {state}")

    def _create(self, record: DeploymentRecord, environment: str) -> Deployment:
        return self._repo().create_deployment(
            ref=record.details.get("commit")
            or (self._sha if record.command != "rollback" else None)
            or record.version,
            auto_merge=False,
            required_contexts=[],
            payload=payload(record, self._run_id, self._console.redact),
            environment=environment,
            description=self._describe(record, "started"),
            production_environment=is_production(environment, self._tier),
            transient_environment=is_transient(environment),
        )

    def _links(self, url: str | None) -> dict[str, Any]:
        links = {"target_url": self._run_url, "environment_url": url}
        return {k: v for k, v in links.items() if v}

    def _describe(self, record: DeploymentRecord, state: str) -> str:
        text = f"ci-ecs {record.command} of {record.version} {named(record)}: {state}"
        # Why it failed, else what the canary analysis found: the one line the Environments page shows.
        why = record.reason if state in ("failure", "error") else ""
        why = why or (record.analysis[-1].reason if record.analysis and state == "success" else "")
        text += f" — {why}" if why else ""
        return self._console.redact(text)[:_DESCRIPTION]
