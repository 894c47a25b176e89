"""The release workflow's own scripts, run by bash on a real git repository with an `origin`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.ci.github_runner import ROOT
from tests.ci.release_fakes import CHANGELOG, NOTES_1_2_3, calls, fake_commands

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
READ_NOTES = "Read the release notes from CHANGELOG.md"
PIN_AND_MOVE = "Pin action.yml to the image and move the tags"


def _step(name: str) -> str:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["release"]["steps"]
    script: str = next(step["run"] for step in steps if step.get("name") == name)
    return script


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The script as a GitHub runner runs a `run:` step: bash with -e and pipefail."""
    environment = {**os.environ, **IDENTITY, "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e", **env}
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=environment, capture_output=True, text=True
    )


def _git(cwd: Path, *args: str) -> str:
    return _bash("git " + " ".join(args), cwd).stdout.strip()


def _released_repository(tmp_path: Path) -> Path:
    """A clone whose origin has v1 on an older commit and the new tag v1.2.3 on HEAD, as GitHub checks out."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    (work / "action.yml").write_text((ROOT / "action.yml").read_text())
    (work / "CHANGELOG.md").write_text(CHANGELOG)
    (work / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "release-notes", work / "scripts" / "release-notes")
    script = (
        "git add -A && git commit -qm one && git tag v1 && echo x > f && git add f && git commit -qm two"
        f" && git tag v1.2.3 && git remote add origin {origin} && git push -q origin main v1 v1.2.3"
    )
    assert _bash(script, work).returncode == 0
    return work


def test_one_tag_form_releases_on_github_and_on_gitlab() -> None:
    github = yaml.safe_load(WORKFLOW.read_text())[True]["push"]["tags"]
    gitlab_rule = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())["release"]["rules"][0]["if"]
    gitlab = re.fullmatch(r"\$CI_COMMIT_TAG =~ /(.+)/", gitlab_rule)
    assert github == ["v[0-9]+.[0-9]+.[0-9]+"] and gitlab, gitlab_rule
    github_pattern = github[0].replace(".", r"\.")  # a workflow filter's `.` is literal, `+` repeats

    for tag, released in [("v1.2.3", True), ("v10.0.12", True), ("1.2.3", False), ("v1", False)]:
        assert bool(re.fullmatch(github_pattern, tag)) == released, tag
        assert bool(re.fullmatch(gitlab[1], tag)) == released, tag


def test_release_notes_are_the_tags_changelog_section(tmp_path: Path) -> None:
    work = _released_repository(tmp_path)

    done = _bash(_step(READ_NOTES), work, TAG="v1.2.3", RUNNER_TEMP=str(tmp_path))

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "release-notes.md").read_text() == NOTES_1_2_3


def test_a_tag_without_a_changelog_section_fails_before_anything_is_published(tmp_path: Path) -> None:
    work = _released_repository(tmp_path)

    refused = _bash(_step(READ_NOTES), work, TAG="v1.2.4", RUNNER_TEMP=str(tmp_path))

    assert refused.returncode == 1
    assert "CHANGELOG.md has no section for 1.2.4" in refused.stderr
    steps = [step.get("name") for step in yaml.safe_load(WORKFLOW.read_text())["jobs"]["release"]["steps"]]
    assert steps.index(READ_NOTES) < steps.index("Build and push the image")


def test_the_image_reports_the_tags_version_and_is_pushed_as_it_and_as_its_major(tmp_path: Path) -> None:
    env = fake_commands(tmp_path, docker="cat > /dev/null")

    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", _step("Build and push the image")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**env, "TAG": "v1.2.3", "REPOSITORY": "Org/CI-ECS", "TOKEN": "t", "ACTOR": "bot"},
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert calls(tmp_path) == [
        "docker login ghcr.io --username bot --password-stdin",
        "docker build --build-arg VERSION=1.2.3 --tag ghcr.io/org/ci-ecs:1.2.3 --tag ghcr.io/org/ci-ecs:1 .",
        "docker push ghcr.io/org/ci-ecs:1.2.3",
        "docker push ghcr.io/org/ci-ecs:1",
    ]


def test_release_pins_action_yml_to_the_tag_image_and_moves_both_tags_to_that_commit(tmp_path: Path) -> None:
    work = _released_repository(tmp_path)
    tagged = _git(work, "rev-parse", "v1.2.3")

    done = _bash(_step(PIN_AND_MOVE), work, TAG="v1.2.3", REPOSITORY="Org/CI-ECS")

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
    script = _step(PIN_AND_MOVE)
    assert _bash(script, work, TAG="v1.2.3", REPOSITORY="org/ci-ecs").returncode == 0
    first = _git(tmp_path / "origin.git", "rev-parse", "v1.2.3^{commit}")

    again = _bash(script, work, TAG="v1.2.3", REPOSITORY="org/ci-ecs")

    assert again.returncode == 0, again.stderr
    assert _git(tmp_path / "origin.git", "rev-parse", "v1.2.3^{commit}", "v1^{commit}").split() == [
        first,
        first,
    ]


def test_the_github_release_is_published_after_the_tags_moved_and_a_rerun_only_updates_its_notes(
    tmp_path: Path,
) -> None:
    # The fake gh knows a release once it has created one, as GitHub does.
    created = tmp_path / "created"
    gh = f'case "$1 $2" in "release view") test -e "{created}" ;; "release create") touch "{created}" ;; esac'
    env = {**fake_commands(tmp_path, gh=gh), "TAG": "v1.2.3", "RUNNER_TEMP": str(tmp_path)}
    publish = ["bash", "-eo", "pipefail", "-c", _step("Publish the GitHub release")]

    for _ in range(2):
        done = subprocess.run(publish, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr

    notes = f"--notes-file {tmp_path}/release-notes.md"
    assert calls(tmp_path) == [
        "gh release view v1.2.3",
        f"gh release create v1.2.3 --verify-tag --title ci-ecs v1.2.3 {notes}",
        "gh release view v1.2.3",
        f"gh release edit v1.2.3 {notes}",
    ]
    steps = [step.get("name") for step in yaml.safe_load(WORKFLOW.read_text())["jobs"]["release"]["steps"]]
    assert steps[-2:] == [PIN_AND_MOVE, "Publish the GitHub release"]
