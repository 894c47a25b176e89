"""The project's Dockerfile builds offline from a local Debian base; its image runs as the GitHub Action."""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from ci_ecs.aws.botocore_data import SERVICES
from tests.ci import local_base
from tests.ci.github_runner import FAKE_TOKEN, ROOT, action, action_image, docker_client, run_action
from tests.docker_services import docker_env
from tests.integration.test_sandbox_up import sandbox_up  # noqa: F401  (a fixture: `ci-ecs sandbox up`)

Docker = Callable[..., subprocess.CompletedProcess[str]]
REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"
SHA = "0123456789abcdef0123456789abcdef01234567"
IMAGE_CACHE = ROOT / ".tools" / "ci-ecs-image"


@pytest.fixture(scope="module")
def engine(dockerd_socket: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for the docker CLI on this worker's private engine (classic builder: no buildx)."""
    return {**docker_env(dockerd_socket, tmp_path_factory.mktemp("docker-config")), "DOCKER_BUILDKIT": "0"}


@pytest.fixture(scope="module")
def docker(engine: dict[str, str]) -> Docker:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [docker_client(), *args], env=engine, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"docker {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        return done

    return run


def _context_key() -> str:
    """A hash of everything the build reads (the context the .dockerignore lets in, and the base's recipe)."""
    digest = hashlib.sha256(local_base.rootfs_tar().name.encode() + action_image().encode())
    files = [ROOT / "Dockerfile", ROOT / ".dockerignore", ROOT / "pyproject.toml", ROOT / "README.md"]
    files += [f for f in (ROOT / "ci_ecs").rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    for path in sorted(files):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def image_version(tag: str) -> str:
    """The version an image of the tag `tag` (or its deploy image) reports."""
    return tag.rpartition(":")[2].removesuffix("-deploy")


def _deploy_tag(tag: str) -> str:
    """The deploy image (`--target deploy`: no docker client) of the image tagged `tag`."""
    return f"{tag}-deploy"


@pytest.fixture(scope="module")
def image(docker: Docker) -> str:
    """The project's image, built from the Dockerfile as is, tagged and versioned as action.yml names it (and
    its deploy image, `--target deploy`, from the same build)."""
    tag = action_image()
    # Each xdist worker has its own engine: one builds and saves the images, the others load them.
    key = _context_key()
    IMAGE_CACHE.mkdir(parents=True, exist_ok=True)
    saved = IMAGE_CACHE / f"ci-ecs-{key}.tar"
    with open(IMAGE_CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.exists():
            docker("load", "--input", str(saved))
            return tag
        base = local_base.trusting_host_cas(docker, local_base.import_base(docker))
        version = tag.rpartition(":")[2]  # as the release pipelines pass it: the tag v1.2.3 builds 1.2.3
        arguments = ["--build-arg", f"BASE_IMAGE={base}", "--build-arg", f"VERSION={version}"]
        docker("build", "--network", "host", *arguments, "-t", tag, str(ROOT))
        docker(
            "build", "--network", "host", *arguments, "--target", "deploy", "-t", _deploy_tag(tag), str(ROOT)
        )
        for built in (tag, _deploy_tag(tag)):
            size = int(docker("image", "inspect", "--format", "{{.Size}}", built).stdout)
            print(f"\nci-ecs image {built}: {size / 1e6:.0f} MB (base {base})")
        for old in IMAGE_CACHE.glob("ci-ecs-*.tar"):
            old.unlink()
        docker("save", "--output", str(saved.with_suffix(".partial")), tag, _deploy_tag(tag))
        saved.with_suffix(".partial").rename(saved)
    return tag


@pytest.fixture(scope="module")
def deploy_image(image: str) -> str:
    return _deploy_tag(image)


# Inside an image, offline: a client for every service ci-ecs makes clients for, made as ci-ecs makes them
# (ci_ecs.aws.clients.Aws), each resolving its endpoint from the models the image kept; every module of the
# package imported (but the sandbox's, which needs the `sandbox` extra), so no pruned dependency is missed;
# the forges' clients made as ci_ecs.forge makes them.
LOAD_EVERY_CLIENT = """
import importlib, pkgutil
import ci_ecs
from ci_ecs.aws.botocore_data import SERVICES
from ci_ecs.aws.clients import Aws

aws = Aws("eu-west-1")
for service in SERVICES:
    client = aws.client(service)
    assert client.meta.endpoint_url.endswith(".amazonaws.com"), client.meta.endpoint_url
    print(service, len(client.meta.service_model.operation_names), "operations")
for module in pkgutil.walk_packages(ci_ecs.__path__, "ci_ecs."):
    if not module.name.startswith("ci_ecs.sandbox") and module.name != "ci_ecs.__main__":
        importlib.import_module(module.name)
import github, gitlab
github.Github(auth=github.Auth.Token("t"))
gitlab.Gitlab("https://gitlab.example.com", private_token="t")
print("ok")
"""


@pytest.mark.parametrize("variant", ["image", "deploy_image"])
def test_every_client_ci_ecs_makes_loads_inside_the_image_offline(
    docker: Docker, variant: str, request: pytest.FixtureRequest
) -> None:
    tag = request.getfixturevalue(variant)
    credentials = ["-e", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "-e", "AWS_SECRET_ACCESS_KEY=x"]

    done = docker("run", "--rm", "--network", "none", *credentials, "--entrypoint", "python", tag, "-c",
                  LOAD_EVERY_CLIENT)  # fmt: skip

    loaded = [line.split()[0] for line in done.stdout.splitlines()[:-1]]
    assert loaded == list(SERVICES)
    assert done.stdout.splitlines()[-1] == "ok"
    assert docker("run", "--rm", "--network", "none", tag, "--version").stdout.strip() == (
        f"ci-ecs {image_version(tag)}"
    )


def test_the_deploy_image_is_under_150_mb_and_the_image_only_adds_the_docker_client(
    docker: Docker, image: str, deploy_image: str
) -> None:
    size = {
        tag: int(docker("image", "inspect", "--format", "{{.Size}}", tag).stdout)
        for tag in (image, deploy_image)
    }
    print(f"\n{deploy_image}: {size[deploy_image] / 1e6:.1f} MB; {image}: {size[image] / 1e6:.1f} MB")

    assert size[deploy_image] < 150e6
    assert size[image] - size[deploy_image] < 50e6, "the docker client is about 46 MB"


def test_every_program_and_library_in_the_image_finds_the_libraries_it_links(
    docker: Docker, image: str
) -> None:
    # The runtime stage purged packages with --force-depends: nothing left may need one of them.
    probe = (
        'find / -xdev -type f \\( -name "*.so*" -o -perm -u+x \\) | while read -r f; do '
        'ldd "$f" 2>/dev/null | grep -q "not found" && echo "$f"; done; true'
    )

    done = docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c", probe)

    assert done.stdout.split() == []


def test_the_deploy_image_has_no_docker_client_installers_caches_or_translations(
    docker: Docker, deploy_image: str
) -> None:
    probe = (
        "command -v docker apt-get perl pip; cd /opt/ci-ecs/lib/python3*/site-packages; "
        "ls -d /src /opt/ci-ecs/bin/pip /root/.cache /var/cache/* /usr/share/locale/* /usr/share/man/* "
        "/usr/lib/python3*/test cryptography setuptools pip 2>/dev/null; true"
    )

    found = docker("run", "--rm", "--network", "none", "--entrypoint", "sh", deploy_image, "-c", probe)

    assert found.stdout.split() == []


def test_image_runs_ci_ecs_as_its_entrypoint_with_no_user_or_workdir(docker: Docker, image: str) -> None:
    config = json.loads(docker("image", "inspect", image).stdout)[0]["Config"]

    assert config["Entrypoint"] == ["ci-ecs"]
    assert config["User"] == ""
    assert config["WorkingDir"] == ""
    assert docker("run", "--rm", image, "--version").stdout.strip() == f"ci-ecs {image.rpartition(':')[2]}"


def test_image_keeps_only_the_docker_client_and_no_build_leftovers(docker: Docker, image: str) -> None:
    probe = "command -v docker; command -v dockerd containerd runc pip; ls -d /src /opt/ci-ecs/bin/pip; true"

    found = docker("run", "--rm", "--entrypoint", "sh", image, "-c", probe).stdout.split()

    assert found == ["/usr/local/bin/docker"]


def test_docker_client_in_the_image_drives_the_mounted_engine(
    docker: Docker, image: str, dockerd_socket: str
) -> None:
    socket = dockerd_socket.removeprefix("unix://")

    done = docker(
        "run", "--rm", "-v", f"{socket}:/var/run/docker.sock", "--entrypoint", "docker", image,
        "image", "ls", "--format", "{{.Repository}}:{{.Tag}}",
    )  # fmt: skip

    assert image in done.stdout.split()


def _live(env: dict[str, str]) -> tuple[str, str]:
    """The live version tag and image of the sandbox's `web` service, read with boto3 (not ci-ecs)."""
    ecs = boto3.client(
        "ecs",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    service = ecs.describe_services(cluster="demo", services=["web"])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    tags = ecs.list_tags_for_resource(resourceArn=service["serviceArn"])["tags"]
    version = next((t["value"] for t in tags if t["key"] == "ci-ecs:version"), "")
    return version, definition["containerDefinitions"][0]["image"]


@pytest.fixture
def sandbox(sandbox_up: tuple[dict[str, str], str]) -> dict[str, str]:  # noqa: F811
    """The AWS_* variables of a `ci-ecs sandbox up` process on the host (endpoint on 127.0.0.1)."""
    return {k: v for k, v in sandbox_up[0].items() if k.startswith("AWS_")}


@pytest.fixture
def workspace(sandbox: dict[str, str], tmp_path: Path) -> Path:
    """The repository the action runs in: the configs `sandbox up --write-config` wrote into tmp_path."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for config in tmp_path.glob("ci-ecs*.yml"):
        config.rename(workspace / config.name)
    return workspace


def test_action_deploys_to_the_sandbox_on_the_host_writes_its_outputs_and_rolls_back(
    engine: dict[str, str], image: str, sandbox: dict[str, str], workspace: Path
) -> None:
    env = sandbox
    passed = {**sandbox}
    passed |= {"GITHUB_SHA": SHA, "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch"}
    passed |= {"CI_ECS_WAIT_POLL_FIRST": "0.2", "CI_ECS_WAIT_POLL_CAP": "0.5"}

    deployed = run_action(engine, workspace, {"command": "deploy", "image": f"{REPOSITORY}:v2"}, passed)

    assert deployed.code == 0, deployed.log
    assert "ci-ecs deploy --image" in deployed.log
    version, live_image = _live(env)
    assert version == "v2" and live_image.startswith(REPOSITORY)
    assert deployed.outputs["version"] == "v2"
    assert deployed.outputs["previous-version"] == "v1"
    assert deployed.outputs["technique"] == "rolling"
    assert deployed.outputs["image"].startswith(REPOSITORY)
    assert set(deployed.outputs) <= set(action()["outputs"])
    assert "deploy succeeded: v2" in deployed.summary
    assert (workspace / "ci-ecs.env").read_text().count("CI_ECS_VERSION=v2") == 1
    assert FAKE_TOKEN not in deployed.log

    rolled_back = run_action(engine, workspace, {"command": "rollback"}, passed)

    assert rolled_back.code == 0, rolled_back.log
    assert _live(env)[0] == "v1", rolled_back.log
    assert rolled_back.outputs["version"] == "v1"
    assert "rollback succeeded: v1" in rolled_back.summary


def test_action_refuses_an_input_its_command_does_not_take_and_changes_nothing(
    engine: dict[str, str], image: str, sandbox: dict[str, str], workspace: Path
) -> None:
    env = sandbox
    before = _live(env)

    done = run_action(engine, workspace, {"command": "deploy", "version": "v2"}, sandbox)

    assert done.code == 2, done.log
    assert "::error title=ci-ecs::input version: only for rollback" in done.log
    assert _live(env) == before
    assert done.outputs == {}
