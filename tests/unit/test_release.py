"""The release a job deploys: explicit image, GitLab and GitHub variables, never "latest"; ECR recognition."""

from __future__ import annotations

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef, Release, image_problem
from ci_ecs.release import is_ecr, resolve_release, short_digest
from ci_ecs.settings import Settings

REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web"
SHA = "0f3c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
DIGEST = "sha256:" + "ab12cd34ef56" + "0" * 52
GITLAB = {
    "GITLAB_CI": "true",
    "CI_COMMIT_SHA": SHA,
    "CI_PIPELINE_URL": "https://gitlab.example.com/shop/web/-/pipelines/4242",
}
GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SHA": SHA,
    "GITHUB_REF_TYPE": "branch",
    "GITHUB_REF_NAME": "main",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "shop/web",
    "GITHUB_RUN_ID": "987654321",
}


def settings(image: str | None) -> Settings:
    return Settings(cluster="main", service="web", image=ImageRef.parse(image) if image else None)


def refused(image: str | None, env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        resolve_release(settings(image), env)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_gitlab_tag_pipeline_deploys_the_git_tag() -> None:
    release = resolve_release(settings(REPO), {**GITLAB, "CI_COMMIT_TAG": "v1.4.0"})
    assert release == Release(
        image=ImageRef(REPO, "v1.4.0"),
        version="v1.4.0",
        commit=SHA,
        pipeline_url="https://gitlab.example.com/shop/web/-/pipelines/4242",
    )
    assert release.reference == f"{REPO}:v1.4.0"


def test_gitlab_branch_pipeline_deploys_the_commit_sha() -> None:
    release = resolve_release(settings(REPO), GITLAB)
    assert (release.image.tag, release.version, release.commit) == (SHA, SHA, SHA)


def test_github_tag_workflow_deploys_the_ref_name() -> None:
    release = resolve_release(
        settings(REPO), {**GITHUB, "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v2.0.1"}
    )
    assert (release.version, release.commit) == ("v2.0.1", SHA)
    assert release.pipeline_url == "https://github.com/shop/web/actions/runs/987654321"


def test_github_branch_workflow_deploys_the_sha_not_the_branch_name() -> None:
    release = resolve_release(settings(REPO), GITHUB)
    assert release.version == SHA
    assert release.image == ImageRef(REPO, SHA)


def test_github_pipeline_url_needs_all_its_parts() -> None:
    env = {k: v for k, v in GITHUB.items() if k != "GITHUB_RUN_ID"}
    assert resolve_release(settings(REPO), env).pipeline_url is None


def test_an_explicit_tag_wins_over_the_ci_variables() -> None:
    release = resolve_release(settings(f"{REPO}:v9"), {**GITLAB, "CI_COMMIT_TAG": "v1"})
    assert (release.version, release.commit) == ("v9", SHA)


def test_an_explicit_digest_is_named_by_its_short_form() -> None:
    release = resolve_release(settings(f"{REPO}@{DIGEST}"), {})
    assert release.version == "sha256:ab12cd34ef56"
    assert release.reference == f"{REPO}@{DIGEST}"
    assert (release.commit, release.pipeline_url) == (None, None)


def test_tag_and_digest_keep_the_tag_as_version_and_deploy_by_digest() -> None:
    release = resolve_release(settings(f"{REPO}:v3@{DIGEST}"), {})
    assert release.version == "v3"
    assert release.reference == f"{REPO}@{DIGEST}"


def test_latest_is_refused_because_a_deploy_must_name_an_immutable_version() -> None:
    message = refused(f"{REPO}:latest", GITLAB)
    assert message.startswith(f"image: {REPO}:latest names 'latest'")
    assert "immutable version" in message


def test_latest_pinned_by_digest_is_allowed_and_named_by_the_digest() -> None:
    assert resolve_release(settings(f"{REPO}:latest@{DIGEST}"), {}).version == "sha256:ab12cd34ef56"


def test_no_tag_outside_ci_is_an_error_saying_how_to_give_one() -> None:
    assert (
        refused(REPO, {}) == "image: no tag — pass --image REPO:TAG, or run in CI (CI_COMMIT_SHA/GITHUB_SHA)"
    )


def test_no_image_at_all_is_an_error_naming_image() -> None:
    assert refused(None, GITLAB).startswith(
        "image: missing — set `image:` in ci-ecs.yml, CI_ECS_IMAGE or --image"
    )


def test_a_git_tag_that_is_not_a_valid_image_tag_is_an_error() -> None:
    message = refused(REPO, {**GITLAB, "CI_COMMIT_TAG": "release/1.0"})
    assert message.startswith("image: CI_COMMIT_TAG='release/1.0' is not a valid image tag")


def test_empty_ci_variables_count_as_unset() -> None:
    release = resolve_release(settings(REPO), {**GITLAB, "CI_COMMIT_TAG": ""})
    assert release.version == SHA


def test_short_digest_keeps_twelve_hex_digits() -> None:
    assert short_digest(DIGEST) == "sha256:ab12cd34ef56"


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        (REPO, ("123456789012", "eu-west-1", "shop/web")),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web", ("123456789012", "cn-north-1", "web")),
        ("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/web", ("123456789012", "us-east-1", "web")),
        ("public.ecr.aws/nginx/nginx", None),
        ("ghcr.io/shop/web", None),
        ("nginx", None),
        ("12345.dkr.ecr.eu-west-1.amazonaws.com/web", None),
    ],
)
def test_ecr_repositories_are_recognised(repository: str, expected: tuple[str, str, str] | None) -> None:
    assert is_ecr(ImageRef(repository, "v1")) == expected


@pytest.mark.parametrize(
    "reference",
    [
        "nginx",
        "nginx:1.25-alpine",
        "localhost:5000/web:v1",
        "registry.example.com/a/b/c:20250301-1200",
        f"{REPO}@{DIGEST}",
        "Registry.Example.com/web:V1",
    ],
)
def test_valid_image_references(reference: str) -> None:
    assert image_problem(ImageRef.parse(reference)) is None


@pytest.mark.parametrize(
    "reference",
    ["Web", "web app", "web:.hidden", "web:" + "x" * 129, "web@sha256:ABC", "web@md5", "/web", "web//x"],
)
def test_invalid_image_references(reference: str) -> None:
    assert image_problem(ImageRef.parse(reference)) is not None
