"""`ci-ecs init`: a ci-ecs.yml drafted from the live service, and the pipeline that runs it."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.init.draft import Draft
from ci_ecs.init.pipeline import FORGES, Forge


class FilesExist(ConfigError):
    """A file init would write is there already, and --force was not given: nothing was written."""


class StillMissing(PreconditionError):
    """The files were written, but the check found prerequisites missing (exit 3)."""


def forge_of(asked: str | None, env: Mapping[str, str], directory: Path) -> Forge:
    """The forge: as asked, else the CI running us, else the git remote's host."""
    if asked is not None:
        for forge in FORGES:
            if forge == asked:
                return forge
        raise ConfigError(f"--forge: {asked!r} is not a forge — use gitlab, github or none (ci-ecs.yml only)")
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    remote = _origin(directory)
    for forge in ("github", "gitlab"):
        if forge in remote:
            return forge
    raise ConfigError(
        "--forge: cannot tell which forge the pipeline is for (no GitLab or GitHub remote `origin`) — "
        "pass --forge gitlab, --forge github, or --forge none for ci-ecs.yml only"
    )


def _origin(directory: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "remote", "get-url", "origin"], cwd=directory, capture_output=True, text=True, check=False
        )
    except OSError:  # no git installed: no remote to go by
        return ""
    return done.stdout.strip().lower() if done.returncode == 0 else ""


def refuse_existing(paths: list[Path], force: bool) -> None:
    """FilesExist naming every file already there, unless `force`."""
    there = [p for p in paths if p.exists()]
    if there and not force:
        raise FilesExist(
            f"{', '.join(map(str, there))} already exist{'s' if len(there) == 1 else ''} — nothing was "
            "written; pass --force to overwrite, or --config PATH to write the configuration elsewhere"
        )


def validate(text: str, path: Path) -> None:
    """Load the configuration as every job will (ConfigError naming the key otherwise)."""
    from ci_ecs.settings import load_settings

    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=".ci-ecs-init-", suffix=".yml", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        load_settings(Path(name), environment=None, env={}, flags={})
    finally:
        os.unlink(name)


def write(files: Mapping[Path, str]) -> None:
    """Write every file (creating its folders)."""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def header(service: str, cluster: str, region: str, running: str) -> str:
    """The comment at the top of ci-ecs.yml."""
    return (
        f"Written by `ci-ecs init` from the ECS service {service} (cluster {cluster}, {region}),\n"
        f"which was running {running}.\n"
        "Every key: docs/configuration.md in the ci-ecs repository; `ci-ecs check` verifies what it needs.\n"
    )


__all__ = [
    "Draft",
    "FilesExist",
    "StillMissing",
    "forge_of",
    "header",
    "refuse_existing",
    "validate",
    "write",
]
