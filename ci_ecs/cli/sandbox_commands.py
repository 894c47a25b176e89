"""The sandbox and demo commands: the embedded rehearsal AWS."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer

from ci_ecs.cli.app import Globals, app, invoke, run, sandbox_app
from ci_ecs.errors import ConfigError, DeploymentFailed, PreconditionError
from ci_ecs.output import Console


@sandbox_app.command("up")
def sandbox_up(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port)")] = 5005,
    empty: Annotated[bool, typer.Option("--empty", help="Start with no sample service.")] = False,
    write_config: Annotated[
        Path | None, typer.Option("--write-config", help="Write a ci-ecs.yml for the sample service into DIR")
    ] = None,
    tick: Annotated[
        float | None, typer.Option(help="Seconds per simulator step [env: CI_ECS_SANDBOX_TICK]")
    ] = None,
    time_scale: Annotated[
        str | None,
        typer.Option(
            "--time-scale",
            metavar="N|realistic",
            help="Make every simulated duration its typical AWS duration divided by N (realistic = 10: "
            "an AWS minute lasts 6 s); default: the fast test pace [env: CI_ECS_SANDBOX_TIME_SCALE]",
        ),
    ] = None,
) -> None:
    """Run the sandbox in the foreground until interrupted."""

    def up(g: Globals, console: Console) -> None:
        from ci_ecs import demo

        clock = demo.sandbox_clock(tick, time_scale)
        _check_port(port)
        demo.sandbox_up(console, port=port, seed=not empty, write_config=write_config, clock=clock)

    run(ctx, up)


def _check_port(port: int) -> None:
    """ConfigError for a port out of range; PreconditionError when 127.0.0.1:`port` cannot be listened on."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port: {port} is not a port — give 1–65535, or 0 for any free port")
    if port == 0:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server's own socket does
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be listened on ({exc.strerror})"
            raise PreconditionError(
                f"--port: 127.0.0.1:{port} {why} — stop what listens there, or choose another port with "
                "--port (0: any free port)"
            ) from None


@app.command("demo")
def demo_command(ctx: typer.Context) -> None:
    """Rehearse on the embedded sandbox: deploy v2, then a crashing version that ECS rolls back."""

    def demo(g: Globals, console: Console) -> None:
        from ci_ecs import demo

        if not demo.run(console, invoke):
            raise DeploymentFailed("the demo did not behave as designed (see above)")

    run(ctx, demo)
