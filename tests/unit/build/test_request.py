"""What `ci-ecs build` builds: tags from CI variables, input checks, the docker build command."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from ci_ecs import build as builds
from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef
from tests.unit.build.fakes import FIXTURE, NOW, REPO, SHA


def test_gitlab_tag_pipeline_tags_the_image_with_the_second_the_sha_and_the_git_tag() -> None:
    tags = builds.ci_tags({"CI_COMMIT_SHA": SHA, "CI_COMMIT_TAG": "v1.2.3"}, NOW, Path("/"))
    assert tags.all == ("20260304-050607", SHA, "v1.2.3")
    assert tags.version == "v1.2.3"


def test_github_branch_build_is_versioned_by_the_sha_and_ignores_gitlab_variables() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_SHA": SHA, "GITHUB_REF_TYPE": "branch", "CI_COMMIT_TAG": "x"}
    tags = builds.ci_tags(env, NOW, Path("/"))
    assert (tags.git_tag, tags.version) == (None, SHA)


def test_github_tag_build_is_versioned_by_the_ref_name() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_SHA": SHA, "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v2.0.0"}
    assert builds.ci_tags(env, NOW, Path("/")).version == "v2.0.0"


def test_outside_ci_the_sha_comes_from_the_git_checkout(tmp_path: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "one"], cwd=tmp_path, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True)
    assert builds.ci_tags({}, NOW, tmp_path).commit == head.stdout.strip()


def test_two_builds_in_one_minute_get_different_time_tags() -> None:
    env = {"CI_COMMIT_SHA": SHA}
    first = builds.ci_tags(env, NOW, Path("/"))
    second = builds.ci_tags(env, NOW + timedelta(seconds=20), Path("/"))
    assert first.timestamp != second.timestamp


def test_no_commit_sha_anywhere_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no commit sha"):
        builds.ci_tags({}, NOW, tmp_path)


def test_a_git_tag_that_is_not_an_image_tag_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"CI_COMMIT_TAG='release/1\.0'"):
        builds.ci_tags({"CI_COMMIT_SHA": SHA, "CI_COMMIT_TAG": "release/1.0"}, NOW, Path("/"))


def test_a_full_image_reference_builds_into_its_repository() -> None:
    request = builds.build_request(ImageRef.parse(f"{REPO}:old@sha256:{'a' * 64}"), FIXTURE, None)
    assert request.repository == REPO
    assert request.dockerfile == FIXTURE / "Dockerfile"


@pytest.mark.parametrize(
    ("image", "context", "file", "args", "message"),
    [
        (None, FIXTURE, None, (), "image: missing"),
        (REPO, FIXTURE / "nope", None, (), "--context: .* is not a directory"),
        (REPO, FIXTURE.parent, None, (), "--file: .*Dockerfile not found"),
        (REPO, FIXTURE, FIXTURE / "Other.Dockerfile", (), "--file: .*Other.Dockerfile not found"),
        (REPO, FIXTURE, None, ("NOEQUALS",), "--build-arg: 'NOEQUALS' is not KEY=VALUE"),
    ],
)
def test_bad_build_input_is_refused_naming_the_option(
    image: ImageRef | None, context: Path, file: Path | None, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        builds.build_request(image, context, file, args)


def test_without_buildx_the_classic_builder_gets_every_tag_arg_and_the_revision_label() -> None:
    request = builds.build_request(REPO, FIXTURE, None, ("GREETING=hi",), "linux/amd64")
    tags = builds.Tags("20260304-0506", SHA, "v1")
    command = builds.build_command(request, tags, buildx=False, created="2026-03-04T05:06:07Z")
    assert command[0] == "build"
    assert [command[i + 1] for i, a in enumerate(command) if a == "--tag"] == [
        f"{REPO}:20260304-0506",
        f"{REPO}:{SHA}",
        f"{REPO}:v1",
    ]
    assert "GREETING=hi" in command
    assert command[command.index("--platform") + 1] == "linux/amd64"
    assert f"org.opencontainers.image.revision={SHA}" in command
    assert command[-1] == str(FIXTURE)


def test_with_buildx_buildkit_builds_and_loads_the_image_for_the_push() -> None:
    request = builds.build_request(REPO, FIXTURE, None)
    command = builds.build_command(request, builds.Tags("t", SHA), buildx=True, created="c")
    assert command[:3] == ["buildx", "build", "--load"]
