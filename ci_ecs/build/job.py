"""`ci-ecs build`: docker build, tag (timestamp, commit sha, git tag), push; skip what is already pushed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from ci_ecs.build import docker_cli
from ci_ecs.build.docker_cli import Docker, checked, command_line
from ci_ecs.build.request import BuildRequest, Tags, build_command
from ci_ecs.job_outputs import in_ci, write_values
from ci_ecs.model import ImageRef
from ci_ecs.output import Console
from ci_ecs.release import is_ecr

if TYPE_CHECKING:
    from ci_ecs.aws.clients import Aws


@dataclass(frozen=True)
class Built:
    """The outcome: the pinned image reference for later jobs, and whether the build was skipped."""

    image: str
    digest: str
    tags: tuple[str, ...]
    skipped: bool


def _ecr_aws(repository: ImageRef) -> Aws | None:
    """The job's one AWS gateway (credentials resolved once) for an ECR repository; None elsewhere."""
    ecr = is_ecr(repository)
    if ecr is None:
        return None
    from ci_ecs.aws.clients import Aws

    return Aws(ecr[1])


def _login(
    docker: Docker, repository: ImageRef, env: Mapping[str, str], console: Console, aws: Aws | None
) -> None:
    """Log in to ECR (a fresh token) or the GitLab registry; otherwise rely on the existing docker login."""
    ecr = is_ecr(repository)
    if ecr is not None and aws is not None:
        from ci_ecs.aws import ecr as ecr_api

        account, region, _ = ecr
        user, password, endpoint = ecr_api.login_password(aws, account, region)
        console.redact.add(password)
        console.step(f"Logging in to ECR {endpoint}")
        docker_cli.login(docker, endpoint, user, password)
    elif (gitlab := _gitlab_login(repository, env)) is not None:
        registry, user, password = gitlab
        console.redact.add(password)
        console.step(f"Logging in to the GitLab registry {registry} as {user}")
        docker_cli.login(docker, registry, user, password)


def _gitlab_login(repository: ImageRef, env: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(registry, user, password) when the repository is in this GitLab's registry and the job may log in."""
    registry = env.get("CI_REGISTRY", "")
    user, password = env.get("CI_REGISTRY_USER", ""), env.get("CI_REGISTRY_PASSWORD", "")
    return (registry, user, password) if registry == repository.registry and user and password else None


def _pushed(docker: Docker, image: ImageRef, aws: Aws | None) -> tuple[bool | None, str | None]:
    """(exists, digest) of a tag in its registry: ECR's API for ECR, the registry through docker otherwise."""
    ecr = is_ecr(image)
    if ecr is None or aws is None:
        return docker_cli.remote_digest(docker, image)
    from ci_ecs.aws import ecr as ecr_api

    account, region, name = ecr
    digest = ecr_api.tag_digest(aws, account, region, name, image.tag or "")
    return digest is not None, digest


def _push(docker: Docker, image: ImageRef, console: Console) -> None:
    console.step(f"Pushing {image}")
    checked(docker.run(["push", str(image)], stream=True), f"docker push {image}")


def _reuse(
    docker: Docker, request: BuildRequest, tags: Tags, digest: str | None, console: Console, aws: Aws | None
) -> str:
    """Skip the build of an already pushed commit; give it the git tag of this pipeline if it lacks it."""
    commit = replace(request.repository, tag=tags.commit)
    console.step(f"{commit} is already in the registry: skipping the build")
    version = replace(commit, tag=tags.git_tag)
    if tags.git_tag is not None and _pushed(docker, version, aws)[0] is not True:
        pinned = f"{request.repository.repository}@{digest}" if digest else str(commit)
        checked(docker.run(["pull", pinned], stream=True), f"docker pull {pinned}")
        checked(docker.run(["tag", pinned, str(version)]), f"docker tag {pinned} {version}")
        _push(docker, version, console)
        digest = docker_cli.local_digest(docker, version)
    if digest is None:  # the registry did not say (a multi-platform list): ask the engine
        checked(docker.run(["pull", str(commit)], stream=True), f"docker pull {commit}")
        digest = docker_cli.local_digest(docker, commit)
    return digest


def build(
    request: BuildRequest,
    tags: Tags,
    docker: Docker,
    console: Console,
    env: Mapping[str, str],
    *,
    now: datetime,
    dry_run: bool = False,
) -> Built | None:
    """Build, tag and push the image — or reuse the pushed one of this commit. None on a dry run."""
    created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    repository = request.repository
    commit = replace(repository, tag=tags.commit)
    if dry_run:
        ecr = is_ecr(repository) is not None
        if ecr or _gitlab_login(repository, env):
            user = "AWS" if ecr else env["CI_REGISTRY_USER"]
            console.line(f"docker login --username {user} --password-stdin {repository.registry}")
        console.step(f"Would skip the build if {commit} is already in the registry; else run:")
        console.line("(with buildx installed: docker buildx build --load instead of docker build)")
        console.line("docker " + command_line(build_command(request, tags, buildx=False, created=created)))
        for tag in tags.all:
            console.line(f"docker push {replace(repository, tag=tag)}")
        return None
    docker_cli.require_engine(docker)
    aws = _ecr_aws(repository)
    _login(docker, repository, env, console, aws)
    console.step(f"Looking for {commit} in the registry")
    exists, digest = _pushed(docker, commit, aws)
    if exists is None:
        console.warn(f"could not tell whether {commit} is in the registry: building it")
    if exists:
        digest = _reuse(docker, request, tags, digest, console, aws)
        reused = tuple(dict.fromkeys((tags.commit, tags.version)))
        return Built(f"{repository.repository}:{tags.version}@{digest}", digest, reused, True)
    buildx = docker_cli.has_buildx(docker)
    command = build_command(request, tags, buildx=buildx, created=created)
    builder = "BuildKit (buildx)" if buildx else "the classic builder (no buildx)"
    with console.section(f"docker build with {builder}"):
        console.detail("docker " + command_line(command))
        checked(docker.run(command, stream=True, buildkit=buildx), "docker build")
    for tag in tags.all:
        _push(docker, replace(repository, tag=tag), console)
    digest = docker_cli.local_digest(docker, commit)
    return Built(f"{repository.repository}:{tags.version}@{digest}", digest, tags.all, False)


def summary_markdown(built: Built) -> str:
    """The build's outcome for GitHub's job summary."""
    what = "reused the image already pushed for this commit" if built.skipped else "built and pushed"
    tags = ", ".join(f"`{tag}`" for tag in built.tags)
    return f"### ✅ ci-ecs build {what}\n\n| | |\n|---|---|\n| Image | `{built.image}` |\n| Tags | {tags} |\n"


def write_build_outputs(built: Built, version: str, env: Mapping[str, str], console: Console) -> None:
    """CI_ECS_IMAGE (by digest) and CI_ECS_VERSION for later jobs, in CI; `image`, `version` on GitHub."""
    values = {"CI_ECS_IMAGE": built.image, "CI_ECS_VERSION": version}
    if in_ci(env):
        write_values(values, env, summary=summary_markdown(built))
    console.line(f"image: {built.image}")
    console.document({"image": built.image, "digest": built.digest, "tags": list(built.tags), **values})
