"""`ci-ecs build` with a real dockerd and local registry; ECR through the sandbox and a recording docker."""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import pytest

from ci_ecs import sandbox as sandboxes
from tests.docker_services import docker_env
from tests.integration.helpers import Run, ci_ecs_executable, clean_env, client, run_process

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "scratch-app"
SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "89abcdef0123456789abcdef0123456789abcdef"


def _build(cwd: Path, env: Mapping[str, str], *args: str) -> Run:
    return run_process([ci_ecs_executable(), "build", *args], env, cwd)


def _ci_env(dockerd_socket: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """A GitLab-like job environment with its own docker config; no AWS, CI or CI_ECS variables leak in."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_")) and k != "CI"
    }
    env = docker_env(dockerd_socket, tmp_path / "docker-config", base)
    env.update({"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_SHA": SHA, **extra})
    return env


def _registry(address: str, path: str, method: str = "GET") -> tuple[dict[str, str], bytes]:
    accept = (
        "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"
    )
    request = urllib.request.Request(f"http://{address}{path}", method=method, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return dict(reply.headers), reply.read()


def _tags(address: str, name: str) -> set[str]:
    return set(json.loads(_registry(address, f"/v2/{name}/tags/list")[1])["tags"] or [])


def _digest(address: str, name: str, tag: str) -> str:
    return _registry(address, f"/v2/{name}/manifests/{tag}", "HEAD")[0]["Docker-Content-Digest"]


def _dotenv(cwd: Path) -> dict[str, str]:
    lines = (cwd / "ci-ecs.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def repo(registry_address: str, tmp_path: Path) -> tuple[str, str]:
    """A repository of its own in the local registry: (full repository, name in the registry)."""
    name = f"scratch-{tmp_path.name.lower()[-20:].strip('_-.')}"
    return f"{registry_address}/{name}", name


def test_build_tags_and_pushes_the_scratch_image_and_hands_on_its_digest(
    dockerd_socket: str, registry_address: str, repo: tuple[str, str], tmp_path: Path
) -> None:
    github_output, summary = tmp_path / "github-output", tmp_path / "summary.md"
    env = _ci_env(
        dockerd_socket, tmp_path, GITHUB_OUTPUT=str(github_output), GITHUB_STEP_SUMMARY=str(summary)
    )
    run = _build(tmp_path, env, "--context", str(FIXTURE), "--image", repo[0], "--build-arg", "GREETING=hi")
    assert run.code == 0, run.output
    assert "Successfully built" in run.output  # the builder's own log is shown
    tags = _tags(registry_address, repo[1])
    assert SHA in tags and len(tags) == 2
    (timestamp,) = tags - {SHA}
    assert len(timestamp) == len("20260101-120000") and timestamp[8] == "-"
    digest = _digest(registry_address, repo[1], SHA)
    assert _digest(registry_address, repo[1], timestamp) == digest
    assert _dotenv(tmp_path) == {"CI_ECS_IMAGE": f"{repo[0]}:{SHA}@{digest}", "CI_ECS_VERSION": SHA}
    assert f"\n{repo[0]}:{SHA}@{digest}\n" in github_output.read_text()
    assert f"| Image | `{repo[0]}:{SHA}@{digest}` |" in summary.read_text()


def test_a_second_run_for_the_same_commit_skips_the_build_and_hands_on_the_same_image(
    dockerd_socket: str, registry_address: str, repo: tuple[str, str], tmp_path: Path
) -> None:
    env = _ci_env(dockerd_socket, tmp_path)
    first = _build(tmp_path, env, "--context", str(FIXTURE), "--image", repo[0])
    assert first.code == 0, first.output
    image = _dotenv(tmp_path)["CI_ECS_IMAGE"]
    tags = _tags(registry_address, repo[1])
    (tmp_path / "ci-ecs.env").unlink()
    again = _build(tmp_path, env, "--context", str(FIXTURE), "--image", repo[0])
    assert again.code == 0, again.output
    assert "already in the registry: skipping the build" in again.output
    assert "Step 1/" not in again.output and "Pushing" not in again.output
    assert _tags(registry_address, repo[1]) == tags
    assert _dotenv(tmp_path)["CI_ECS_IMAGE"] == image


def test_a_tag_pipeline_for_a_built_commit_adds_the_git_tag_to_the_same_image_without_building(
    dockerd_socket: str, registry_address: str, repo: tuple[str, str], tmp_path: Path
) -> None:
    branch = _build(
        tmp_path, _ci_env(dockerd_socket, tmp_path), "--context", str(FIXTURE), "--image", repo[0]
    )
    assert branch.code == 0, branch.output
    env = _ci_env(dockerd_socket, tmp_path, CI_COMMIT_TAG="v1.2.3")
    tagged = _build(tmp_path, env, "--context", str(FIXTURE), "--image", f"{repo[0]}:ignored")
    assert tagged.code == 0, tagged.output
    assert "skipping the build" in tagged.output
    digest = _digest(registry_address, repo[1], SHA)
    assert _digest(registry_address, repo[1], "v1.2.3") == digest
    assert _dotenv(tmp_path) == {"CI_ECS_IMAGE": f"{repo[0]}:v1.2.3@{digest}", "CI_ECS_VERSION": "v1.2.3"}


def test_a_failing_build_shows_the_builders_error_exits_1_and_pushes_nothing(
    dockerd_socket: str, registry_address: str, repo: tuple[str, str], tmp_path: Path
) -> None:
    context = tmp_path / "broken"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\nCOPY not-there.txt /\n")
    run = _build(tmp_path, _ci_env(dockerd_socket, tmp_path), "--context", str(context), "--image", repo[0])
    assert run.code == 1, run.output
    assert "not-there.txt" in run.output and "docker build failed" in run.output
    with pytest.raises(urllib.error.HTTPError):
        _tags(registry_address, repo[1])
    assert not (tmp_path / "ci-ecs.env").exists()


def test_gitlab_registry_login_uses_the_job_token_without_showing_it(
    dockerd_socket: str, registry_address: str, repo: tuple[str, str], tmp_path: Path
) -> None:
    password = "glcbt-64_sEcReT-jOb-ToKeN-not-for-logs"
    env = _ci_env(
        dockerd_socket,
        tmp_path,
        CI_REGISTRY=registry_address,
        CI_REGISTRY_USER="gitlab-ci-token",
        CI_REGISTRY_PASSWORD=password,
    )
    args = ["-v", "build", "--context", str(FIXTURE), "--image", repo[0]]
    run = run_process([ci_ecs_executable(), *args], env, tmp_path)
    assert run.code == 0, run.output
    assert f"Logging in to the GitLab registry {registry_address} as gitlab-ci-token" in run.output
    assert password not in run.output
    auths = json.loads((tmp_path / "docker-config" / "config.json").read_text())["auths"]
    assert registry_address in auths


def test_dry_run_prints_the_commands_and_touches_neither_engine_nor_registry(
    registry_address: str, repo: tuple[str, str], tmp_path: Path
) -> None:
    env = _ci_env("unix:///nonexistent/docker.sock", tmp_path)
    run = _build(tmp_path, env, "--dry-run", "--context", str(FIXTURE), "--image", repo[0])
    assert run.code == 0, run.output
    assert f"docker build --file {FIXTURE / 'Dockerfile'}" in run.output
    assert f"docker push {repo[0]}:{SHA}" in run.output
    assert not (tmp_path / "ci-ecs.env").exists()


def test_an_unreachable_engine_is_a_precondition_failure(repo: tuple[str, str], tmp_path: Path) -> None:
    env = _ci_env("unix:///nonexistent/docker.sock", tmp_path)
    run = _build(tmp_path, env, "--context", str(FIXTURE), "--image", repo[0])
    assert run.code == 3, run.output
    assert "cannot reach the Docker engine at unix:///nonexistent/docker.sock" in run.output


def test_no_docker_cli_is_a_precondition_failure(repo: tuple[str, str], tmp_path: Path) -> None:
    env = _ci_env("unix:///nonexistent/docker.sock", tmp_path, PATH=str(tmp_path / "empty-bin"))
    run = run_process([ci_ecs_executable(), "build", "--image", repo[0]], env, FIXTURE)
    assert run.code == 3, run.output
    assert "docker CLI is not installed" in run.output


def test_bad_context_or_file_exits_2_before_docker_runs(tmp_path: Path, recording_docker: Path) -> None:
    env = _ci_env("unix:///nonexistent/docker.sock", tmp_path, PATH=str(recording_docker.parent))
    no_context = _build(tmp_path, env, "--context", str(tmp_path / "nope"), "--image", "127.0.0.1:1/x")
    assert no_context.code == 2 and "--context:" in no_context.output
    no_file = _build(
        tmp_path, env, "--context", str(FIXTURE), "--file", "Missing", "--image", "127.0.0.1:1/x"
    )
    assert no_file.code == 2 and "--file: Missing not found" in no_file.output
    no_image = _build(tmp_path, env, "--context", str(FIXTURE))
    assert no_image.code == 2 and "image: missing" in no_image.output
    assert not (tmp_path / "docker.log").exists()


RECORDING_DOCKER = """#!/bin/sh
# Records each docker command; answers like an engine with no buildx whose pushes succeed.
log="$(dirname "$0")/../docker.log"
echo "$*" >> "$log"
case "$1" in
  version) echo 20.10.24 ;;
  buildx) echo "docker: 'buildx' is not a docker command." >&2; exit 1 ;;
  login) cat > "$log.stdin"; echo "Login Succeeded" ;;
  image) ref="$5"; echo "[\\"${ref%:*}@sha256:$(printf 'b%.0s' $(seq 64))\\"]" ;;
esac
"""


@pytest.fixture
def recording_docker(tmp_path: Path) -> Path:
    """A `docker` executable that records its arguments (in ../docker.log) instead of talking to an engine."""
    path = tmp_path / "bin" / "docker"
    path.parent.mkdir()
    path.write_text(RECORDING_DOCKER)
    path.chmod(0o755)
    return path


def _ecr_env(sandbox: sandboxes.Sandbox, tmp_path: Path, recording_docker: Path) -> dict[str, str]:
    env = clean_env(sandbox, {"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_SHA": SHA})
    env["PATH"] = f"{recording_docker.parent}:{os.environ['PATH']}"
    return env


def test_ecr_repository_logs_in_with_a_fresh_token_on_stdin_and_skips_a_pushed_commit(
    sandbox: sandboxes.Sandbox, tmp_path: Path, recording_docker: Path
) -> None:
    ecr = client(sandbox, "ecr")
    name = f"build-{tmp_path.name.lower()[-20:].strip('_-.')}"
    uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
    pushed = ecr.put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageTag=SHA)["image"]
    run = _build(
        tmp_path, _ecr_env(sandbox, tmp_path, recording_docker), "--context", str(FIXTURE), "--image", uri
    )
    assert run.code == 0, run.output
    commands = (tmp_path / "docker.log").read_text().splitlines()
    assert [c.split()[0] for c in commands] == ["version", "login"]
    registry = uri.split("/")[0]
    assert commands[1] == f"login --username AWS --password-stdin https://{registry}"
    token = (tmp_path / "docker.log.stdin").read_text()
    assert token and token not in run.output
    digest = pushed["imageId"]["imageDigest"]
    assert _dotenv(tmp_path)["CI_ECS_IMAGE"] == f"{uri}:{SHA}@{digest}"


def test_ecr_repository_without_the_commit_builds_and_pushes_every_tag(
    sandbox: sandboxes.Sandbox, tmp_path: Path, recording_docker: Path
) -> None:
    name = f"build-{tmp_path.name.lower()[-20:].strip('_-.')}"
    uri = client(sandbox, "ecr").create_repository(repositoryName=name)["repository"]["repositoryUri"]
    env = _ecr_env(sandbox, tmp_path, recording_docker)
    run = _build(tmp_path, {**env, "CI_COMMIT_TAG": "v3"}, "--context", str(FIXTURE), "--image", uri)
    assert run.code == 0, run.output
    commands = (tmp_path / "docker.log").read_text().splitlines()
    assert [c.split()[0] for c in commands][:4] == ["version", "login", "buildx", "build"]
    pushes = [c.split()[1] for c in commands if c.startswith("push ")]
    assert pushes[1:] == [f"{uri}:{SHA}", f"{uri}:v3"]
    assert _dotenv(tmp_path)["CI_ECS_IMAGE"] == f"{uri}:v3@sha256:{'b' * 64}"
    assert shutil.which("docker", path=env["PATH"]) == str(recording_docker)
