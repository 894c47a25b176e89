"""A private Docker engine and a local registry on 127.0.0.1 for tests that drive real docker (DESIGN.md §5).

Plain context managers (`running_dockerd`, `running_registry`) and session fixtures built on them
(`dockerd_socket`, `registry_address`, registered for every test by tests/conftest.py). Under xdist each
worker starts its own engine and registry: every path and port is private, so nothing needs a lock.
"""

from __future__ import annotations

import functools
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

READY_TIMEOUT = 60.0  # seconds; a bound on start-up, never asserted as a speed
STOP_TIMEOUT = 20.0


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a unix socket (the Docker API's transport)."""

    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=2)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(2)
        sock.connect(self._path)
        self.sock = sock


def _engine_answers(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    connection = _UnixHTTPConnection(str(socket_path))
    try:
        connection.request("GET", "/_ping")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _tail(path: Path, lines: int = 30) -> str:
    with suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def _wait_ready(process: subprocess.Popen[bytes], ready: Callable[[], bool], what: str, log: Path) -> None:
    """Poll `ready()` until true; fail with the service's log if it exits or never answers."""
    deadline = time.monotonic() + READY_TIMEOUT
    delay = 0.05
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready:\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {READY_TIMEOUT:g}s:\n{_tail(log)}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def _stop(pid: int) -> None:
    """SIGTERM the process we started, SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def _unmount_under(*roots: Path) -> None:
    """Lazily unmount what the engine left mounted under its directories (e.g. a netns), deepest first."""
    prefixes = tuple(str(root) + "/" for root in roots)
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        points = [line.split()[1] for line in mounts]
    for point in sorted({p for p in points if p.startswith(prefixes)}, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def _pid_in(path: Path) -> int | None:
    with suppress(OSError, ValueError):
        return int(path.read_text().strip())
    return None


@contextmanager
def running_dockerd(directory: Path) -> Iterator[str]:
    """Start a private dockerd (no iptables, no bridge); yield its DOCKER_HOST (`unix:///…/docker.sock`)."""
    # The socket and exec root live under a short /tmp path: unix socket paths are limited to 107 bytes.
    short = Path(tempfile.mkdtemp(prefix="ci-ecs-dockerd-", dir="/tmp"))
    data_root = directory / "dockerd-data"
    log = directory / "dockerd.log"
    socket_path = short / "docker.sock"
    args = [
        shutil.which("dockerd") or "dockerd",
        f"--data-root={data_root}",
        f"--exec-root={short / 'exec'}",
        f"--pidfile={short / 'dockerd.pid'}",
        f"--host=unix://{socket_path}",
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        "--log-level=warn",
    ]
    with log.open("wb") as log_stream:
        process = subprocess.Popen(
            args,
            stdout=log_stream,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_ready(process, lambda: _engine_answers(socket_path), "dockerd", log)
        yield f"unix://{socket_path}"
    finally:
        containerd = _pid_in(short / "exec" / "containerd" / "containerd.pid")
        _stop(process.pid)
        if containerd is not None:  # the engine's own containerd, started for it
            _stop(containerd)
        _unmount_under(short, data_root)
        shutil.rmtree(short, ignore_errors=True)
        shutil.rmtree(data_root, ignore_errors=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _registry_answers(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _registry_config(storage: Path, address: str) -> str:
    # Our own config: Debian's default listens on every interface and turns on htpasswd auth.
    return (
        "version: 0.1\n"
        "log: {level: warn, accesslog: {disabled: true}}\n"
        f"storage: {{filesystem: {{rootdirectory: {storage}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: '{address}', secret: ci-ecs-tests}}\n"
    )


@contextmanager
def running_registry(directory: Path) -> Iterator[str]:
    """Start a plain-HTTP Docker registry (distribution) on 127.0.0.1; yield its address `127.0.0.1:PORT`."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "registry.log"
    for _attempt in range(5):  # another process may take the free port before the registry binds it
        address = f"127.0.0.1:{free_port()}"
        config = directory / "registry.yml"
        config.write_text(_registry_config(directory / "registry-data", address), encoding="utf-8")
        with log.open("wb") as log_stream:
            process = subprocess.Popen(
                [shutil.which("docker-registry") or "docker-registry", "serve", str(config)],
                stdout=log_stream,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            _wait_ready(process, functools.partial(_registry_answers, address), "docker-registry", log)
        except RuntimeError:
            _stop(process.pid)
            if "address already in use" in _tail(log):
                continue
            raise
        try:
            yield address
        finally:
            _stop(process.pid)
        return
    raise RuntimeError(f"docker-registry could not bind a free port:\n{_tail(log)}")


def docker_env(docker_host: str, config_dir: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for the docker CLI talking to `docker_host`, with its own config (logins) directory."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("DOCKER_")}
    config_dir.mkdir(parents=True, exist_ok=True)
    env.update({"DOCKER_HOST": docker_host, "DOCKER_CONFIG": str(config_dir)})
    return env


@pytest.fixture(scope="session")
def dockerd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This worker's private dockerd, as a DOCKER_HOST value."""
    with running_dockerd(tmp_path_factory.mktemp("dockerd")) as host:
        yield host


@pytest.fixture(scope="session")
def registry_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This worker's local registry, `127.0.0.1:PORT` (plain HTTP, no auth)."""
    with running_registry(tmp_path_factory.mktemp("registry")) as address:
        yield address
