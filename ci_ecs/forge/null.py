"""The reporter that reports nothing: no forge, or reporting switched off."""

from __future__ import annotations

from ci_ecs.forge import ForgeDeployment
from ci_ecs.model import DeploymentRecord


class NullReporter:
    """Reports nothing and remembers nothing."""

    name = "none"

    def history(self, environment: str, *, limit: int = 10) -> list[ForgeDeployment]:
        """No forge, no history."""
        return []

    def started(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """Nothing to report to."""

    def finished(self, record: DeploymentRecord, environment: str, url: str | None = None) -> None:
        """Nothing to report to."""

    def stopped(self, environment: str) -> None:
        """Nothing to report to."""
