"""What `ci-ecs build` builds: the checked request, the tags of this pipeline, the docker build command."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ci_ecs.errors import ConfigError
from ci_ecs.model import TAG, ImageRef
from ci_ecs.release import ci_commit, ci_git_tag


@dataclass(frozen=True)
class BuildRequest:
    """What to build and where to push it, validated."""

    repository: ImageRef  # without tag or digest
    context: Path
    dockerfile: Path
    build_args: tuple[str, ...] = ()  # KEY=VALUE
    platform: str | None = None


@dataclass(frozen=True)
class Tags:
    """The tags one build gets: UTC time to the second, full commit sha, and the git tag of a tag pipeline."""

    timestamp: str
    commit: str
    git_tag: str | None = None

    @property
    def version(self) -> str:
        """The tag `deploy` derives from the same pipeline (DESIGN.md §2, version identity)."""
        return self.git_tag or self.commit

    @property
    def all(self) -> tuple[str, ...]:
        """Every tag, each once."""
        return tuple(dict.fromkeys(t for t in (self.timestamp, self.commit, self.git_tag) if t))


def build_request(
    image: ImageRef | None,
    context: Path,
    dockerfile: Path | None,
    build_args: Sequence[str] = (),
    platform: str | None = None,
) -> BuildRequest:
    """Check the inputs before anything runs; ConfigError (exit 2) names the one to fix."""
    if image is None:
        raise ConfigError(
            "image: missing — set `image:` in ci-ecs.yml, CI_ECS_IMAGE or --image to the repository "
            "to push to (e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web)"
        )
    image = ImageRef(image.repository)  # a full reference names its repository too
    if not context.is_dir():
        raise ConfigError(f"--context: {context} is not a directory")
    file = dockerfile if dockerfile is not None else context / "Dockerfile"
    if not file.is_file():
        hint = "" if dockerfile is not None else " (pass --file PATH)"
        raise ConfigError(f"--file: {file} not found{hint}")
    for arg in build_args:
        name, equals, _ = arg.partition("=")
        if not equals or not name or any(c.isspace() for c in name):
            raise ConfigError(f"--build-arg: {arg.split('=')[0]!r} is not KEY=VALUE")
    if platform is not None and not platform.strip():
        raise ConfigError("--platform: empty (e.g. linux/amd64)")
    return BuildRequest(image, context, file, tuple(build_args), platform)


def _git_head(cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def ci_tags(env: Mapping[str, str], now: datetime, cwd: Path) -> Tags:
    """The build's tags from the CI variables (GitHub's when GITHUB_ACTIONS, else GitLab's), else git."""
    commit, commit_from = ci_commit(env) or (_git_head(cwd), "git rev-parse HEAD")
    git_tag, tag_from = ci_git_tag(env) or (None, "")
    if not commit:
        raise ConfigError(
            "build: no commit sha — run in CI (CI_COMMIT_SHA / GITHUB_SHA) or inside a git checkout"
        )
    for value, name in ((commit, commit_from), (git_tag, tag_from)):
        if value and not TAG.fullmatch(value):
            raise ConfigError(
                f"build: {name}={value!r} is not a valid image tag (letters, digits, _ . -, at most 128)"
            )
    return Tags(now.strftime("%Y%m%d-%H%M%S"), commit, git_tag or None)


def build_command(request: BuildRequest, tags: Tags, *, buildx: bool, created: str) -> list[str]:
    """The docker build command: BuildKit through buildx when present, else the classic builder."""
    args = ["buildx", "build", "--load"] if buildx else ["build"]
    args += ["--file", str(request.dockerfile)]
    for tag in tags.all:
        args += ["--tag", f"{request.repository.repository}:{tag}"]
    for arg in request.build_args:
        args += ["--build-arg", arg]
    args += ["--platform", request.platform] if request.platform else []
    args += ["--label", f"org.opencontainers.image.revision={tags.commit}"]
    args += ["--label", f"org.opencontainers.image.created={created}"]
    return [*args, str(request.context)]
