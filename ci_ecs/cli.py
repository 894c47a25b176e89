"""The `ci-ecs` command: options → settings → plan → runner. The only place that maps errors to exit codes."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ci_ecs import __version__
from ci_ecs.errors import CiEcsError, DeploymentFailed
from ci_ecs.output import Console, Redactor, detect_ci

if TYPE_CHECKING:
    from ci_ecs.runner import Plan
    from ci_ecs.settings import Settings
    from ci_ecs.strategies.common import Context

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
        print(f"ci-ecs {__version__}")
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
CircuitBreaker = Annotated[
    bool | None,
    typer.Option(
        "--circuit-breaker/--no-circuit-breaker",
        help="ECS deployment circuit breaker [key: rolling.circuit_breaker]",
    ),
]


def _flags(**values: Any) -> dict[str, str | None]:
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


def _console(g: Globals) -> Console:
    return Console(
        fmt=g.output,
        ci=detect_ci(os.environ),
        verbose=g.verbose,
        redactor=Redactor.from_environment(os.environ),
    )


def _settings(g: Globals, flags: dict[str, str | None]) -> Settings:
    from ci_ecs.settings import load_settings

    return load_settings(g.config, environment=g.environment, env=os.environ, flags=flags)


def _context(
    g: Globals, console: Console, flags: dict[str, str | None], *, needs_release: bool = True
) -> Context:
    from ci_ecs.aws.clients import Aws
    from ci_ecs.forge import reporter_for
    from ci_ecs.release import resolve_release
    from ci_ecs.strategies.common import Context

    settings = _settings(g, flags)
    release = resolve_release(settings, os.environ) if needs_release else None
    # Deployments belong to an environment: without one there is nothing to report or to ask.
    forge = settings.forge if settings.environment else "none"
    reporter = reporter_for(forge, os.environ, console, tier=os.environ.get("CI_ENVIRONMENT_TIER"))
    return Context(
        settings,
        release,
        Aws(settings.region),
        console,
        dict(os.environ),
        dry_run=g.dry_run,
        reporter=reporter,
    )


def _execute(plan: Plan, context: Context) -> None:
    """Run a plan that changes the service, reporting to the forge and to later jobs."""
    from ci_ecs.runner import Reporting, execute

    s = context.settings
    reporting = Reporting(context.reporter, s.environment, s.url, context.env)
    execute(plan, context.console, dry_run=context.dry_run, reporting=reporting)


def _fail(console: Console, g: Globals, exc: BaseException) -> typer.Exit:
    """Report an error on one line (traceback with -v) and turn it into the exit code of DESIGN.md §2."""
    if g.verbose:
        console.error(traceback.format_exc().rstrip())
    if isinstance(exc, CiEcsError):
        console.error(str(exc))
        return typer.Exit(exc.exit_code)
    console.error(
        f"internal error: {type(exc).__name__}: {exc} — a person must look (run with -v for details)"
    )
    return typer.Exit(4)


def _run(ctx: typer.Context, action: Callable[[Globals, Console], None]) -> None:
    """Run a command's action; any error becomes one message and the exit code of DESIGN.md §2."""
    g: Globals = ctx.obj
    console = _console(g)
    try:
        action(g, console)
    except Exception as exc:
        raise _fail(console, g, exc) from None


@app.command()
def deploy(
    ctx: typer.Context,
    image: Image = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    container: Container = None,
    task_definition: TaskDefinition = None,
    timeout: Timeout = None,
    circuit_breaker: CircuitBreaker = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Roll the new version out to the whole service."""
    flags = _flags(
        image=image,
        cluster=cluster,
        service=service,
        region=region,
        container=container,
        task_definition=task_definition,
        **{"wait.timeout": timeout, "rolling.circuit_breaker": circuit_breaker},
    )

    def deploy(g: Globals, console: Console) -> None:
        from ci_ecs import strategies

        g.dry_run = g.dry_run or dry_run
        context = _context(g, console, flags)
        _execute(strategies.deploy_plan(context), context)

    _run(ctx, deploy)


@app.command("canary-deploy")
def canary_deploy(
    ctx: typer.Context,
    image: Image = None,
    weight: Annotated[
        str | None, typer.Option(help="taskset mode: percent of traffic for the canary [key: canary.weight]")
    ] = None,
    count: Annotated[
        str | None, typer.Option(help="task/service mode: canary tasks [key: canary.count]")
    ] = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    container: Container = None,
    task_definition: TaskDefinition = None,
    timeout: Timeout = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Put the new version beside the stable one with a small share of traffic (canary.mode)."""
    flags = _flags(
        image=image,
        cluster=cluster,
        service=service,
        region=region,
        container=container,
        task_definition=task_definition,
        **{"wait.timeout": timeout, "canary.weight": weight, "canary.count": count},
    )

    def canary(g: Globals, console: Console) -> None:
        from ci_ecs import strategies

        g.dry_run = g.dry_run or dry_run
        context = _context(g, console, flags)
        _execute(strategies.canary_plan(context), context)

    _run(ctx, canary)


@app.command()
def rollback(
    ctx: typer.Context,
    to: Annotated[
        str | None, typer.Option("--to", help="Go back to this version instead of the previous one")
    ] = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    image: Annotated[
        str | None, typer.Option(help="Image repository, to find --to VERSION by its tag [key: image]")
    ] = None,
    timeout: Timeout = None,
    circuit_breaker: CircuitBreaker = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Return the service to the previous good version (or --to VERSION)."""
    flags = _flags(
        cluster=cluster,
        service=service,
        region=region,
        image=image,
        **{"wait.timeout": timeout, "rolling.circuit_breaker": circuit_breaker},
    )

    def rollback(g: Globals, console: Console) -> None:
        from ci_ecs import strategies

        g.dry_run = g.dry_run or dry_run
        context = _context(g, console, flags, needs_release=False)
        _execute(strategies.rollback_plan(context, to), context)

    _run(ctx, rollback)


@app.command()
def render(
    ctx: typer.Context,
    image: Image = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    container: Container = None,
    task_definition: TaskDefinition = None,
) -> None:
    """Print the task definition `deploy` would register (secret-looking values redacted)."""
    flags = _flags(
        image=image,
        cluster=cluster,
        service=service,
        region=region,
        container=container,
        task_definition=task_definition,
    )

    def render(g: Globals, console: Console) -> None:
        from ci_ecs.strategies.common import rendered

        console.json(rendered(_context(g, console, flags)))

    _run(ctx, render)


@app.command()
def status(
    ctx: typer.Context,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
) -> None:
    """Show the live version, deployments, target health and ci-ecs tags of the service."""

    def status(g: Globals, console: Console) -> None:
        from ci_ecs import status as statuses
        from ci_ecs.aws.clients import Aws

        settings = _settings(g, _flags(cluster=cluster, service=service, region=region))
        statuses.show(Aws(settings.region), settings, console)

    _run(ctx, status)


@sandbox_app.command("up")
def sandbox_up(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port)")] = 5005,
    empty: Annotated[bool, typer.Option("--empty", help="Seed nothing.")] = False,
    write_config: Annotated[
        Path | None, typer.Option("--write-config", help="Write a ci-ecs.yml for the sample service into DIR")
    ] = None,
    tick: Annotated[
        float | None, typer.Option(help="Seconds per simulator step [env: CI_ECS_SANDBOX_TICK]")
    ] = None,
) -> None:
    """Run the sandbox in the foreground until interrupted."""

    def up(g: Globals, console: Console) -> None:
        from ci_ecs import demo

        demo.sandbox_up(console, port=port, seed=not empty, write_config=write_config, tick=tick)

    _run(ctx, up)


@app.command("demo")
def demo_command(ctx: typer.Context) -> None:
    """Rehearse on the embedded sandbox: deploy v2, then a crashing version that ECS rolls back."""

    def demo(g: Globals, console: Console) -> None:
        from ci_ecs import demo

        if not demo.run(console, _invoke):
            raise DeploymentFailed("the demo did not behave as designed (see above)")

    _run(ctx, demo)


def _invoke(args: list[str]) -> int:
    """Run ci-ecs in this process (for the demo) and return its exit code."""
    try:
        # Without standalone mode, click returns the code of a typer.Exit instead of exiting.
        code = app(args, standalone_mode=False)
    except SystemExit as done:
        return int(done.code or 0)
    return int(code or 0)


def main() -> None:
    """Console-script entry point."""
    app()
