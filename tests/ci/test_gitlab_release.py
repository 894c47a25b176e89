"""ci-ecs's own GitLab jobs for a release tag: the image job and the release job, their scripts run by sh."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
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


@pytest.fixture
def package_checkout(checkout: Path) -> Path:
    """The checkout with what the package is built from: pyproject.toml, the README and the package."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "ci_ecs", checkout / "ci_ecs", ignore=shutil.ignore_patterns("__pycache__"))
    return checkout


def _run_package_job(checkout: Path, tag: str) -> subprocess.CompletedProcess[str]:
    """The python-package job's script in a fresh Python (as in the job's image), `twine upload` faked."""
    python = checkout.parent / "python"
    subprocess.run([sys.executable, "-m", "venv", str(python)], check=True)
    real_twine = python / "bin" / "twine"
    env = fake_commands(checkout.parent, twine=f'[ "$1" = upload ] || exec "{real_twine}" "$@"')
    env["PATH"] = f"{checkout.parent / 'fake-bin'}:{python / 'bin'}:{env['PATH']}"
    env |= {"CI_COMMIT_TAG": tag, "CI_COMMIT_SHA": SHA, "CI_COMMIT_SHORT_SHA": SHA[:8]}
    env |= {"CI_JOB_TOKEN": "job-token", "CI_API_V4_URL": "https://gitlab.example.com/api/v4"}
    env |= {"CI_PROJECT_ID": "42"}
    script = "\n".join(_job("python-package")["script"])
    return subprocess.run(["sh", "-ec", script], cwd=checkout, env=env, capture_output=True, text=True)


def test_a_release_tag_builds_the_python_package_checks_it_and_publishes_it_to_the_package_registry(
    package_checkout: Path,
) -> None:
    done = _run_package_job(package_checkout, "v1.2.3")

    assert done.returncode == 0, done.stdout + done.stderr
    built = sorted(p.name for p in (package_checkout / "dist").iterdir())
    assert built == ["ci_ecs-1.2.3-py3-none-any.whl", "ci_ecs-1.2.3.tar.gz"]
    assert "PASSED" in done.stdout
    assert calls(package_checkout.parent) == [
        "twine check --strict " + " ".join(f"dist/{name}" for name in built),
        "twine upload --non-interactive --repository-url "
        "https://gitlab.example.com/api/v4/projects/42/packages/pypi " + " ".join(f"dist/{n}" for n in built),
    ]
    with zipfile.ZipFile(package_checkout / "dist" / built[0]) as wheel:
        packaged = {name for name in wheel.namelist() if name.startswith("ci_ecs/")}
    sources = {
        path.relative_to(package_checkout).as_posix()
        for path in (package_checkout / "ci_ecs").rglob("*")
        if path.is_file()
    }
    assert sources - packaged == set(), "every file of the package is in the wheel"


def test_any_other_commit_builds_a_dev_package_naming_the_commit_and_publishes_nothing(
    package_checkout: Path,
) -> None:
    done = _run_package_job(package_checkout, "")

    assert done.returncode == 0, done.stdout + done.stderr
    built = {p.name for p in (package_checkout / "dist").iterdir()}
    assert f"ci_ecs-0.dev0+g{SHA[:8]}-py3-none-any.whl" in built
    assert [call.split()[1] for call in calls(package_checkout.parent)] == ["check"]


def test_a_release_tag_without_a_changelog_section_builds_no_package(package_checkout: Path) -> None:
    done = _run_package_job(package_checkout, "v1.2.4")

    assert done.returncode == 1
    assert "CHANGELOG.md has no section for 1.2.4" in done.stderr
    assert not (package_checkout / "dist").exists()
