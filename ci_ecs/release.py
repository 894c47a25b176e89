"""The version a job deploys: the image from settings or the CI variables, never "latest"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from ci_ecs.errors import ConfigError
from ci_ecs.model import TAG, ImageRef, Release

if TYPE_CHECKING:
    from ci_ecs.settings import Settings

_ECR = re.compile(r"(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(.+)")


def short_digest(digest: str) -> str:
    """`sha256:` and the first 12 hex digits: how a digest-pinned version is named."""
    algorithm, _, hexdigits = digest.partition(":")
    return f"{algorithm}:{hexdigits[:12]}"


def ci_commit(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The pipeline's commit sha and its variable (GitHub's when GITHUB_ACTIONS, else GitLab's)."""
    name = "GITHUB_SHA" if env.get("GITHUB_ACTIONS") == "true" else "CI_COMMIT_SHA"
    return (env[name], name) if env.get(name) else None


def ci_git_tag(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The git tag the pipeline runs for, and the variable it came from; None for a branch pipeline."""
    if env.get("GITHUB_ACTIONS") == "true":
        tagged = env.get("GITHUB_REF_TYPE") == "tag" and env.get("GITHUB_REF_NAME")
        return (env["GITHUB_REF_NAME"], "GITHUB_REF_NAME") if tagged else None
    return (env["CI_COMMIT_TAG"], "CI_COMMIT_TAG") if env.get("CI_COMMIT_TAG") else None


def _ci_tag(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The tag the build job pushed, and the variable it came from."""
    return ci_git_tag(env) or ci_commit(env)


def _pipeline_url(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_ACTIONS") == "true":
        parts = [env.get(n) for n in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
        return "{}/{}/actions/runs/{}".format(*parts) if all(parts) else None
    return env.get("CI_PIPELINE_URL") or None


def resolve_release(settings: Settings, env: Mapping[str, str]) -> Release:
    """The release to deploy: the configured image when it names a version, else its tag from CI."""
    image = settings.image
    source = settings.sources.get("image", "default")
    if image is None:
        raise ConfigError(
            "image: missing — set `image:` in ci-ecs.yml, CI_ECS_IMAGE or --image "
            "(the repository, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web)"
        )
    if image.tag == "latest" and not image.digest:
        raise ConfigError(
            f"image: {image} names 'latest', which moves — a deploy must name an immutable version "
            f"(a tag like :v1.2.3 or :<commit sha>, or a digest @sha256:…) (from {source})"
        )
    if image.tag is None and image.digest is None:
        found = _ci_tag(env)
        if found is None:
            raise ConfigError(
                "image: no tag — pass --image REPO:TAG, or run in CI (CI_COMMIT_SHA/GITHUB_SHA)"
            )
        tag, variable = found
        if not TAG.fullmatch(tag):
            raise ConfigError(
                f"image: {variable}={tag!r} is not a valid image tag (letters, digits, _ . -, at most 128): "
                "pass --image REPO:TAG"
            )
        image = replace(image, tag=tag)
    version = image.tag if image.tag and image.tag != "latest" else short_digest(image.digest or "")
    commit = (
        env.get("GITHUB_SHA") if env.get("GITHUB_ACTIONS") == "true" else env.get("CI_COMMIT_SHA")
    ) or None
    return Release(
        image=image,
        version=version,
        commit=commit,
        pipeline_url=_pipeline_url(env),
        pipeline_id=_pipeline_id(env),
    )


# Runs started by hand to roll back: they belong to no release, so they may roll back whatever is live.
_BY_HAND = ("workflow_dispatch", "repository_dispatch")


def pipeline_release(settings: Settings, env: Mapping[str, str]) -> Release | None:
    """The release of the pipeline a job runs in (what a rollback in it may undo); None outside one."""
    if env.get("CI") != "true" or env.get("GITHUB_EVENT_NAME") in _BY_HAND:
        return None
    try:
        return resolve_release(settings, env)
    except ConfigError:
        return None


def _pipeline_id(env: Mapping[str, str]) -> int | None:
    """The pipeline (GitLab) or workflow run (GitHub) number; both only grow, and a retry keeps it."""
    value = env.get("GITHUB_RUN_ID") if env.get("GITHUB_ACTIONS") == "true" else env.get("CI_PIPELINE_ID")
    return int(value) if value and value.isdigit() else None


def is_ecr(image: ImageRef) -> tuple[str, str, str] | None:
    """(account, region, repository name) when the image is in Amazon ECR, else None."""
    match = _ECR.fullmatch(image.repository)
    return (match[1], match[2], match[3]) if match else None
