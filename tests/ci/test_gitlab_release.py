"""ci-ecs's own GitLab jobs for a release tag: the image job and the release job, their scripts run by sh."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci.gitlab_local import COMPONENT, ROOT, input_defaults
from tests.ci.release_fakes import CHANGELOG, NOTES_1_2_3, calls, fake_commands

REGISTRY_IMAGE = "registry.gitlab.com/ci-ecs/ci-ecs"
SHA = "0123456789abcdef0123456789abcdef01234567"


def _job(name: str) -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())[name]
    return job


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The project's checkout as a tag pipeline has it: the changelog, the script, the component."""
    work = tmp_path / "work"
    (work / "scripts").mkdir(parents=True)
    (work / "templates").mkdir()
    (work / "CHANGELOG.md").write_text(CHANGELOG)
    shutil.copy(ROOT / "scripts" / "release-notes", work / "scripts" / "release-notes")
    released = COMPONENT.read_text().replace(input_defaults()["image"], f"{REGISTRY_IMAGE}:1.2.3")
    (work / "templates" / "ecs-deploy.yml").write_text(released)
    return work


def _run(name: str, checkout: Path, tag: str) -> subprocess.CompletedProcess[str]:
    """The job's script lines in one `sh -e`, as the runner runs them, with docker and glab faked."""
    env = fake_commands(checkout.parent, docker="cat > /dev/null")
    env |= {"CI_COMMIT_TAG": tag, "CI_COMMIT_SHA": SHA, "CI_COMMIT_SHORT_SHA": SHA[:8]}
    env |= {"CI_REGISTRY": "registry.gitlab.com", "CI_REGISTRY_IMAGE": REGISTRY_IMAGE}
    env |= {"CI_REGISTRY_USER": "gitlab-ci-token", "CI_REGISTRY_PASSWORD": "x"}
    script = "\n".join(_job(name)["script"])
    return subprocess.run(["sh", "-ec", script], cwd=checkout, env=env, capture_output=True, text=True)


def test_a_release_tag_builds_the_image_reporting_its_version_and_pushes_it_as_that_version(
    checkout: Path,
) -> None:
    done = _run("container-image", checkout, "v1.2.3")

    assert done.returncode == 0, done.stderr
    assert calls(checkout.parent) == [
        "docker login -u gitlab-ci-token --password-stdin registry.gitlab.com",
        f"docker build --build-arg VERSION=1.2.3 --tag {REGISTRY_IMAGE}:{SHA} .",
        f"docker push {REGISTRY_IMAGE}:{SHA}",
        f"docker tag {REGISTRY_IMAGE}:{SHA} {REGISTRY_IMAGE}:1.2.3",
        f"docker push {REGISTRY_IMAGE}:1.2.3",
    ]


def test_any_other_commit_builds_a_dev_version_naming_the_commit(checkout: Path) -> None:
    done = _run("container-image", checkout, "")

    assert done.returncode == 0, done.stderr
    assert calls(checkout.parent)[1:] == [
        f"docker build --build-arg VERSION=0.dev0+g{SHA[:8]} --tag {REGISTRY_IMAGE}:{SHA} .",
        f"docker push {REGISTRY_IMAGE}:{SHA}",
    ]


def test_a_release_tag_without_a_changelog_section_builds_no_image(checkout: Path) -> None:
    done = _run("container-image", checkout, "v1.2.4")

    assert done.returncode == 1
    assert "CHANGELOG.md has no section for 1.2.4" in done.stderr
    assert calls(checkout.parent) == []


def test_the_release_describes_itself_with_the_tags_changelog_section(checkout: Path) -> None:
    job = _job("release")

    done = _run("release", checkout, "v1.2.3")

    assert done.returncode == 0, done.stderr
    assert job["release"]["description"] == "./release-notes.md"
    assert (checkout / "release-notes.md").read_text() == NOTES_1_2_3
    assert job["release"]["tag_name"] == "$CI_COMMIT_TAG"
    assert job["image"] == "registry.gitlab.com/gitlab-org/cli:latest"  # glab creates the release


def test_no_release_without_a_changelog_section(checkout: Path) -> None:
    done = _run("release", checkout, "v1.2.4")

    assert done.returncode == 1
    assert "CHANGELOG.md has no section for 1.2.4" in done.stderr


def test_no_release_of_a_component_whose_default_image_is_another_version(checkout: Path) -> None:
    component = checkout / "templates" / "ecs-deploy.yml"
    component.write_text(component.read_text().replace(f"{REGISTRY_IMAGE}:1.2.3", f"{REGISTRY_IMAGE}:1.2.2"))

    done = _run("release", checkout, "v1.2.3")

    assert done.returncode == 1
    assert f"the default image is not {REGISTRY_IMAGE}:1.2.3" in done.stderr
