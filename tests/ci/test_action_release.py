"""The release workflow's own scripts, run by bash on a real git repository with an `origin`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.ci.github_runner import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}


def _step(name: str) -> str:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["release"]["steps"]
    script: str = next(step["run"] for step in steps if step.get("name") == name)
    return script


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **IDENTITY, "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e", **env}
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=environment, capture_output=True, text=True)


def _git(cwd: Path, *args: str) -> str:
    return _bash("git " + " ".join(args), cwd).stdout.strip()


def _released_repository(tmp_path: Path) -> Path:
    """A clone whose origin has v1 on an older commit and the new tag v1.2.3 on HEAD, as GitHub checks out."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    (work / "action.yml").write_text((ROOT / "action.yml").read_text())
    (work / "pyproject.toml").write_text('[project]\nname = "ci-ecs"\nversion = "1.2.3"\n')
    script = (
        "git add -A && git commit -qm one && git tag v1 && echo x > f && git add f && git commit -qm two"
        f" && git tag v1.2.3 && git remote add origin {origin} && git push -q origin main v1 v1.2.3"
    )
    assert _bash(script, work).returncode == 0
    return work


def test_release_pins_action_yml_to_the_tag_image_and_moves_both_tags_to_that_commit(tmp_path: Path) -> None:
    work = _released_repository(tmp_path)
    tagged = _git(work, "rev-parse", "v1.2.3")

    done = _bash(
        _step("Pin action.yml to the image and move the tags"), work, TAG="v1.2.3", REPOSITORY="Org/CI-ECS"
    )

    assert done.returncode == 0, done.stdout + done.stderr
    origin = tmp_path / "origin.git"
    released = _git(origin, "rev-parse", "v1.2.3^{commit}")
    assert _git(origin, "rev-parse", "v1^{commit}") == released
    assert _git(origin, "rev-parse", f"{released}^") == tagged
    pinned = yaml.safe_load(_git(origin, "show", f"{released}:action.yml"))
    assert pinned["runs"]["image"] == "docker://ghcr.io/org/ci-ecs:1.2.3"
    original = yaml.safe_load((ROOT / "action.yml").read_text())
    assert {**pinned, "runs": original["runs"]} == original  # nothing else changed
    assert _git(origin, "diff", "--stat", f"{tagged}", released).count("|") == 1


def test_release_run_twice_changes_nothing_more(tmp_path: Path) -> None:
    work = _released_repository(tmp_path)
    script = _step("Pin action.yml to the image and move the tags")
    assert _bash(script, work, TAG="v1.2.3", REPOSITORY="org/ci-ecs").returncode == 0
    first = _git(tmp_path / "origin.git", "rev-parse", "v1.2.3^{commit}")

    again = _bash(script, work, TAG="v1.2.3", REPOSITORY="org/ci-ecs")

    assert again.returncode == 0, again.stderr
    assert _git(tmp_path / "origin.git", "rev-parse", "v1.2.3^{commit}", "v1^{commit}").split() == [
        first,
        first,
    ]


def test_release_refuses_a_tag_that_is_not_the_package_version(tmp_path: Path) -> None:
    work = _released_repository(tmp_path)
    script = _step("Check the tag against the package version")

    assert _bash(script, work, TAG="v1.2.3").returncode == 0
    refused = _bash(script, work, TAG="v1.2.4")
    assert refused.returncode == 1
    assert '::error::tag v1.2.4 but pyproject.toml says version = "1.2.3"' in refused.stdout
