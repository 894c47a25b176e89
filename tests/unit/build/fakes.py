"""What the build tests share: a scripted docker CLI, the fixture app, a repository, a commit and a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ci_ecs.build.docker_cli import Completed, Docker
from ci_ecs.model import ImageRef

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
SHA = "0123456789abcdef0123456789abcdef01234567"
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scratch-app"
REPO = ImageRef("registry.example.com/team/web")


class ScriptedDocker(Docker):
    """A Docker whose commands answer from a script and are recorded instead of run."""

    def __init__(self, answers: dict[str, Completed]) -> None:
        super().__init__({}, lambda line: None)
        self.answers = answers
        self.calls: list[tuple[list[str], str | None]] = []

    def run(
        self, args: Sequence[str], *, stdin: str | None = None, stream: bool = False, buildkit: bool = True
    ) -> Completed:
        self.calls.append((list(args), stdin))
        for prefix, answer in self.answers.items():
            if " ".join(args).startswith(prefix):
                return answer
        return Completed(0, "")
