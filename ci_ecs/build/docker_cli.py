"""The docker CLI as a subprocess: the build job's one gateway to the engine and registries."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ci_ecs.errors import CiEcsError, PreconditionError
from ci_ecs.model import ImageRef

_LOCAL_HOSTS = ("localhost", "127.", "[::1]")  # registries the engine talks to over plain HTTP by default


@dataclass(frozen=True)
class Completed:
    """A finished docker command: its exit code and its combined output."""

    code: int
    output: str


def command_line(args: Sequence[str]) -> str:
    """How a command is shown in logs and dry runs."""
    return shlex.join(args)


class Docker:
    """Runs `docker …` with a given environment; `show` receives the lines of streamed commands."""

    def __init__(self, env: Mapping[str, str], show: Callable[[str], None]) -> None:
        self.env = dict(env)
        self.show = show

    def run(
        self, args: Sequence[str], *, stdin: str | None = None, stream: bool = False, buildkit: bool = True
    ) -> Completed:
        """Run `docker args`; with `stream`, each output line is shown as it comes."""
        executable = shutil.which("docker", path=self.env.get("PATH"))
        if executable is None:
            raise PreconditionError(
                "docker: the docker CLI is not installed (or not on PATH) — the build job needs docker, "
                "e.g. docker-in-docker on GitLab or a runner with Docker on GitHub"
            )
        env = {**self.env, **({} if buildkit else {"DOCKER_BUILDKIT": "0"})}
        if not stream:
            done = subprocess.run(
                [executable, *args], input=stdin, env=env, capture_output=True, text=True, check=False
            )
            return Completed(done.returncode, done.stdout + done.stderr)
        lines = []
        with subprocess.Popen(
            [executable, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                self.show(line.rstrip("\n"))
        return Completed(process.returncode, "".join(lines))


def require_engine(docker: Docker) -> None:
    """PreconditionError unless the docker CLI reaches a running engine."""
    done = docker.run(["version", "--format", "{{.Server.Version}}"])
    if done.code != 0:
        where = docker.env.get("DOCKER_HOST") or "the default socket"
        raise PreconditionError(
            f"docker: cannot reach the Docker engine at {where}: {done.output.strip()} — start dockerd "
            "or set DOCKER_HOST (on GitLab: a docker:dind service)"
        )


def has_buildx(docker: Docker) -> bool:
    """Whether the buildx plugin (BuildKit) is installed for this CLI."""
    return docker.run(["buildx", "version"]).code == 0


def login(docker: Docker, registry: str, user: str, password: str) -> None:
    """`docker login`, the password on stdin so that it is never in a process list or a log."""
    done = docker.run(["login", "--username", user, "--password-stdin", registry], stdin=password)
    if done.code != 0:
        raise PreconditionError(f"docker login to {registry} as {user} failed: {done.output.strip()}")


def is_local(registry: str) -> bool:
    """Whether the registry is on this host (plain HTTP is allowed there)."""
    return registry.startswith(_LOCAL_HOSTS)


def remote_digest(docker: Docker, image: ImageRef) -> tuple[bool | None, str | None]:
    """(exists, digest) of `repository:tag` in its registry; exists is None when the registry did not say."""
    args = ["manifest", "inspect", "--verbose"]
    args += ["--insecure"] if is_local(image.registry) else []
    done = docker.run([*args, str(image)])
    if done.code != 0:
        return (False, None) if "no such manifest" in done.output.lower() else (None, None)
    try:
        described = json.loads(done.output)
    except ValueError:
        return True, None
    # One manifest comes as an object; a multi-platform list as one entry per platform, without its digest.
    digest = described.get("Descriptor", {}).get("digest") if isinstance(described, dict) else None
    return True, digest


def _same_repository(a: str, b: str) -> bool:
    def normal(name: str) -> str:
        image = ImageRef(name)
        path = image.path if image.registry == "docker.io" else name
        return path.removeprefix("library/")

    return normal(a) == normal(b)


def local_digest(docker: Docker, image: ImageRef) -> str:
    """The registry digest of a pushed (or pulled) image, from the engine's RepoDigests."""
    done = docker.run(["image", "inspect", "--format", "{{json .RepoDigests}}", str(image)])
    if done.code == 0:
        for entry in json.loads(done.output or "[]") or []:
            repository, _, digest = str(entry).partition("@")
            if _same_repository(repository, image.repository):
                return digest
    raise CiEcsError(f"docker: no registry digest for {image} after the push: {done.output.strip()}")


def checked(done: Completed, what: str) -> Completed:
    """The command's result; CiEcsError (exit 1) naming what failed when it did."""
    if done.code != 0:
        raise CiEcsError(f"{what} failed (exit {done.code}) — the docker output is above")
    return done
