"""The `ci-ecs` typer app: global options, settings flags, and the one mapping of errors to exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ci_ecs import installed_version
from ci_ecs.errors import Cancelled, CiEcsError
from ci_ecs.output import Console, Redactor, detect_ci, silence

if TYPE_CHECKING:
    from ci_ecs.settings import Settings

app = typer.Typer(
    help="Ship containers to Amazon ECS/Fargate from CI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
sandbox_app = typer.Typer(help="The embedded rehearsal AWS (moto + an ECS simulator) on 127.0.0.1.")
app.add_typer(sandbox_app, name="sandbox")


@dataclass
class Globals:
    """The global options, as given before the command."""

    config: Path | None = None
    environment: str | None = None
    dry_run: bool = False
    output: str = "text"
    verbose: bool = False


def _version(value: bool) -> None:
    if value:
        print(f"ci-ecs {installed_version()}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Configuration file [default: ci-ecs.yml]")
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option(
            "--environment", "-e", help="Environment section to apply [default: $CI_ENVIRONMENT_NAME]"
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and the diff; change nothing.")
    ] = False,
    output: Annotated[str, typer.Option("--output", "-o", help="text or json")] = "text",
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="More detail; tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Ship containers to Amazon ECS/Fargate from CI."""
    if output not in ("text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--output")
    ctx.obj = Globals(config, environment, dry_run, output, verbose)


# Settings flags shared by the commands that talk to a service (each maps to a configuration key).
Cluster = Annotated[str | None, typer.Option(help="ECS cluster [key: cluster]")]
Service = Annotated[str | None, typer.Option(help="ECS service [key: service]")]
Region = Annotated[str | None, typer.Option(help="AWS region [key: region]")]
Image = Annotated[
    str | None,
    typer.Option(
        help="Image to deploy, REPO:TAG or REPO@DIGEST [key: image; default: REPO:<CI commit tag or sha>]"
    ),
]
Container = Annotated[
    list[str] | None, typer.Option(help="Container whose image is replaced; repeatable [key: container]")
]
TaskDefinition = Annotated[
    str | None, typer.Option(help="Jinja2 task-definition template [key: task_definition]")
]
Timeout = Annotated[str | None, typer.Option("--timeout", help="Give up after, e.g. 15m [key: wait.timeout]")]
WaitForLock = Annotated[
    str | None,
    typer.Option(
        "--wait-for-lock",
        help="Wait this long for another job's lock on the service, e.g. 10m [key: lock.wait]",
    ),
]
CircuitBreaker = Annotated[
    bool | None,
    typer.Option(
        "--circuit-breaker/--no-circuit-breaker",
        help="ECS deployment circuit breaker [key: rolling.circuit_breaker]",
    ),
]


def flag_values(**values: Any) -> dict[str, str | None]:
    """Flag values keyed by configuration key; None = not given."""
    flags: dict[str, str | None] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            flags[key] = str(value).lower()
        elif isinstance(value, list):
            flags[key] = ",".join(value) if value else None
        else:
            flags[key] = value
    return flags


def make_console(g: Globals) -> Console:
    """The console for the global options, redacting the process's secret values."""
    return Console(
        fmt=g.output,
        ci=detect_ci(os.environ),
        verbose=g.verbose,
        redactor=Redactor.from_environment(os.environ),
    )


def load_from(g: Globals, flags: dict[str, str | None], *, require_service: bool = True) -> Settings:
    """The settings from the config file, CI_ECS_* variables and these flags."""
    from ci_ecs.settings import load_settings

    return load_settings(
        g.config, environment=g.environment, env=os.environ, flags=flags, require_service=require_service
    )


def fail(console: Console, g: Globals, exc: BaseException) -> typer.Exit:
    """Report an error on one line (traceback with -v) and turn it into the exit code of DESIGN.md §2."""
    if g.verbose:
        console.error(traceback.format_exc().rstrip())
    if isinstance(exc, CiEcsError | Cancelled):
        (console.line if exc.exit_code == 0 else console.error)(str(exc))
        return typer.Exit(exc.exit_code)
    console.error(
        f"internal error: {type(exc).__name__}: {exc} — a person must look (run with -v for details)"
    )
    return typer.Exit(4)


def run(ctx: typer.Context, action: Callable[[Globals, Console], None]) -> None:
    """Run a command's action; any error becomes one message and the exit code of DESIGN.md §2."""
    g: Globals = ctx.obj
    console = make_console(g)
    try:
        action(g, console)
    except (Exception, Cancelled) as exc:
        raise fail(console, g, exc) from None


def invoke(args: list[str]) -> int:
    """Run ci-ecs in this process (for the demo) and return its exit code."""
    try:
        # Without standalone mode, click returns the code of a typer.Exit instead of exiting.
        code = app(args, standalone_mode=False)
    except SystemExit as done:
        return int(done.code or 0)
    return int(code or 0)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:  # the reader went away (`| head -1`): not a failure of the job
            silence(sys.stdout)
