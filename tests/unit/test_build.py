"""`ci-ecs build` without an engine: tags from CI variables, input checks, the docker commands it runs."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ci_ecs import build as builds
from ci_ecs.docker_cli import Completed, Docker, remote_digest
from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef
from ci_ecs.output import Console

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
SHA = "0123456789abcdef0123456789abcdef01234567"
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "scratch-app"
REPO = ImageRef("registry.example.com/team/web")


class ScriptedDocker(Docker):
    """A Docker whose commands answer from a script and are recorded instead of run."""

    def __init__(self, answers: dict[str, Completed]) -> None:
        super().__init__({}, lambda line: None)
        self.answers = answers
        self.calls: list[tuple[list[str], str | None]] = []

    def run(
        self, args: Sequence[str], *, stdin: str | None = None, stream: bool = False, buildkit: bool = True
    ) -> Completed:
        self.calls.append((list(args), stdin))
        for prefix, answer in self.answers.items():
            if " ".join(args).startswith(prefix):
                return answer
        return Completed(0, "")


def test_gitlab_tag_pipeline_tags_the_image_with_the_minute_the_sha_and_the_git_tag() -> None:
    tags = builds.ci_tags({"CI_COMMIT_SHA": SHA, "CI_COMMIT_TAG": "v1.2.3"}, NOW, Path("/"))
    assert tags.all == ("20260304-0506", SHA, "v1.2.3")
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


def test_a_registry_on_this_host_is_asked_over_plain_http() -> None:
    docker = ScriptedDocker({"manifest inspect": Completed(1, "no such manifest: 127.0.0.1:5000/web:x")})
    assert remote_digest(docker, ImageRef("127.0.0.1:5000/web", "x")) == (False, None)
    assert "--insecure" in docker.calls[0][0]


def test_a_registry_that_does_not_answer_is_unknown_not_absent() -> None:
    docker = ScriptedDocker({"manifest inspect": Completed(1, "unauthorized: authentication required")})
    assert remote_digest(docker, REPO) == (None, None)
    assert "--insecure" not in docker.calls[0][0]


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
