"""Reporting deployments to the forge (GitLab / GitHub Deployments API); reporting never fails a deploy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ci_ecs.errors import ConfigError
from ci_ecs.model import DeploymentRecord
from ci_ecs.output import Console, detect_ci

FORGES = ("auto", "gitlab", "github", "none")


@dataclass(frozen=True)
class ForgeDeployment:
    """One successful deployment of an environment as the forge remembers it."""

    id: int
    version: str
    sha: str
    ref: str
    status: str
    created_at: datetime | None = None
    pipeline_id: int | None = None  # GitLab: deployable.pipeline.id; GitHub: the run id in our payload
    payload: Mapping[str, Any] = field(default_factory=dict)


class Reporter(Protocol):
    """Tells a forge what a job deployed; every method warns instead of raising."""

    name: str

    def history(self, environment: str, *, limit: int = 10) -> list[ForgeDeployment]:
        """The environment's successful deployments, newest first ([] when unknown or on error)."""
        ...

    def started(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """A deploy / canary / rollback (`record.command`) of `record.version` begins."""
        ...

    def finished(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """It ended with `record.status`; `url` is the environment's address when known."""
        ...

    def stopped(self, environment: str) -> None:
        """The environment was stopped (`ci-ecs stop` of a review environment): nothing of it is left."""
        ...


def reporter_for(kind: str, env: Mapping[str, str], console: Console, *, tier: str | None = None) -> Reporter:
    """The reporter for `forge: auto|gitlab|github|none`; missing variables: one warning, no reporting."""
    # `tier` feeds GitHub's production_environment; GitLab's deployments take it from the job's environment.
    from ci_ecs.forge.null import NullReporter

    if kind not in FORGES:
        raise ConfigError(f"forge: {kind!r} is not one of {', '.join(FORGES)}")
    forge = detect_ci(env) if kind == "auto" else kind
    reporter: Reporter | None = None
    if forge == "gitlab":
        from ci_ecs.forge.gitlab import gitlab_reporter

        reporter = gitlab_reporter(env, console)
    elif forge == "github":
        from ci_ecs.forge.github import github_reporter

        reporter = github_reporter(env, console, tier=tier)
    return reporter or NullReporter()
