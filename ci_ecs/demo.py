"""`ci-ecs demo` and `ci-ecs sandbox up`: the product on the embedded sandbox."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.output import Console

if TYPE_CHECKING:
    from ci_ecs.sandbox import Sandbox
    from ci_ecs.sandbox.config import SimConfig

DEMO_TICK = 0.25
SETTLED = "what is live once ECS has finished rolling back"


def _require_sandbox() -> None:
    try:
        import ci_ecs.sandbox  # noqa: F401  (moto, imported only by commands that need it)
    except ImportError as exc:
        raise PreconditionError(
            f"the sandbox needs moto ({exc.name} is not installed) — pip install 'ci-ecs[sandbox]'"
        ) from exc


def sandbox_clock(tick: float | None, time_scale: str | None) -> SimConfig:
    """The clock from `--tick`, `--time-scale` and CI_ECS_SANDBOX_*; a ConfigError names a bad one."""
    _require_sandbox()
    from ci_ecs.sandbox.config import from_env, parse_time_scale

    scale = None
    if time_scale is not None:
        try:
            scale = parse_time_scale(time_scale)
        except ValueError as exc:
            raise ConfigError(f"--time-scale: {exc}") from None
    if tick is not None and not tick > 0:
        raise ConfigError(f"--tick: {tick:g} is not a tick — give seconds > 0 per step (default 0.1)")
    try:
        return from_env(tick=tick, time_scale=scale)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _start(port: int, *, seed: bool, clock: SimConfig, second_region: bool = False) -> Sandbox:
    from ci_ecs import sandbox

    return sandbox.start(
        port, seed=seed, tick=clock.tick, time_scale=clock.time_scale, second_region=second_region
    )


def describe_clock(clock: SimConfig) -> str:
    """One comment line on how fast simulated time runs under a time scale."""
    scale = clock.time_scale
    assert scale is not None
    return (
        f"# time scale {scale:g}: every AWS duration divided by {scale:g} (an AWS minute lasts "
        f"{60 / scale:g} s; one {clock.tick:g} s tick = {clock.seconds(1):g} s of AWS time)"
    )


def sandbox_up(
    console: Console, *, port: int, seed: bool, write_config: Path | None, clock: SimConfig
) -> None:
    """Run the sandbox in the foreground until SIGINT/SIGTERM (the sample in its second region too)."""
    box = _start(port, seed=seed, clock=clock, second_region=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        console.line(f"# ci-ecs sandbox on {box.endpoint}; export these to use it:")
        console.line(box.exports())
        if box.sample is not None:
            sample = box.sample
            console.line(
                f"# sample: cluster {sample.cluster}, service {sample.service}, image {sample.repository}"
            )
            console.line(f"#         tags {', '.join(sorted(sample.images))}")
            console.line(
                f"# in {sample.region} and {sample.second_region}: shop-web, shop-worker, shop-scheduler "
                "(one image; ci-ecs-services.yml, ci-ecs-regions.yml)"
            )
        if write_config is not None:
            written = box.write_configs(write_config, keep_user_config=True)
            for path in sorted(written):
                console.line(f"# wrote {path}")
            main = written[0]
            if main.name != "ci-ecs.yml":
                console.line(
                    f"# {main.parent / 'ci-ecs.yml'} exists and the sandbox did not write it: left it alone; "
                    f"the sample service's config is {main.name} (ci-ecs --config {main.name} …)"
                )
        if clock.time_scale is not None:
            console.line(describe_clock(clock))
        console.line("# press Ctrl-C to stop")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()


def run(console: Console, invoke: Callable[[list[str]], int]) -> bool:
    """Deploy v2 (must succeed), then a crashing v2 (must fail and be rolled back), then show status."""
    clock = sandbox_clock(float(os.environ.get("CI_ECS_SANDBOX_TICK") or DEMO_TICK), None)
    box = _start(0, seed=True, clock=clock)
    saved = dict(os.environ)
    try:
        os.environ.update(box.env())
        assert box.sample is not None
        repository = box.sample.repository
        with tempfile.TemporaryDirectory(prefix="ci-ecs-demo-") as directory:
            config = str(box.write_config(directory))
            console.line(f"sandbox up on {box.endpoint}: service {box.sample.service} runs v1 with 3 tasks")
            expectations = [
                (
                    ["--config", config, "deploy", "--image", f"{repository}:v2"],
                    0,
                    "a good release rolls out",
                ),
                (
                    ["--config", config, "deploy", "--image", f"{repository}:v2-crash"],
                    1,
                    "a release whose tasks crash is stopped by the circuit breaker and rolled back",
                ),
                (["--config", config, "status"], 0, SETTLED),
            ]
            ok = True
            for args, expected, purpose in expectations:
                console.line("")
                console.line(f"# {purpose}")
                console.line("$ ci-ecs " + " ".join(a if a != config else "ci-ecs.yml" for a in args))
                if purpose == SETTLED:
                    box.wait_idle()  # let ECS finish the rollback, as a person would before looking
                code = invoke(args)
                verdict = "as expected" if code == expected else f"UNEXPECTED: wanted {expected}"
                console.line(f"exit status {code} ({verdict})")
                ok = ok and code == expected
        console.line("")
        console.line("demo " + ("behaved as designed" if ok else "did NOT behave as designed"))
        return ok
    finally:
        os.environ.clear()
        os.environ.update(saved)
        box.stop()
