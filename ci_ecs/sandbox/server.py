"""The sandbox: moto's threaded server on 127.0.0.1, serialized with the simulator by one lock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from ci_ecs.errors import ConfigError
from ci_ecs.sandbox import hooks, unsupported
from ci_ecs.sandbox.config import from_env
from ci_ecs.sandbox.elb import traffic
from ci_ecs.sandbox.elb.traffic import Traffic
from ci_ecs.sandbox.seed import environment, sample
from ci_ecs.sandbox.simulator import Simulator, busy
from ci_ecs.sandbox.state import LOCK, RUNTIME

SANDBOX_CONFIG = "ci-ecs.sandbox.yml"  # the sample's ci-ecs.yml, beside a user's own


def _written_by_sandbox(path: Path, text: str) -> bool:
    """Whether the file starts as the sandbox writes its ci-ecs.yml (an earlier `sandbox up` wrote it)."""
    header = text.partition("\n")[0]
    try:
        with path.open(encoding="utf-8") as stream:
            return stream.readline().rstrip("\n") == header
    except (OSError, UnicodeDecodeError):
        return False


HOST = "127.0.0.1"
_current: Sandbox | None = None


class _QuietHandler(MotoRequestHandler):
    """moto's request handler without the per-request access log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class _LockedServer(ThreadedMotoServer):
    """ThreadedMotoServer whose every request holds the simulator's lock."""

    def __init__(self, port: int, log_requests: bool) -> None:
        super().__init__(ip_address=HOST, port=port, verbose=False)
        self.error: BaseException | None = None
        self._handler = MotoRequestHandler if log_requests else _QuietHandler

    def _server_entry(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)

        def serialized(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with LOCK:  # what moto cannot answer gets an AWS-shaped 501, not an HTML page
                return unsupported.guard(app, environ, start_response)

        try:
            self._server = make_server(
                self._ip_address, self._port, serialized, True, request_handler=self._handler
            )
        except SystemExit:  # werkzeug exits when the port is taken
            self.error = OSError(f"{self._ip_address}:{self._port} is already in use")
            self._server_ready_event.set()
            return
        except Exception as exc:
            self.error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever()


class Sandbox:
    """A running rehearsal AWS: `endpoint` serves the AWS APIs, `sample` is the seeded environment."""

    def __init__(self, server: _LockedServer, simulator: Simulator, port: int) -> None:
        self._server = server
        self._simulator = simulator
        self.endpoint = f"http://{HOST}:{port}"
        self.region = sample.REGION
        self.sample: sample.Sample | None = None

    def env(self) -> dict[str, str]:
        """AWS_ENDPOINT_URL, AWS_REGION, AWS_DEFAULT_REGION and test credentials for the sandbox."""
        return sample.environment(self.endpoint, self.region)

    def exports(self) -> str:
        """The `export K=V` lines for a shell."""
        return sample.exports(self.env())

    def reset(self, *, seed: bool = True, second_region: bool = False) -> sample.Sample | None:
        """Wipe all state (moto's reset) and, unless `seed=False`, seed the sample environment again (with
        `second_region`, also its three services of one image in the second region)."""
        with LOCK:
            moto_api_backend.reset()
            hooks.pin_task_states()
            traffic.reset()
        self.sample = self._seed(second_region) if seed else None
        return self.sample

    def write_config(self, directory: str | Path) -> Path:
        """Write `ci-ecs.yml` and one config per canary mode into `directory`; returns the ci-ecs.yml path."""
        return self.write_configs(directory)[0]

    def write_configs(self, directory: str | Path, *, keep_user_config: bool = False) -> list[Path]:
        """Write the sample's configs into `directory`; returns their paths, its ci-ecs.yml first.

        With `keep_user_config`, a ci-ecs.yml the sandbox did not write is left alone: the sample's goes to
        `ci-ecs.sandbox.yml` beside it.
        """
        if self.sample is None:
            raise ConfigError(
                "the sandbox was started empty (no sample service): there is no ci-ecs.yml to write"
            )
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        files = sample.config_files(self.sample, self.endpoint)
        main, text = folder / sample.CONFIG, files.pop(sample.CONFIG)
        if keep_user_config and main.is_file() and not _written_by_sandbox(main, text):
            main = folder / SANDBOX_CONFIG
        written = {main: text, **{folder / name: body for name, body in files.items()}}
        for path, body in written.items():
            path.write_text(body, encoding="utf-8")
        return list(written)

    def traffic(self) -> Traffic:
        """The simulated requests measured since the last `reset()` or `reset_traffic()`."""
        with LOCK:
            return traffic.snapshot()

    def reset_traffic(self) -> None:
        """Start measuring traffic afresh (routing and published metrics carry on)."""
        with LOCK:
            traffic.reset(counts_only=True)

    def wait_idle(self, timeout: float = 30) -> None:
        """Block until no deployment is IN_PROGRESS, no task set STABILIZING, no deleted service drains."""
        deadline = time.monotonic() + timeout
        while True:
            if self._simulator.error is not None:
                raise RuntimeError(f"the sandbox simulator failed: {self._simulator.error!r}")
            with LOCK:
                if not busy():
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"sandbox: a deployment or task set is still moving after {timeout} s")
            time.sleep(RUNTIME.config.tick / 2)

    def stop(self) -> None:
        """Stop the simulator and the server, and give moto its own behaviour back."""
        global _current
        self._simulator.stop()
        self._server.stop()
        with LOCK:
            hooks.uninstall()
        if _current is self:
            _current = None

    def set_time_scale(self, time_scale: float | None) -> None:
        """Run simulated time at AWS durations ÷ `time_scale` from now on (None: the default tick counts)."""
        with LOCK:
            RUNTIME.config = RUNTIME.config.at_scale(time_scale)

    def _seed(self, second_region: bool) -> sample.Sample:
        # The sample environment is there before a rehearsal starts: it is seeded at the default pace
        # whatever the time scale, which then applies to everything done with it.
        scaled = RUNTIME.config
        if scaled.time_scale is not None:
            with LOCK:
                RUNTIME.config = scaled.at_scale(None)
        try:
            created = environment.seed(self.endpoint, second=second_region)
            self.wait_idle(timeout=max(30.0, 300 * RUNTIME.config.tick))
        finally:
            with LOCK:
                RUNTIME.config = scaled
        return created

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def current() -> Sandbox | None:
    """The sandbox running in this process, if any."""
    return _current


def start(
    port: int = 0,
    *,
    seed: bool = True,
    tick: float | None = None,
    time_scale: float | None = None,
    log_requests: bool = False,
    second_region: bool = False,
) -> Sandbox:
    """Run the sandbox on 127.0.0.1:`port` (0: any free port); seed the sample unless `seed=False` (with
    `second_region`, its three services of one image in a second region too).

    `tick` (seconds per simulated step) defaults to $CI_ECS_SANDBOX_TICK, else 0.1. `time_scale` N makes
    every simulated duration AWS's typical one divided by N (default $CI_ECS_SANDBOX_TIME_SCALE, else none:
    the fast default tick counts).
    """
    global _current
    if _current is not None:
        raise RuntimeError(f"a sandbox already runs in this process at {_current.endpoint}")
    config = from_env(tick=tick, time_scale=time_scale)
    server = _LockedServer(port, log_requests)
    with LOCK:
        moto_api_backend.reset()
        hooks.install()
        traffic.reset()
        RUNTIME.config = config
    server.start()
    if server.error is not None:
        with LOCK:
            hooks.uninstall()
        raise OSError(f"cannot serve the sandbox: {server.error}") from server.error
    simulator = Simulator()
    simulator.start()
    sandbox = Sandbox(server, simulator, server.get_host_and_port()[1])
    _current = sandbox
    if seed:
        try:
            sandbox.sample = sandbox._seed(second_region)
        except BaseException:
            sandbox.stop()
            raise
    return sandbox
