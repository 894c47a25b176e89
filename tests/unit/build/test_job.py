"""`ci-ecs build` without an engine: the docker commands it runs, its logins, the skip and the dry run."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ci_ecs import build as builds
from ci_ecs.build.docker_cli import Completed
from ci_ecs.model import ImageRef
from ci_ecs.output import Console
from tests.unit.build.fakes import FIXTURE, NOW, REPO, SHA, ScriptedDocker


def test_a_fresh_commit_is_built_without_buildkit_when_buildx_is_missing_then_every_tag_pushed() -> None:
    docker = ScriptedDocker(
        {
            "manifest inspect": Completed(1, "no such manifest: x"),
            "buildx version": Completed(1, "docker: unknown command: docker buildx"),
            "image inspect": Completed(0, f'["{REPO}@sha256:{"b" * 64}"]'),
        }
    )
    request = builds.build_request(REPO, FIXTURE, None)
    tags = builds.Tags("20260304-0506", SHA)
    built = builds.build(request, tags, docker, Console(), {}, now=NOW)
    assert built == builds.Built(f"{REPO}:{SHA}@sha256:{'b' * 64}", f"sha256:{'b' * 64}", tags.all, False)
    pushes = [args[1] for args, _ in docker.calls if args[0] == "push"]
    assert pushes == [f"{REPO}:20260304-0506", f"{REPO}:{SHA}"]


def test_gitlab_registry_login_sends_the_password_on_stdin_only() -> None:
    docker = ScriptedDocker({"manifest inspect": Completed(0, '{"Descriptor": {"digest": "sha256:1"}}')})
    env = {"CI_REGISTRY": "registry.example.com", "CI_REGISTRY_USER": "gitlab-ci-token"}
    env["CI_REGISTRY_PASSWORD"] = "s3cr3t-job-token"
    built = builds.build(
        builds.build_request(REPO, FIXTURE, None), builds.Tags("t", SHA), docker, Console(), env, now=NOW
    )
    login = next((args, stdin) for args, stdin in docker.calls if args[0] == "login")
    assert login == (
        ["login", "--username", "gitlab-ci-token", "--password-stdin", "registry.example.com"],
        "s3cr3t-job-token",
    )
    assert built is not None and built.skipped
    assert not any("s3cr3t" in " ".join(args) for args, _ in docker.calls)


def test_another_registry_than_gitlabs_uses_the_existing_docker_login() -> None:
    docker = ScriptedDocker({"manifest inspect": Completed(0, '{"Descriptor": {"digest": "sha256:1"}}')})
    env = {"CI_REGISTRY": "gitlab.example.com:5050", "CI_REGISTRY_USER": "u", "CI_REGISTRY_PASSWORD": "p4ss"}
    builds.build(
        builds.build_request(REPO, FIXTURE, None), builds.Tags("t", SHA), docker, Console(), env, now=NOW
    )
    assert [args[0] for args, _ in docker.calls] == ["version", "manifest"]


def test_dry_run_for_ecr_prints_the_login_build_and_pushes_and_runs_no_docker_command() -> None:
    out = io.StringIO()
    docker = ScriptedDocker({})
    ecr = ImageRef("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web")
    request = builds.build_request(ecr, FIXTURE, None)
    built = builds.build(request, builds.Tags("t", SHA), docker, Console(out=out), {}, now=NOW, dry_run=True)
    assert built is None and docker.calls == []
    printed = out.getvalue()
    assert f"docker login --username AWS --password-stdin {ecr.registry}" in printed
    assert f"docker push {ecr}:{SHA}" in printed


@pytest.mark.parametrize(("env", "written"), [({}, False), ({"CI": "true"}, True)])
def test_build_outputs_go_to_ci_ecs_env_only_in_ci(
    env: dict[str, str], written: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    built = builds.Built(f"{REPO}:{SHA}@sha256:{'b' * 64}", f"sha256:{'b' * 64}", (SHA,), False)
    builds.write_build_outputs(built, SHA, env, Console(out=io.StringIO()))
    assert (tmp_path / "ci-ecs.env").exists() == written
